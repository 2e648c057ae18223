"""Writes on claims, attestations and relations that touch more than one row."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q

from apps.claims.anchoring import quote_reanchor
from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.claims.signals import claims_changed
from apps.core.history import deleted_with, event_revert
from apps.documents.models import Document


@transaction.atomic
def attestation_create(*, claim: Claim, document: Document, quote: str, by=None, **fields) -> Attestation:
    """Anchor `quote` in the document body (offsets found when not given) and save."""
    attestation = Attestation(claim=claim, document=document, quote=quote, created_by=by, **fields)
    attestation.full_clean()
    attestation.save()
    claims_changed.send(sender=Attestation, claim_ids=[claim.pk])
    return attestation


@transaction.atomic
def relation_create(
    *, from_claim: Claim, to_claim: Claim, kind: str, note: str = "", by=None
) -> ClaimRelation:
    """Relate two claims; a symmetric kind is stored once whichever way round it is given."""
    relation = ClaimRelation(from_claim=from_claim, to_claim=to_claim, kind=kind, note=note, created_by=by)
    relation.full_clean()
    relation.save()
    claims_changed.send(sender=ClaimRelation, claim_ids=[from_claim.pk, to_claim.pk])
    return relation


@transaction.atomic
def claims_set_publication(*, claims: Iterable[Claim] | None = None, claim_ids=None, publication: str) -> int:
    """Publish or unpublish several claims at once; return how many changed."""
    if publication not in Claim.Publication.values:
        raise ValidationError({"publication": f"Not a publication state: {publication!r}."})
    ids = list(claim_ids if claim_ids is not None else (c.pk for c in claims))
    changed = Claim.objects.filter(pk__in=ids).exclude(publication=publication)
    changed_ids = list(changed.values_list("pk", flat=True))
    # a new version each: an editor's form opened before this bulk change is refused, not obeyed
    Claim.objects.filter(pk__in=changed_ids).update(publication=publication, version=F("version") + 1)
    # a draft's contradictions are not weighed: publishing or unpublishing moves its neighbours
    claims_changed.send(sender=Claim, claim_ids=changed_ids)
    return len(changed_ids)


@transaction.atomic
def claims_set_status(
    *, claims: Iterable[Claim] | None = None, claim_ids=None, status: str, note: str = ""
) -> int:
    """Give several claims one editorial status (and note); return how many changed."""
    if status not in Claim.Status.values:
        raise ValidationError({"status": f"Not a status: {status!r}."})
    ids = list(claim_ids if claim_ids is not None else (c.pk for c in claims))
    changed_ids = list(Claim.objects.filter(pk__in=ids).exclude(status=status).values_list("pk", flat=True))
    update = {"status": status, "version": F("version") + 1}
    if note:
        update["status_note"] = note
    Claim.objects.filter(pk__in=changed_ids).update(**update)
    claims_changed.send(sender=Claim, claim_ids=changed_ids)
    return len(changed_ids)


_UNCHANGED = object()


@transaction.atomic
def claim_judge(
    *, claim: Claim, version: int, status: str | None = None, note: str | None = None, assignee=_UNCHANGED
) -> Claim:
    """Change a claim's judgement (status, its note, who is to judge it) as of the version read:
    a claim changed since is a `VersionConflict`, one deleted since a `RowDeleted`, never a write
    over someone else's. A new status regrades it (and the claims it contradicts)."""
    changed = []
    claim.version = version
    if status is not None and status != claim.status:
        claim.status = status
        changed.append("status")
    if note is not None and note != claim.status_note:
        claim.status_note = note
        changed.append("status_note")
    if assignee is not _UNCHANGED and getattr(assignee, "pk", None) != claim.assignee_id:
        claim.assignee = assignee
        changed.append("assignee")
    if not changed:
        return claim
    claim.full_clean(exclude=[f.name for f in Claim._meta.fields if f.name not in changed])
    claim.save(update_fields=[*changed, "updated"])
    if "status" in changed:
        claims_changed.send(sender=Claim, claim_ids=[claim.pk])
    return claim


@transaction.atomic
def document_replace_body(*, document: Document, body: str) -> list[Attestation]:
    """Change a body that quotes are anchored in, moving each quote to its place in the new text.

    Every quote must still occur in the new body (the nearest occurrence to its old place is
    taken); otherwise nothing changes and the error names the attestations that would break.
    """
    attestations = list(document.attestations.select_for_update().order_by("pk"))
    lost, moved = [], []
    for attestation in attestations:
        anchor = quote_reanchor(body=body, quote=attestation.quote, near=attestation.start)
        if anchor is None:
            lost.append(attestation)
            continue
        if (anchor.start, anchor.end) != (attestation.start, attestation.end):
            attestation.start, attestation.end = anchor.start, anchor.end
            attestation.version += 1  # moved under its lock: an edit of the old offsets is refused
            moved.append(attestation)
    if lost:
        names = "; ".join(f"#{a.pk} «{a.quote[:40]}»" for a in lost)
        raise ValidationError(
            {"body": f"The new body no longer contains the quote of {len(lost)} attestation(s): {names}."}
        )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS attestation_quote_matches_body, document_body_keeps_anchors DEFERRED")
        document.body = body
        document.save()
        # offsets may swap between attestations; bulk_update writes them in one statement
        Attestation.objects.bulk_update(moved, ["start", "end", "version"])
        cursor.execute(
            "SET CONSTRAINTS attestation_quote_matches_body, document_body_keeps_anchors IMMEDIATE"
        )
    claims_changed.send(sender=Document, claim_ids=sorted({a.claim_id for a in attestations}))
    return moved


def _claim_ids_touched(instance, previous) -> set[int]:
    """The claims whose grade a revert of this row may move, as it was and as it is now."""
    ids: set[int] = set()
    for row in (instance, previous):
        if row is None:
            continue
        if isinstance(row, Claim):
            ids.add(row.pk)
        elif isinstance(row, Attestation):
            ids.add(row.claim_id)
        elif isinstance(row, ClaimRelation):
            ids.update({row.from_claim_id, row.to_claim_id})
        elif isinstance(row, Document):
            ids.update(
                Attestation.objects.filter(Q(document=row.pk) | Q(origin_document=row.pk)).values_list(
                    "claim_id", flat=True
                )
            )
    return ids


def check_document_revert(sender, instance, previous, **kwargs) -> None:
    """A document's body is set back only if every quote anchored in it stays where it is."""
    if sender is not Document or previous is None or previous.body == instance.body:
        return
    lost = [
        a
        for a in Attestation.objects.filter(document=instance.pk).order_by("pk")
        if instance.body[a.start : a.end] != a.quote
    ]
    if lost:
        names = "; ".join(f"#{a.pk} «{a.quote[:40]}»" for a in lost)
        raise ValidationError(
            {"body": f"That body does not hold the quote of {len(lost)} attestation(s) where it is: {names}."}
        )


def regrade_reverted(sender, instance, previous, **kwargs) -> None:
    ids = _claim_ids_touched(instance, previous)
    if ids:
        claims_changed.send(sender=sender, claim_ids=sorted(ids))


def _deleted_with(model, claim_delete, rows: Q) -> list:
    """The delete events of `model` rows that went with a claim: same pghistory context (one
    request or one `pghistory.context()`), or, with no context, the cascade's moments before
    the claim's own delete; only rows that are still gone, each once."""
    events = model.pgh_event_model.objects.filter(rows, deleted_with(claim_delete), pgh_label="delete")
    existing = set(
        model._base_manager.filter(pk__in=events.values("pgh_obj_id")).values_list("pk", flat=True)
    )
    latest = {}
    for event in events.order_by("pgh_id"):
        if event.pgh_obj_id not in existing:
            latest[event.pgh_obj_id] = event
    return [latest[pk] for pk in sorted(latest)]


@transaction.atomic
def claim_restore(*, claim_id: int, by=None) -> Claim:
    """Bring back a deleted claim from its delete event, with the attestations and relations
    deleted with it (same pks, quotes anchored again, the grade recomputed), in one transaction."""
    if Claim._base_manager.filter(pk=claim_id).exists():
        raise ValidationError(f"Claim #{claim_id} exists: there is nothing to restore.")
    deleted = Claim.pgh_event_model.objects.filter(pgh_obj_id=claim_id, pgh_label="delete").order_by(
        "-pgh_id"
    )
    claim_delete = deleted.first()
    if claim_delete is None:
        raise ValidationError(f"There is no record of a claim #{claim_id} being deleted.")
    claim = event_revert(event=claim_delete, by=by)
    attestations = _deleted_with(Attestation, claim_delete, Q(claim_id=claim_id))
    relations = _deleted_with(
        ClaimRelation, claim_delete, Q(from_claim_id=claim_id) | Q(to_claim_id=claim_id)
    )
    touched = {claim.pk}
    for event in [*attestations, *relations]:
        row = event_revert(event=event, by=by)
        touched |= _claim_ids_touched(row, None)
    claims_changed.send(sender=Claim, claim_ids=sorted(touched))
    return claim
