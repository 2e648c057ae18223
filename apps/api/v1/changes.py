"""`GET /api/v1/changes/`: every create, update and delete, in pages a mirror follows with a cursor.

The feed reads the change log (apps/core/changes.py), whose triggers note every insert, update and
delete of a row a mirror keeps. A page hands out only changes of finished transactions, ordered by
transaction; so a transaction that wrote early and committed late is handed out after the position
a consumer stored, never skipped.

Transaction order is not quite commit order: two overlapping transactions may commit in the other
order. So a change says what the row *is now*, not what that one write did: `object` is its current
representation (the one its `url` answers), and `action` is `delete` whenever the row is gone or
not visible to you now. A consumer that applies the pages in order ends with what the database
held when it read its last page, whatever order the writers committed in.

Drafts never show to those who may not see them: for them a claim that becomes a draft is a
`delete` of it and of its attestations and relations (the feed lists them after the claim), one
that is published a `create` of them all; a change of a claim that was never published is not
there at all.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import defaultdict

from django.db.models import Exists, OuterRef, Q, Value
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse

from apps.api.v1 import views
from apps.api.v1.pagination import MAX_PAGE_SIZE
from apps.api.v1.schema import ErrorSerializer
from apps.claims.models import Attestation, ClaimRelation
from apps.core.changes import START, Change, ChangePage, LoggedChange, Position, change_page, position_known

# the kinds the log records, each with the viewset whose URL and representation it has
VIEWSETS = {
    "entity": (views.EntityViewSet, "entity"),
    "document": (views.DocumentViewSet, "document"),
    "claim": (views.ClaimViewSet, "claim"),
    "attestation": (views.AttestationViewSet, "attestation"),
    "relation": (views.RelationViewSet, "relation"),
    "source-rating": (views.SourceRatingViewSet, "source-rating"),
}
# what decides whether a reader who may not see drafts sees a row: the publication of a claim
GATED_BY = "claim"

DEFAULT_LIMIT = 100
INVALID_CURSOR = "Invalid cursor."
UNKNOWN_CURSOR = (
    "This cursor is not a position of this feed (the database may have been restored from an "
    "older backup): start again without `since`, and replace your copy."
)
_CURSOR = re.compile(r"1\.([0-9]{1,9})\.([0-9]{1,19})\.([0-9]{1,19})")
BIGINT = 2**63 - 1


def cursor_encode(position: Position) -> str:
    """An opaque cursor for `position`: URL-safe base64 of "1.<generation>.<transaction>.<row>"."""
    text = f"1.{position.gen}.{position.xid}.{position.id}"
    return base64.urlsafe_b64encode(text.encode("ascii")).decode("ascii").rstrip("=")


def cursor_decode(cursor: str) -> Position:
    """The position a cursor of ours holds, or a 404 (as for the lists' cursors) for anything else."""
    if len(cursor) > 80 or not re.fullmatch(r"[A-Za-z0-9_-]+", cursor):
        raise NotFound(INVALID_CURSOR)
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError) as error:
        raise NotFound(INVALID_CURSOR) from error
    match = _CURSOR.fullmatch(text)
    if match is None or any(int(part) > BIGINT for part in match.groups()):
        raise NotFound(INVALID_CURSOR)
    position = Position(*(int(part) for part in match.groups()))
    if cursor_encode(position) != cursor:  # one spelling per position: no leading zeros, no padding
        raise NotFound(INVALID_CURSOR)
    if not position_known(position):
        raise NotFound(UNKNOWN_CURSOR)
    return position


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "additionalProperties": {},
        "description": "The row as its `url` answers now (as the list of its type shows it); null for "
        "a delete.",
    }
)
class RepresentationField(serializers.JSONField):
    """The current representation of the changed row, rendered by its own viewset's serializer."""


class ChangeSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=list(VIEWSETS))
    id = serializers.IntegerField()
    action = serializers.ChoiceField(
        choices=["create", "update", "delete"],
        help_text="`delete`: the row is gone, or is not visible to you now (a claim made a draft and "
        "its attestations and relations). `create` and `update`: it is there; store `object`. A "
        "consumer treats both as an upsert.",
    )
    at = serializers.DateTimeField(
        allow_null=True, help_text="When the transaction that made the change committed."
    )
    url = serializers.URLField(help_text="The row's address in this API (gone after a delete).")
    object = RepresentationField()


class ChangePageSerializer(serializers.Serializer):
    next = serializers.CharField(
        help_text="Store it, and send it back as `since` for the changes after this page (also when "
        "`results` is empty)."
    )
    more = serializers.BooleanField(help_text="More changes are there now: ask for the next page at once.")
    results = ChangeSerializer(many=True)


class ChangeQuerySerializer(serializers.Serializer):
    since = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="The `next` of the last page you applied; leave it out (or empty) to start at the "
        "beginning, which holds every row as it is now.",
    )
    limit = serializers.IntegerField(
        required=False,
        default=DEFAULT_LIMIT,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        help_text="Changes in a page at most (the attestations and relations of a claim published or "
        "made a draft come with it, on top).",
    )


def _dependents(claim_ids: set[int]) -> dict[int, list[tuple[str, int]]]:
    """The attestations and relations a reader sees or loses with each of these claims: its
    attestations, and its relations with a claim that has ever been published. One query."""
    ever_public = {
        side: Exists(
            Change.objects.filter(kind=GATED_BY, public=True, object_id=OuterRef(f"{side}_claim_id"))
        )
        for side in ("from", "to")
    }
    attestations = Attestation.objects.filter(claim_id__in=claim_ids).values_list(
        Value("attestation"), "id", "claim_id", "claim_id"
    )
    relations = (
        ClaimRelation.objects.filter(Q(from_claim_id__in=claim_ids) | Q(to_claim_id__in=claim_ids))
        .filter(ever_public["from"], ever_public["to"])
        .values_list(Value("relation"), "id", "from_claim_id", "to_claim_id")
    )
    found: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for kind, pk, one, other in sorted(attestations.union(relations, all=True)):
        for claim_id in {one, other} & claim_ids:
            found[claim_id].append((kind, pk))
    return found


def _representations(request, kind: str, ids: set[int]) -> dict[int, dict]:
    """{id: representation} of the rows of `kind` this user sees now, by the viewset of their URL:
    its queryset (what it hides, what it prefetches) and its read serializer. A fixed number of
    queries, whatever the number of ids."""
    viewset_class, _ = VIEWSETS[kind]
    viewset = viewset_class(request=request, action="list", format_kwarg=None, args=(), kwargs={})
    rows = viewset.get_queryset().filter(pk__in=ids)
    serializer = viewset.get_serializer_class()(rows, many=True, context=viewset.get_serializer_context())
    return {row["id"]: row for row in serializer.data}


def _publishing(change: LoggedChange) -> bool | None:
    """True when this change published a claim, False when it made one a draft, else None."""
    if change.kind != GATED_BY or change.op != "update" or None in (change.public, change.was_public):
        return None
    return change.public if change.public != change.was_public else None


def changes_answer(request, page: ChangePage) -> list[dict]:
    """The page's changes as this user is told of them; with the dependents of a claim published or
    made a draft when this user does not see drafts."""
    reader = not request.user.has_perm("claims.view_draft")
    entries: list[tuple[str, int, str, LoggedChange]] = []
    turned = {c.object_id for c in page.changes if reader and _publishing(c) is not None}
    dependents = _dependents(turned) if turned else {}
    for change in page.changes:
        entries.append((change.kind, change.object_id, change.op, change))
        if reader and _publishing(change) is not None:
            entries += [(kind, pk, "with", change) for kind, pk in dependents.get(change.object_id, [])]

    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, pk, _, _ in entries:
        wanted[kind].add(pk)
    found = {kind: _representations(request, kind, ids) for kind, ids in wanted.items()}

    results = []
    for kind, pk, op, change in entries:
        current = found[kind].get(pk)
        if current is None:
            action = "delete"
        elif op in ("insert", "delete", "with") or (reader and _publishing(change)):
            # new to this user: made, made again (a revert), or published with its claim
            action = "create"
        else:
            action = "update"
        url = reverse(f"{VIEWSETS[kind][1]}-detail", args=[pk], request=request)
        results.append(
            {"type": kind, "id": pk, "action": action, "at": change.at, "url": url, "object": current}
        )
    return results


class ChangeFeedView(GenericAPIView):
    """Every create, update and delete of entities, documents, claims, attestations, relations and
    source ratings, oldest first, in pages a consumer follows with the cursor it stores: the way to
    keep a copy in step (docs/api.md, "Keeping a mirror")."""

    # never from a replica (apps/core/replicas.py): the page's horizon is the primary's running
    # transactions, and each change's `object` must be at least as new as the position handed out
    reads_from_primary = True
    # read by anyone (drafts are left out below); written by no one, so a write is a 405, not a 403
    permission_classes = [AllowAny]
    filter_backends: list = []
    pagination_class = None
    serializer_class = ChangePageSerializer

    @extend_schema(
        operation_id="changes_list",
        parameters=[ChangeQuerySerializer],
        responses={
            200: ChangePageSerializer,
            404: OpenApiResponse(
                ErrorSerializer,
                "`since` is not a cursor this feed handed out, or no longer one of its positions: "
                "start again without it.",
            ),
        },
        examples=[
            OpenApiExample(
                "A page",
                response_only=True,
                value={
                    "next": "MS4xLjc0My4xMjM",
                    "more": False,
                    "results": [
                        {
                            "type": "claim",
                            "id": 12,
                            "action": "update",
                            "at": "2025-03-02T10:15:04.123456Z",
                            "url": "https://claimtrack.example/api/v1/claims/12/",
                            "object": {"id": 12, "statement": "…"},
                        },
                        {
                            "type": "claim",
                            "id": 31,
                            "action": "delete",
                            "at": "2025-03-02T10:16:40.002001Z",
                            "url": "https://claimtrack.example/api/v1/claims/31/",
                            "object": None,
                        },
                    ],
                },
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        query = ChangeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since = query.validated_data.get("since")
        after = cursor_decode(since) if since else START
        reader = not request.user.has_perm("claims.view_draft")
        page = change_page(
            after=after, limit=query.validated_data["limit"], gated_by=GATED_BY if reader else None
        )
        answer = {
            "next": cursor_encode(page.next),
            "more": page.more,
            "results": changes_answer(request, page),
        }
        return Response(ChangePageSerializer(answer).data)
