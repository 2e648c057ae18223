from django.apps import AppConfig
from django.db.models.signals import post_migrate


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
