"""Accounts: the demo editor that `make seed` creates."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from apps.accounts.roles import EDITOR, roles_ensure

DEMO_EDITOR = "editor"


@transaction.atomic
def demo_editor_ensure(*, username: str = DEMO_EDITOR) -> tuple[object, str | None]:
    """Create the demo editor with a fresh random password; return (user, password or None if it existed)."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, None
    password = secrets.token_urlsafe(12)
    user = User.objects.create_user(username=username, password=password, is_staff=True)
    user.groups.add(roles_ensure()[EDITOR])
    return user, password
