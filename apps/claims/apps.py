from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "apps.claims"
    label = "claims"

    def ready(self) -> None:
        from apps.claims import services
        from apps.core.history import reverted, reverting

        reverting.connect(services.check_document_revert, dispatch_uid="claims.check_document_revert")
        reverted.connect(services.regrade_reverted, dispatch_uid="claims.regrade_reverted")
