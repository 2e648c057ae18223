from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate, pre_save


def _ensure_roles(sender, **kwargs) -> None:
    from apps.accounts.roles import roles_ensure

    roles_ensure()


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "People and roles"

    def ready(self) -> None:
        # after the last app's migrations, every permission the roles name exists
        post_migrate.connect(_ensure_roles, sender=self)
        from apps.accounts.signals import revoke_tokens_on_password_change

        # a password set through set_password() and save(), the only way Django changes one
        pre_save.connect(revoke_tokens_on_password_change, sender=settings.AUTH_USER_MODEL)
