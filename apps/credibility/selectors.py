"""Reads the admin and the API share: claims side by side, grouped by root, and track records."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Coalesce

from apps.claims.models import Attestation, Claim
from apps.claims.selectors import claim_conflicts
from apps.core.search import search_queryset
from apps.credibility.models import PendingRegrade, Regrade, RegradeBatch, SourceRating
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
    entity_id: int | None = None  # the root's entity, to rate it where it is unrated


@dataclass
class ClaimSide:
    claim: Claim
    groups: list[RootGroup]


def root_group_name(item: dict) -> str:
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
                    name=root_group_name(item),
                    kind=item["root"]["type"],
                    reliability=item["reliability"],
                    counted=item["counted"],
                    attestations=[quotes.pop(a) for a in item["attestations"] if a in quotes],
                    pair=item.get("pair", ""),
                    entity_id=item["root"]["id"] if item["root"]["type"] == "entity" else None,
                )
                groups.append(group)
        opinions = [
            quotes.pop(o["attestation"])
            for o in explanation.get("opinions", [])
            if o["attestation"] in quotes
        ]
        if opinions:  # shown, never counted nor weighed
            groups.append(RootGroup("opinion", "opinions", "", None, False, attestations=opinions))
        if quotes:  # added since the last regrade: shown, never silently dropped
            groups.append(
                RootGroup("ungraded", "not yet graded", "", None, False, attestations=list(quotes.values()))
            )
        sides.append(ClaimSide(claim=claim, groups=groups))
    return sides


def claim_ids_with_conflicts(*, claim: Claim, user) -> list[int]:
    """The claim followed by every claim contradicting it that this user may see."""
    return [claim.pk, *claim_conflicts(claim=claim, user=user).order_by("pk").values_list("pk", flat=True)]


@dataclass(frozen=True)
class TrackRecord:
    """How the published claims an entity affirmed fared: as many as it affirmed, and of those the
    ones editors have since corroborated or refuted."""

    affirmed: int = 0
    corroborated: int = 0
    refuted: int = 0

    @property
    def sample(self) -> int:
        return self.corroborated + self.refuted

    @property
    def score(self) -> float:
        """Smoothed by PRIOR_RIGHT/WRONG: 0.5 with no verdict."""
        return (self.corroborated + PRIOR_RIGHT) / (self.sample + PRIOR_RIGHT + PRIOR_WRONG)


def track_records(*, entity_ids: Collection[int]) -> dict[int, TrackRecord]:
    """The track record of each of these entities (an empty one for an entity that affirmed
    nothing), read in one pass over the claims they affirmed: for a page of entities already read,
    where `entities_with_reliability` reads each entity's claims once per figure."""
    ids = sorted(set(entity_ids))
    if not ids:
        return {}
    # published claims only: a count over drafts would tell anyone that drafts exist
    claims = Claim.objects.published().filter(credibility_affirmers__overlap=ids).order_by()
    sql, params = claims.values("status", "credibility_affirmers").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT entity, COUNT(*),"
            " COUNT(*) FILTER (WHERE status = %s), COUNT(*) FILTER (WHERE status = %s)"
            f" FROM ({sql}) claims, unnest(credibility_affirmers) entity"
            " WHERE entity = ANY(%s) GROUP BY entity",
            [Claim.Status.CORROBORATED.value, Claim.Status.REFUTED.value, *params, ids],
        )
        found = {entity: TrackRecord(*figures) for entity, *figures in cursor.fetchall()}
    return {pk: found.get(pk, TrackRecord()) for pk in ids}


def _latest_rating(field_name: str) -> Subquery:
    """The current rating's field, by the index on (entity, -rated_at, -id)."""
    latest = SourceRating.objects.filter(entity=OuterRef("pk")).order_by("-rated_at", "-id")
    return Subquery(latest.values(field_name)[:1])


def _affirmed_claims():
    # published claims only: a count over drafts would tell anyone that drafts exist
    return Claim.objects.published().filter(credibility_affirmers__contains=[OuterRef("pk")]).order_by()


def _judged_claims():
    return _affirmed_claims().filter(status__in=[Claim.Status.CORROBORATED, Claim.Status.REFUTED])


def _is(status: str) -> Case:
    return Case(When(status=status, then=1), default=0)


def _track_score() -> Subquery:
    right = Coalesce(Func(_is(Claim.Status.CORROBORATED), function="SUM"), 0)
    score = ExpressionWrapper(
        (right + Value(PRIOR_RIGHT))
        * Value(1.0)
        / (Func("pk", function="COUNT") + Value(PRIOR_RIGHT + PRIOR_WRONG)),
        output_field=FloatField(),
    )
    return Subquery(_judged_claims().annotate(score=score).values("score"), output_field=FloatField())


def entities_with_reliability(queryset=None):
    """Entities annotated with their current grade and track record (`rated_*`, `track_*`).

    The track record counts the distinct published claims an entity affirmed, as speaker or as
    root, that editors have since corroborated or refuted; `track_score` is smoothed by PRIOR_RIGHT/WRONG.
    """
    queryset = Entity.objects.all() if queryset is None else queryset
    # Read from the stored row (`EntityReliability`, kept current by triggers) by one LEFT JOIN: the
    # subqueries per entity row it replaces read every claim the entity affirmed, once per figure.
    # An entity without a row was never rated and affirmed nothing published.
    stored = "stored_reliability__"
    corroborated = Coalesce(F(f"{stored}corroborated"), 0)
    refuted = Coalesce(F(f"{stored}refuted"), 0)
    return queryset.annotate(
        rated_grade=F(f"{stored}grade"),
        rated_rationale=F(f"{stored}rationale"),
        rated_at=F(f"{stored}rated_at"),
        track_affirmed=Coalesce(F(f"{stored}affirmed"), 0),
        track_corroborated=corroborated,
        track_refuted=refuted,
        track_sample=corroborated + refuted,
        # the same arithmetic as `TrackRecord.score`, in double precision as the subquery computed it
        track_score=ExpressionWrapper(
            (corroborated + Value(PRIOR_RIGHT))
            * Value(1.0)
            / (corroborated + refuted + Value(PRIOR_RIGHT + PRIOR_WRONG)),
            output_field=FloatField(),
        ),
    )


def entities_ranked_by_reliability(queryset):
    """Entities annotated with their current grade (`rated_grade`) and sortable on their track
    record's score (`track_score`, an alias: computed for every entity only when sorted on; a page's
    figures come from `track_records`)."""
    return queryset.annotate(rated_grade=_latest_rating("grade")).alias(track_score=_track_score())


# --- the fact-checker's desk ----------------------------------------------------------------------

DESK_QUEUES = {
    "all": "Everything that needs judging",
    "contradicted": "Contradicted, no verdict yet",
    "regraded": "Regraded recently",
    "disputed": "Disputed",
    "unreviewed": "Unreviewed, the most reported first",
}


def _json_count(key: str) -> Func:
    """The length of the stored explanation's list `key` (0 when the claim was never graded)."""
    return Coalesce(
        Func(
            KeyTransform(key, "credibility_explanation"),
            function="jsonb_array_length",
            output_field=IntegerField(),
        ),
        0,
    )


def desk_queue(
    *,
    user,
    queue: str = "all",
    assignee: str = "",
    since: datetime.datetime,
    grade: int | None = None,
    text: str = "",
) -> QuerySet[Claim]:
    """The claims that need judging, for the desk: contradicted with no verdict yet, regraded since
    `since`, disputed, or unreviewed (the most reported first), each annotated with its number of
    quotes (`n_quotes`) and independent roots (`n_roots`), and its moves since then prefetched
    (`recent_regrades`). `assignee` is `me`, `none` or a user's id (empty: anyone's); `text` a
    claim's number (`#68`) or words its statement or quotes hold (every spelling)."""
    contradicted = Q(status=Claim.Status.UNREVIEWED) & Q(credibility_explanation__conflicts__0__isnull=False)
    regraded = Exists(Regrade.objects.filter(claim=OuterRef("pk"), at__gte=since))
    disputed = Q(status=Claim.Status.DISPUTED)
    claims = Claim.objects.visible_to(user).annotate(
        n_quotes=Coalesce(
            Cast(KeyTextTransform("attestation_count", "credibility_explanation"), IntegerField()), 0
        ),
        n_roots=_json_count("independent_affirming") + _json_count("independent_denying"),
        is_contradicted=ExpressionWrapper(contradicted, output_field=BooleanField()),
        is_regraded=regraded,
    )
    if queue == "contradicted":
        claims = claims.filter(contradicted).order_by("-updated", "-id")
    elif queue == "regraded":
        latest = Regrade.objects.filter(claim=OuterRef("pk"), at__gte=since).order_by("-at", "-id")
        claims = claims.filter(regraded).annotate(moved_at=Subquery(latest.values("at")[:1]))
        claims = claims.order_by("-moved_at", "-id")
    elif queue == "disputed":
        claims = claims.filter(disputed).order_by("-updated", "-id")
    elif queue == "unreviewed":
        claims = claims.filter(status=Claim.Status.UNREVIEWED).order_by("-n_quotes", "-n_roots", "-id")
    else:  # everything: the contradicted first, then the regraded, then the disputed
        claims = claims.filter(contradicted | regraded | disputed).order_by(
            "-is_contradicted", "-is_regraded", "-n_quotes", "-id"
        )
    if assignee == "me":
        claims = claims.filter(assignee=user.pk)
    elif assignee == "none":
        claims = claims.filter(assignee__isnull=True)
    elif assignee.isdigit():
        claims = claims.filter(assignee=int(assignee))
    if grade is not None:
        claims = claims.filter(credibility=grade)
    text = text.strip().removeprefix("#")
    if text.isdigit():
        claims = claims.filter(pk=int(text))
    elif text:
        claims = claims.filter(pk__in=search_queryset(Claim.objects.all(), text).values("pk"))
    return claims.select_related(
        # each row names who is to judge it
        "assignee"
    ).prefetch_related(
        # each row says from what to what it moved, and why
        Prefetch(
            "regrades",
            queryset=Regrade.objects.filter(at__gte=since).order_by("-at", "-id"),
            to_attr="recent_regrades",
        )
    )


def claims_with_regrading(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Annotate `regrading`: the claim's stored grade waits for a queued regrade (apps/credibility/tasks.py);
    subqueries of the claims' own query, so a list runs no query more for it."""
    return claims.annotate(regrading=_regrading(OuterRef("pk"), OuterRef("credibility_sources")))


def claim_regrading(claim: Claim) -> bool:
    """Whether this claim's grade waits for a queued regrade: its annotation when read with one."""
    regrading = getattr(claim, "regrading", None)
    if regrading is None:
        regrading = bool(
            claims_with_regrading(Claim.objects.filter(pk=claim.pk))
            .values_list("regrading", flat=True)
            .first()
        )
    return regrading


def _regrading(claim_id, sources) -> ExpressionWrapper:
    # a batch not planned yet holds every claim resting on its entities (the write that queued it marks
    # none itself); a planned one, the claims of its chunks whose id range holds the claim (their index)
    unplanned = RegradeBatch.objects.filter(planned_at=None, resting_on__overlap=sources)
    as_array = Func(
        claim_id, template="ARRAY[%(expressions)s]::bigint[]", output_field=ArrayField(BigIntegerField())
    )
    chunked = PendingRegrade.objects.filter(
        first_claim__lte=claim_id, last_claim__gte=claim_id, claim_ids__contains=as_array
    )
    return ExpressionWrapper(Q(Exists(unplanned)) | Q(Exists(chunked)), output_field=BooleanField())
