from django.apps import AppConfig


class CredibilityConfig(AppConfig):
    name = "apps.credibility"
    label = "credibility"

    def ready(self) -> None:
        from apps.claims.signals import claims_changed
        from apps.core.history import reverted
        from apps.credibility import receivers
        from apps.entities.signals import entity_merged

        claims_changed.connect(receivers.regrade_changed_claims, dispatch_uid="credibility.claims_changed")
        entity_merged.connect(receivers.regrade_after_merge, dispatch_uid="credibility.entity_merged")
        reverted.connect(receivers.regrade_after_revert, dispatch_uid="credibility.reverted")
