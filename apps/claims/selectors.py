"""Reads on claims that the admin and the API share."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
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


def claim_judges() -> QuerySet:
    """The active users who may judge claims (editors, fact-checkers, superusers): whom a claim can
    be assigned to."""
    judge = Q(codename="change_claim", content_type__app_label="claims")
    users = get_user_model().objects.filter(is_active=True)
    return (
        users.filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=Permission.objects.filter(judge))
            | Q(user_permissions__in=Permission.objects.filter(judge))
        )
        .distinct()
        .order_by("username")
    )
