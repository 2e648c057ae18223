"""Reads on claims that the admin and the API share."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.claims.models import Claim, ClaimRelation


def claim_conflicts(*, claim: Claim, user=None) -> QuerySet[Claim]:
    """The claims that contradict `claim`, whichever way round the relation was stored."""
    contradicts = ClaimRelation.Kind.CONTRADICTS
    claims = Claim.objects.filter(
        Q(relations_out__kind=contradicts, relations_out__to_claim=claim)
        | Q(relations_in__kind=contradicts, relations_in__from_claim=claim)
    ).distinct()
    return claims.visible_to(user) if user is not None else claims
