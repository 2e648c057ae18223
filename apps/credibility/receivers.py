"""What the credibility room does when the rooms below it change: regrade, in the same transaction."""

from __future__ import annotations

from apps.credibility.services import claims_regrade, credibility_recompute


def regrade_changed_claims(sender, claim_ids, **kwargs) -> None:
    credibility_recompute(claim_ids=claim_ids)


def regrade_after_merge(sender, keep, duplicate_id, **kwargs) -> None:
    # two roots may now be one: every claim that rested on either entity is regraded
    claims_regrade(resting_on=[keep.pk, duplicate_id], reason=f"#{duplicate_id} merged into {keep.name}")


def regrade_after_revert(sender, instance, previous, **kwargs) -> None:
    # an entity's name or a rating set back: the claims resting on it are regraded
    from apps.credibility.models import SourceRating
    from apps.entities.models import Entity

    if sender is Entity:
        claims_regrade(resting_on=[instance.pk], reason=f"{instance.name} reverted")
    elif sender is SourceRating:
        claims_regrade(resting_on=[instance.entity_id], reason=f"a rating of #{instance.entity_id} reverted")
