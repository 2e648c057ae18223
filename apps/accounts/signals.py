"""A new password revokes every API token of the account: a leaked token dies with the old password."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from knox.models import AuthToken


def revoke_tokens_on_password_change(sender, instance, update_fields=None, **kwargs) -> None:
    """Before a user is saved with a new password hash, delete their tokens (in the same transaction)."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = get_user_model()._base_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        AuthToken.objects.filter(user_id=instance.pk).delete()
