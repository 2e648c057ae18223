"""Writes on claims, attestations and relations that touch more than one row."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F

from apps.claims.anchoring import quote_reanchor
from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.claims.signals import claims_changed
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
