"""Writes of the credibility room: stored claim grades, and ratings that move them."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.claims.models import Attestation, Claim, ClaimRelation, ClaimSubject
from apps.core.journal import record_grade_moves, record_queued_regrades
from apps.core.models import periods_overlap
from apps.credibility.models import PendingRegrade, Regrade, RegradeBatch, SourceRating
from apps.credibility.roots import Families, attestation_root, document_issuer
from apps.credibility.rules import LABELS, Conflict, Root, RootEvidence, assess, claim_pair, standing_grade
from apps.documents.models import Document
from apps.entities.models import Entity

FULL_RECOMPUTE_CHUNK = 2000

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GradeChange:
    claim_id: int
    old: int
    new: int


@dataclass
class _Evidence:
    affirming: list[RootEvidence]
    denying: list[RootEvidence]
    attestation_count: int
    sources: list[int]
    affirmers: list[int]
    opinions: list[dict] = field(default_factory=list)


def _contradicting(claim_ids: set[int] | None) -> dict[int, set[int]]:
    """Claim id → the ids of the claims it contradicts (either way round), for these claims or all."""
    relations = ClaimRelation.objects.filter(kind=ClaimRelation.Kind.CONTRADICTS)
    if claim_ids is not None:
        relations = relations.filter(Q(from_claim__in=claim_ids) | Q(to_claim__in=claim_ids))
    pairs: dict[int, set[int]] = defaultdict(set)
    for one, other in relations.values_list("from_claim", "to_claim"):
        pairs[one].add(other)
        pairs[other].add(one)
    return pairs


def _supporting(claim_ids: set[int]) -> dict[int, list[dict]]:
    """Claim id → the published claims that support it: listed, never counted (docs/credibility.md)."""
    supporting: dict[int, list[dict]] = defaultdict(list)
    relations = ClaimRelation.objects.filter(
        kind=ClaimRelation.Kind.SUPPORTS,
        to_claim__in=claim_ids,
        from_claim__publication=Claim.Publication.PUBLISHED,
    ).order_by("from_claim_id")
    for to_claim, from_claim, statement in relations.values_list(
        "to_claim", "from_claim", "from_claim__statement"
    ):
        supporting[to_claim].append({"claim": from_claim, "statement": statement})
    return supporting


def _evidence(claim_ids: set[int] | None) -> dict[int, _Evidence]:
    """Each claim's independent roots by stance, grouped by source family, each family with its
    current rating; opinions set apart; each report marked hedged or interested."""
    attestations = Attestation.objects.select_related(
        # roots end at an origin entity, a speaker, or a document's outlet or first author
        "origin_entity",
        "speaker",
        "document__outlet",
        "origin_document__outlet",
    ).prefetch_related(
        "document__authors",
        "origin_document__authors",
    )
    subjects = ClaimSubject.objects.all()
    if claim_ids is not None:
        attestations = attestations.filter(claim__in=claim_ids)
        subjects = subjects.filter(claim__in=claim_ids)
    by_claim: dict[int, list[Attestation]] = defaultdict(list)
    for attestation in attestations.order_by("claim_id", "document_id", "start", "id"):
        by_claim[attestation.claim_id].append(attestation)
    subjects_of: dict[int, set[int]] = defaultdict(set)
    for claim_id, entity_id in subjects.values_list("claim_id", "entity_id"):
        subjects_of[claim_id].add(entity_id)

    families = Families.load()
    roots = {a.pk: attestation_root(a, same) for same in by_claim.values() for a in same}
    joined = _documents_drawing_on(families)
    family_of = {
        pk: joined(("entity", families.of(root.id)) if root.kind == "entity" else root.key)
        for pk, root in roots.items()
    }
    # the current ratings of the family heads and of the members the quotes name, in one query
    rated = {f[1] for f in family_of.values() if f[0] == "entity"}
    rated |= {root.id for root in roots.values() if root.kind == "entity"}
    rated |= {families.boundary_of(root.id) for root in roots.values() if root.kind == "entity"}
    ratings = {r.entity_id: r.grade for r in SourceRating.objects.current().filter(entity__in=rated)}

    evidence = {}
    for claim_id, same in by_claim.items():
        subject_families = {families.of(pk) for pk in subjects_of[claim_id]}
        sides: dict[str, dict[tuple, RootEvidence]] = {"affirms": {}, "denies": {}}
        sources, affirmers, opinions = set(), set(), []
        for a in same:
            root, family = roots[a.pk], family_of[a.pk]
            # the family's head too: its rating is the family's, so rating it must find this claim
            # and the boundary it stands under (the UN for its team): a rating of it counts where the
            # root has none, and `?root=` finds the claims by the name the explanation shows
            head_id = family[1] if family[0] == "entity" else None
            boundary_id = families.boundary_of(root.id) if root.kind == "entity" else None
            involved = {a.speaker_id, a.origin_entity_id, root.id if root.kind == "entity" else None}
            involved = (involved | {head_id, boundary_id}) - {None}
            sources |= involved
            if a.modality == Attestation.Modality.OPINION:
                # an opinion is shown, never a root: it neither confirms nor weighs in a conflict
                opinions.append({"attestation": a.pk, "stance": a.stance, "root": _root_ref(root)})
                continue
            if family[0] == "entity":
                grade = ratings.get(family[1]) or ratings.get(root.id) or ratings.get(boundary_id)
                shown = families.boundary_of(root.id)  # the family as this quote names it
                key, head = family, Root(kind="entity", id=shown, name=families.name(shown))
            else:
                grade, key = None, family
                same_root = family == root.key
                head = root if same_root else Root(kind="document", id=family[1], name=joined.names[family])
            item = sides[a.stance].setdefault(
                key, RootEvidence(root=head, grade=grade or "F", rated=grade is not None)
            )
            if head.id == key[1] and item.root.id != head.id:
                item.root = head  # a quote rests on the family's head: it names the family
            if grade is not None and (not item.rated or grade < item.grade):
                item.grade, item.rated = grade, True  # the best rating the family has here
            item.attestation_ids.append(a.pk)
            if root.kind == "entity":
                item.members.setdefault(root.id, root.name)
            if a.document_id not in item.document_ids:
                item.document_ids.append(a.document_id)
            if a.modality == Attestation.Modality.HEDGED:
                item.hedged_ids.add(a.pk)
            entity_family = family[1] if family[0] == "entity" else None
            if _interested(a, entity_family, families, subject_families):
                item.interested_ids.add(a.pk)
            if a.stance == Attestation.Stance.AFFIRMS:
                affirmers |= {a.speaker_id, root.id if root.kind == "entity" else None} - {None}
        evidence[claim_id] = _Evidence(
            affirming=list(sides["affirms"].values()),
            denying=list(sides["denies"].values()),
            attestation_count=len(same),
            sources=sorted(sources),
            affirmers=sorted(affirmers),
            opinions=opinions,
        )
    return evidence


class _Joined:
    """Root keys joined by documents' `draws_on` (through the families of their issuers): a root
    resting on a document that draws on another counts with that one's root, which names them."""

    def __init__(self, edges: list[tuple[tuple, tuple]], names: dict[tuple, str]):
        self.parent: dict[tuple, tuple] = {}
        self.names = names
        for source, target in edges:
            a, b = self(source), self(target)
            if a != b:
                self.parent[a] = b

    def __call__(self, key: tuple) -> tuple:
        seen = set()
        while key in self.parent and key not in seen:
            seen.add(key)
            key = self.parent[key]
        return key


def _documents_drawing_on(families: Families) -> _Joined:
    edges = list(Document.draws_on.through.objects.values_list("from_document_id", "to_document_id"))
    if not edges:
        return _Joined([], {})
    documents = {
        d.pk: d
        for d in Document.objects.filter(pk__in={pk for pair in edges for pk in pair})
        # an issuer is the outlet, else the one author, else the document (a translation: its original's)
        .select_related("outlet", "translation_of__outlet")
        .prefetch_related("authors", "translation_of__authors")
    }
    names: dict[tuple, str] = {}

    def key(pk: int) -> tuple:
        root = document_issuer(documents[pk])
        found = ("entity", families.of(root.id)) if root.kind == "entity" else root.key
        names[found] = families.name(found[1]) if root.kind == "entity" else root.name
        return found

    pairs = [(key(a), key(b)) for a, b in edges]
    return _Joined([(a, b) for a, b in pairs if a != b], names)


def _interested(attestation: Attestation, family: int | None, families: Families, subjects: set[int]) -> bool:
    """A report by one of the claim's subjects (or its family) about itself, unless an editor says not."""
    if attestation.interested_override is not None:
        return attestation.interested_override
    speaker = families.of(attestation.speaker_id) if attestation.speaker_id else None
    return bool(subjects) and (family in subjects or speaker in subjects)


def _root_ref(root: Root) -> dict:
    return {"type": root.kind, "id": root.id, "name": root.name}


def _root_json(item: RootEvidence, grade: int) -> dict:
    return {
        "root": _root_ref(item.root),
        "members": [{"id": pk, "name": name} for pk, name in sorted(item.members.items())],
        "reliability": item.grade if item.rated else None,
        "counted": item.counted,
        "interested": item.interested,
        "hedged": item.hedged,
        "pair": item.pair(grade),
        "attestations": item.attestation_ids,
        "documents": item.document_ids,
    }


@transaction.atomic
def credibility_recompute(*, claim_ids: Iterable[int] | None = None) -> list[GradeChange]:
    """Recompute and store the grade of these claims (every claim when None) and of the claims
    contradicting them; return the grades that changed. The only writer of `Claim.credibility*`."""
    if claim_ids is None:
        # everything, a chunk at a time so that memory stays flat however large the corpus
        every = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
        changes = []
        for start in range(0, len(every), FULL_RECOMPUTE_CHUNK):
            changes += credibility_recompute(claim_ids=every[start : start + FULL_RECOMPUTE_CHUNK])
        return sorted(set(changes), key=lambda change: change.claim_id)
    targets = set(claim_ids)
    if not targets:
        return []
    # a change to a claim moves the claims it contradicts: their conflicts weigh its standing
    targets |= {pk for pks in _contradicting(targets).values() for pk in pks}
    pairs = _contradicting(targets)
    # conflicts are weighed on the standing of each contradicting claim, one step further out
    weighed = targets | {pk for pks in pairs.values() for pk in pks}

    claims = Claim.objects.only(
        "id", "statement", "status", "publication", "credibility", "credibility_explanation",
        "credibility_sources", "credibility_affirmers", "point_in_time", "point_in_time_precision",
        "valid_from", "valid_from_precision", "valid_until", "valid_until_precision",
    )  # fmt: skip
    rows = {c.pk: c for c in claims.filter(pk__in=weighed)}
    evidence = _evidence(weighed)
    supporters = _supporting(targets)
    none = _Evidence([], [], 0, [], [])

    standing = {
        pk: standing_grade(evidence.get(pk, none).affirming, evidence.get(pk, none).denying, claim.status)
        for pk, claim in rows.items()
    }
    changes, changed_rows, moves, regrades = [], [], [], []
    now = timezone.now()
    for pk in sorted(targets & rows.keys()):
        claim, found = rows[pk], evidence.get(pk, none)
        conflicts, other_periods = [], []
        for other in sorted(pairs.get(pk, ())):
            # a draft is not weighed until it is published
            if other not in rows or rows[other].publication != Claim.Publication.PUBLISHED:
                continue
            contradicting = Conflict(
                claim_id=other, statement=rows[other].statement, standing=standing[other]
            )
            # claims about different periods do not contradict: the story changed
            same_time = periods_overlap(claim.period, rows[other].period)
            (conflicts if same_time else other_periods).append(contradicting)
        result = assess(
            affirming=found.affirming,
            denying=found.denying,
            status=claim.status,
            conflicts=conflicts,
            changes=other_periods,
        )
        explanation = {
            "label": LABELS[result.grade],
            "pair": claim_pair(found.affirming, found.denying, result.grade),
            "independent_affirming": [_root_json(item, result.grade) for item in found.affirming],
            "independent_denying": [_root_json(item, result.grade) for item in found.denying],
            "opinions": found.opinions,
            "attestation_count": found.attestation_count,
            "conflicts": result.conflicts,
            "changes_over_time": result.changes,
            "supported_by": supporters.get(pk, []),
            "reasons": result.reasons,
        }
        stored = (
            claim.credibility,
            claim.credibility_explanation,
            claim.credibility_sources,
            claim.credibility_affirmers,
        )
        fresh = (result.grade, explanation, found.sources, found.affirmers)
        if stored == fresh:
            continue
        if claim.credibility != result.grade:
            changes.append(GradeChange(claim_id=pk, old=claim.credibility, new=result.grade))
            if claim.credibility_explanation:  # graded before: a move, not its first grade
                regrades.append(
                    Regrade(
                        claim_id=pk,
                        from_grade=claim.credibility,
                        to_grade=result.grade,
                        at=now,
                        reason=_first_reason(result.reasons),
                    )
                )
            moves.append(
                {
                    "claim": pk,
                    "from": claim.credibility,
                    "to": result.grade,
                    "reason": _first_reason(result.reasons),
                }
            )
        (
            claim.credibility,
            claim.credibility_explanation,
            claim.credibility_sources,
            claim.credibility_affirmers,
        ) = fresh
        changed_rows.append(claim)
    _store(changed_rows)
    Regrade.objects.bulk_create(regrades)
    record_grade_moves(moves)
    return changes


def _first_reason(reasons: list[str]) -> str:
    """The reason that decided the grade: an editor's verdict, else a contradiction held against it,
    else what the evidence gives (not the notes on what was left out: E0, E8, C0, C4, S5)."""
    for codes in (("S1:", "S2:", "S3:", "S4:"), ("C2:", "C3:"), ("E9:",)):
        deciding = [r for r in reasons if r.startswith(codes)]
        if deciding:
            return deciding[0]
    decisive = [r for r in reasons if not r.startswith(("E0:", "E8:", "C0:", "C4:", "S5:"))]
    return (decisive or reasons or [""])[0]


def _store(claims: list[Claim]) -> None:
    """Write the computed fields of these claims: one statement, pipelined row by row.

    `bulk_update` builds a CASE per column over every row, which costs seconds of Python for a
    few thousand claims (bench/credibility_recompute.py); a prepared UPDATE per row does not.
    """
    if not claims:
        return
    # on the driver's cursor, past Django's execute wrappers: pghistory's (apps/core/history.py)
    # prefixes every statement with its context and breaks `executemany`'s parameter list
    # (django-pghistory#258); these columns are never history, so they need no context. Its errors
    # still become Django's (a deadlock is an OperationalError the API retries, not a bare psycopg one)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.executemany(
            "UPDATE claims_claim SET credibility = %s, credibility_explanation = %s::jsonb, "
            "credibility_sources = %s::integer[], credibility_affirmers = %s::integer[] WHERE id = %s",
            [
                (
                    c.credibility,
                    json.dumps(c.credibility_explanation, ensure_ascii=False),
                    c.credibility_sources,
                    c.credibility_affirmers,
                    c.pk,
                )
                # in id order: two regrades lock the rows they share in the same order
                for c in sorted(claims, key=lambda c: c.pk)
            ],
        )


def claims_resting_on(entity_ids: Iterable[int]) -> list[int]:
    """The claims whose grade rests on any of these entities (as speaker, origin or root)."""
    return list(
        Claim.objects.filter(credibility_sources__overlap=list(entity_ids)).values_list("pk", flat=True)
    )


@transaction.atomic
def claims_regrade(*, resting_on: Sequence[int], reason: str) -> int:
    """Regrade the claims resting on these entities: here when at most `REGRADE_INLINE_MAX`, else on
    the task queue (committed with the caller's transaction or not at all); return how many were queued."""
    limit = settings.REGRADE_INLINE_MAX
    # unordered: one row past the limit is enough to know, without sorting every claim resting there
    resting = Claim.objects.filter(credibility_sources__overlap=list(resting_on)).order_by()
    few = list(resting.values_list("pk", flat=True)[: limit + 1])
    if len(few) <= limit:
        credibility_recompute(claim_ids=few)
        return 0
    return regrade_batch_queue(resting_on=resting_on, reason=reason, total=resting.count())


@transaction.atomic
def regrade_batch_queue(*, resting_on: Sequence[int], reason: str, total: int) -> int:
    """Queue the regrade of the `total` claims resting on these entities: a batch and the job that plans
    it, in this transaction; return `total`."""
    # imported here: the tasks module imports this one for the work its jobs do
    from apps.credibility.tasks import jobs_defer, regrade_plan

    # one row whatever the fan-out: its entities say which claims are being regraded until the plan
    # marks them in chunks (a mark a claim written here, even in chunks, took 100 to 250 ms of this
    # request for 50,000 claims on a busy machine: bench/regrade.py)
    batch = RegradeBatch.objects.create(reason=reason, resting_on=sorted(set(resting_on)), total=total)
    jobs_defer(regrade_plan, [{"batch": batch.pk}])
    record_queued_regrades(total)
    return total


def regrade_batch_plan(*, batch_id: int) -> int:
    """Mark the claims of a queued batch pending in chunks of `REGRADE_CHUNK_SIZE` and defer a job for
    each, once (a run again after a crash finds it planned); return how many chunks."""
    from apps.credibility.tasks import jobs_defer, regrade_chunk

    with transaction.atomic():
        batch = RegradeBatch.objects.select_for_update().filter(pk=batch_id, planned_at=None).first()
        if batch is None:
            return 0
        # one statement, a row a chunk (50,000 claims: 100 rows, half a megabyte of WAL, where a row a
        # claim wrote 8 MB): the claims' own rows, with their history triggers, are not touched; a
        # claim another batch still waits for is in a chunk of each, each regrading it after its write
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO credibility_pendingregrade (batch_id, first_claim, last_claim, claim_ids) "
                # no ORDER BY in array_agg: a second sort of every id for nothing
                "SELECT %s, min(id), max(id), array_agg(id) FROM ("
                "  SELECT id, (row_number() OVER (ORDER BY id) - 1) / %s AS chunk"
                "  FROM claims_claim WHERE credibility_sources && %s::integer[]"
                ") numbered GROUP BY chunk RETURNING id",
                [batch.pk, settings.REGRADE_CHUNK_SIZE, batch.resting_on],
            )
            chunks = sorted(pk for (pk,) in cursor.fetchall())
        jobs_defer(regrade_chunk, [{"batch": batch_id, "chunk": chunk} for chunk in chunks])
        batch.planned_at = timezone.now()
        if not chunks:  # nothing rests on the entities any more
            batch.finished_at = batch.planned_at
        batch.save(update_fields=["planned_at", "finished_at"])
    return len(chunks)


def regrade_chunk_run(*, batch_id: int, chunk: int) -> int:
    """Regrade the claims of a chunk still pending and clear it, in one transaction; return how many."""
    with transaction.atomic():
        # the chunk is locked: a copy of this job running at the same time (a stalled one retried)
        # waits, then finds it gone
        pending = PendingRegrade.objects.select_for_update().filter(pk=chunk, batch_id=batch_id).first()
        ids = pending.claim_ids if pending is not None else []
        if pending is not None:
            # and the claims, in id order: a chunk of another batch on the same claims waits, then
            # finds their grades current and records no move twice
            list(Claim.objects.filter(pk__in=ids).order_by("pk").select_for_update().values_list("pk"))
            credibility_recompute(claim_ids=ids)
            pending.delete()
        if not PendingRegrade.objects.filter(batch_id=batch_id).exists():
            RegradeBatch.objects.filter(pk=batch_id, finished_at=None).update(finished_at=timezone.now())
    return len(ids)


def regrade_orphans_requeue() -> int:
    """Plan again every batch with claims still pending (or not planned yet) and no job left to regrade
    them (its jobs failed past their retries, or were cancelled); return how many."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    from apps.credibility.tasks import jobs_defer, regrade_chunk, regrade_plan

    requeued = 0
    chunked = set(PendingRegrade.objects.values_list("batch_id", flat=True).distinct())
    unplanned = set(RegradeBatch.objects.filter(planned_at=None).values_list("pk", flat=True))
    for batch_id in sorted(chunked | unplanned):
        with transaction.atomic():
            batch = RegradeBatch.objects.select_for_update().filter(pk=batch_id).first()
            live = ProcrastinateJob.objects.filter(
                status__in=["todo", "doing"],
                task_name__startswith="credibility.regrade_",
                args__batch=batch_id,
            )
            if batch is None or live.exists():
                continue
            logger.warning("Regrade batch %s has claims pending and no job: queued again", batch_id)
            if batch.planned_at is None:
                jobs_defer(regrade_plan, [{"batch": batch_id}])
            else:
                chunks = (
                    PendingRegrade.objects.filter(batch_id=batch_id)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
                jobs_defer(regrade_chunk, [{"batch": batch_id, "chunk": chunk} for chunk in chunks])
            requeued += 1
    return requeued


@transaction.atomic
def source_rating_create(*, entity: Entity, grade: str, rationale: str, by=None, **fields) -> SourceRating:
    """Grade an entity (a new rating, the old ones kept) and regrade every claim that rests on it (on
    the task queue when they are many: `claims_regrade`)."""
    rating = SourceRating(entity=entity, grade=grade, rationale=rationale, rated_by=by, **fields)
    rating.full_clean()
    rating.save()
    claims_regrade(resting_on=[entity.pk], reason=f"{entity.name} rated {rating.grade}")
    return rating
