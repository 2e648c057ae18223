"""Reads the admin and the API share: claims side by side, grouped by root, and track records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import (
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from apps.claims.models import Attestation, Claim
from apps.claims.selectors import claim_conflicts
from apps.credibility.models import SourceRating
from apps.entities.models import Entity

# Laplace's rule of succession: one imagined right and one imagined wrong call, so an entity with
# no record scores 0.5 and a single verdict cannot swing it to 0 or 1.
PRIOR_RIGHT, PRIOR_WRONG = 1, 1


@dataclass
class RootGroup:
    stance: str
    name: str
    kind: str
    reliability: str | None
    counted: bool
    attestations: list[Attestation] = field(default_factory=list)
    pair: str = ""


@dataclass
class ClaimSide:
    claim: Claim
    groups: list[RootGroup]


def _group_name(item: dict) -> str:
    """A root as the comparison shows it: the family, then the members its quotes name when they
    are others ("United States — Mike Pompeo"), then what it is weighed as."""
    name = item["root"]["name"]
    members = [m["name"] for m in item.get("members", []) if m["name"] != name]
    if members:
        name += " — " + ", ".join(members)
    if item.get("interested"):
        name += " (the claim's own subject: not weighed against independent sources)"
    if item.get("hedged"):
        name += " (hedged: cannot confirm)"
    return name


def claims_for_comparison(*, claim_ids: Sequence[int], user) -> list[ClaimSide]:
    """The claims this user may see, in the order asked, each with its attestations grouped by the
    independent root the stored explanation gives them (so the page shows what the grade counted)."""
    claims = (
        Claim.objects.visible_to(user)
        .filter(pk__in=claim_ids)
        .prefetch_related(
            # every quote is shown with its document (title, outlet, date), speaker and origins
            Prefetch(
                "attestations",
                queryset=Attestation.objects.select_related(
                    "document__outlet", "speaker", "origin_entity", "origin_document"
                ).order_by("document__published", "document_id", "start"),
            )
        )
    )
    by_id = {claim.pk: claim for claim in claims}
    sides = []
    for pk in dict.fromkeys(claim_ids):
        claim = by_id.get(pk)
        if claim is None:
            continue
        quotes = {a.pk: a for a in claim.attestations.all()}
        groups = []
        explanation = claim.credibility_explanation or {}
        for stance, key in (("affirms", "independent_affirming"), ("denies", "independent_denying")):
            for item in explanation.get(key, []):
                group = RootGroup(
                    stance=stance,
                    name=_group_name(item),
                    kind=item["root"]["type"],
                    reliability=item["reliability"],
                    counted=item["counted"],
                    attestations=[quotes.pop(a) for a in item["attestations"] if a in quotes],
                    pair=item.get("pair", ""),
                )
                groups.append(group)
        if quotes:  # added since the last regrade: shown, never silently dropped
            groups.append(
                RootGroup("ungraded", "not yet graded", "", None, False, attestations=list(quotes.values()))
            )
        sides.append(ClaimSide(claim=claim, groups=groups))
    return sides


def claim_ids_with_conflicts(*, claim: Claim, user) -> list[int]:
    """The claim followed by every claim contradicting it that this user may see."""
    return [claim.pk, *claim_conflicts(claim=claim, user=user).order_by("pk").values_list("pk", flat=True)]


def entities_with_reliability(queryset=None):
    """Entities annotated with their current grade and track record (`rated_*`, `track_*`).

    The track record counts the distinct published claims an entity affirmed, as speaker or as
    root, that editors have since corroborated or refuted; `track_score` is smoothed by PRIOR_RIGHT/WRONG.
    """
    queryset = Entity.objects.all() if queryset is None else queryset
    latest = SourceRating.objects.filter(entity=OuterRef("pk")).order_by("-rated_at", "-id")
    # published claims only: a count over drafts would tell anyone that drafts exist
    affirmed = Claim.objects.published().filter(credibility_affirmers__contains=[OuterRef("pk")])

    def count(statuses=None):
        claims = affirmed if statuses is None else affirmed.filter(status__in=statuses)
        # COUNT as a plain function: one row, no GROUP BY, inside the correlated subquery
        counted = claims.order_by().annotate(n=Func("pk", function="COUNT")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    return queryset.annotate(
        rated_grade=Subquery(latest.values("grade")[:1]),
        rated_rationale=Subquery(latest.values("rationale")[:1]),
        rated_at=Subquery(latest.values("rated_at")[:1]),
        track_affirmed=count(),
        track_corroborated=count([Claim.Status.CORROBORATED]),
        track_refuted=count([Claim.Status.REFUTED]),
    ).annotate(
        track_sample=F("track_corroborated") + F("track_refuted"),
        track_score=ExpressionWrapper(
            (F("track_corroborated") + Value(PRIOR_RIGHT))
            * Value(1.0)
            / (F("track_corroborated") + F("track_refuted") + Value(PRIOR_RIGHT + PRIOR_WRONG)),
            output_field=FloatField(),
        ),
    )
