"""What the credibility room does when the rooms below it change: regrade, in the same transaction."""

from __future__ import annotations

from apps.credibility.services import claims_resting_on, credibility_recompute


def regrade_changed_claims(sender, claim_ids, **kwargs) -> None:
    credibility_recompute(claim_ids=claim_ids)


def regrade_after_merge(sender, keep, duplicate_id, **kwargs) -> None:
    # two roots may now be one: every claim that rested on either entity is regraded
    credibility_recompute(claim_ids=claims_resting_on([keep.pk, duplicate_id]))
