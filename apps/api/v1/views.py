"""API v1 viewsets: thin layers over the domain's querysets, selectors and services."""

from __future__ import annotations

import logging
import random
import time
from collections import Counter

from django.db import OperationalError, connection, transaction
from django.db.models import Prefetch, ProtectedError, Q, QuerySet, RestrictedError, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.response import Response

from apps.api.v1 import filters, serializers
from apps.api.v1.claim_json import claims_with_inline
from apps.api.v1.exceptions import RETRYABLE, Conflict
from apps.api.v1.formats.csv import AttestationsCSV, ClaimsCSV
from apps.api.v1.permissions import CanReadHistory, RolePermission, is_editor
from apps.claims.models import Attestation, Claim, ClaimRelation, ClaimSubject
from apps.claims.selectors import claim_conflicts
from apps.claims.signals import claims_changed
from apps.core.history import object_history
from apps.core.journal import grade_moves
from apps.core.prepared import PreparedGet
from apps.credibility.models import Regrade, SourceRating
from apps.credibility.selectors import claims_with_regrading, entities_with_reliability
from apps.credibility.services import claims_regrade
from apps.documents.models import Document, DocumentAuthor, DocumentCitation
from apps.entities.models import Alias, Entity


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = (
        "Send If-Match with the ETag of the version you change: GET it first, so that an edit made "
        "since is not overwritten."
    )
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "Someone changed it since the version you name: GET it again, then make your change."
    default_code = "precondition_failed"


def etag(instance) -> str:
    """The ETag of a versioned row: its version column, not a hash of what was rendered."""
    return f'"{instance._meta.model_name}-{instance.pk}-v{instance.version}"'


class _VersionPreconditions:
    """Optimistic concurrency over HTTP: a read of one row carries its `ETag`; PUT, PATCH and
    DELETE must send it back in `If-Match` (428 without, 412 when stale), and the write is the
    model's conditional UPDATE against that version, so of two racing requests one wins."""

    versioned = True
    WRITES = ("PUT", "PATCH", "DELETE")

    def get_object(self):
        obj = super().get_object()
        if self.request.method in self.WRITES:
            sent = self.request.headers.get("If-Match")
            if not sent:
                raise PreconditionRequired()
            tags = {tag.strip().removeprefix("W/") for tag in sent.split(",")}
            if "*" not in tags and etag(obj) not in tags:
                raise PreconditionFailed(f"{PreconditionFailed.default_detail} It is now at {etag(obj)}.")
        self._etag_object = obj
        return obj

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        self._last_serializer = serializer
        return serializer

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            # locked at the version named: no save can land between this check and the delete
            if (
                not type(instance)
                ._base_manager.select_for_update()
                .filter(pk=instance.pk, version=instance.version)
                .exists()
            ):
                raise PreconditionFailed()
            self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code in (200, 201):
            instance = None
            if request.method in ("POST", "PUT", "PATCH") and hasattr(self, "_last_serializer"):
                instance = getattr(self._last_serializer, "instance", None)
            elif request.method in ("GET", "HEAD") and getattr(self, "action", None) == "retrieve":
                instance = getattr(self, "_etag_object", None)
            if instance is not None and getattr(instance, "version", None) is not None:
                response["ETag"] = etag(instance)
        return response


logger = logging.getLogger(__name__)

RETRIES = 3  # runs of a write that PostgreSQL aborts to break a deadlock (then a 503)


class _RetryDeadlocks:
    """Run a write again when PostgreSQL aborted its transaction to break a deadlock, and say in its
    answer which grades it moved (`regraded`).

    Two writes on related claims regrade each other's neighbours and can lock the same rows in
    opposite orders; PostgreSQL aborts one of them, which rolls back whole. Its request runs again
    (its If-Match is checked again too), and only when that keeps failing is it a 503.
    """

    def create(self, request, *args, **kwargs):
        return self._retrying(super().create, request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        return self._retrying(super().update, request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        return self._retrying(super().destroy, request, *args, **kwargs)

    @staticmethod
    def _retrying(write, *args, **kwargs):
        for attempt in range(1, RETRIES + 1):
            try:
                with grade_moves() as moves:
                    response = write(*args, **kwargs)
            except OperationalError as error:
                code = getattr(error.__cause__, "sqlstate", None)
                if code not in RETRYABLE or connection.in_atomic_block or attempt == RETRIES:
                    raise
                logger.warning(
                    "%s aborted (%s), run again: attempt %d of %d", write.__name__, code, attempt + 1, RETRIES
                )
                time.sleep(random.uniform(0.01, 0.05) * attempt)
                continue
            if isinstance(response.data, dict):
                # a grade never moves silently: the answer to the edit that moved it says so
                response.data["regraded"] = list(moves)
                if moves.queued:
                    # a fan-out left to the task queue: how many claims say `"regrading": true` until done
                    response.data["regrading"] = moves.queued
            return response
        raise AssertionError("unreachable")


class _ReadWriteSerializers:
    read_serializer_class = None
    write_serializer_class = None

    def get_serializer_class(self):
        if self.request is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return self.write_serializer_class
        return self.read_serializer_class

    def perform_destroy(self, instance):
        """Delete, or a 409 naming what still refers to the row (the database protects it)."""
        try:
            with transaction.atomic():
                instance.delete()
        except (ProtectedError, RestrictedError) as error:
            blocking = Counter(type(row)._meta.verbose_name_plural for row in error.protected_objects)
            listed = ", ".join(f"{count} {name}" for name, count in sorted(blocking.items()))
            raise Conflict(
                f"This {instance._meta.verbose_name} cannot be deleted while {listed} refer to it; "
                "delete or move those first (duplicate entities are merged in the admin)."
            ) from error


def answered_with(read_serializer_class) -> extend_schema_view:
    """Document that the writes answer with the read representation, as their serializers do."""
    return extend_schema_view(
        **{
            action: extend_schema(responses=read_serializer_class)
            for action in ("create", "update", "partial_update")
        }
    )


def _history_action(method):
    """`GET …/{id}/history/` for those who may read history: the whole of it, oldest first (the
    list's filters and pages are not for one row's history)."""
    return extend_schema(responses=serializers.HistoryEventSerializer(many=True))(
        action(
            detail=True,
            methods=["get"],
            filter_backends=[],
            pagination_class=None,
            permission_classes=[CanReadHistory],
        )(method)
    )


def _history_response(obj, *, parts) -> Response:
    return Response(serializers.HistoryEventSerializer(object_history(obj=obj, parts=parts), many=True).data)


@answered_with(serializers.EntitySerializer)
class EntityViewSet(_RetryDeadlocks, _VersionPreconditions, _ReadWriteSerializers, viewsets.ModelViewSet):
    read_serializer_class = serializers.EntitySerializer
    write_serializer_class = serializers.EntityWriteSerializer
    permission_classes = [RolePermission]
    filterset_class = filters.EntityFilter
    # a search's probe of the newest rows (apps.core.search.newest_match_ids): an entity's vector is in
    # its row, cheaper to check than a match found through the index is to visit
    search_probe = 0.5
    ordering_fields = ["name", "kind", "created", "id", "reliability", "grade", "track_record"]
    # best first: A before F before unrated, then the better track record
    ordering_aliases = {
        "reliability": ["grade_rank", "-track_score"],
        "grade": ["grade_rank"],
        "track_record": ["-track_score", "-track_sample"],
    }
    ordering = ["name", "id"]

    def get_queryset(self):
        return (
            # the current grade and the track record are annotations of the row's own query
            entities_with_reliability(Entity.objects.defer("search_vector"))
            .annotate(grade_rank=Coalesce("rated_grade", Value("G")))
            # aliases are listed on every entity, and the sources it draws on by id
            .prefetch_related(
                Prefetch("aliases", queryset=Alias.objects.order_by("name")),
                Prefetch("draws_on", queryset=Entity.objects.only("id")),
            )
        )

    @_history_action
    def history(self, request, pk=None):
        """Every recorded change of this entity and of its aliases."""
        return _history_response(self.get_object(), parts=[Alias])

    def perform_update(self, serializer):
        with transaction.atomic():
            entity = serializer.save()
            # the explanations quote its name
            claims_regrade(resting_on=[entity.pk], reason=f"{entity.name} edited")


@answered_with(serializers.DocumentSerializer)
class DocumentViewSet(_RetryDeadlocks, _VersionPreconditions, _ReadWriteSerializers, viewsets.ModelViewSet):
    read_serializer_class = serializers.DocumentSerializer
    write_serializer_class = serializers.DocumentWriteSerializer
    permission_classes = [RolePermission]
    filterset_class = filters.DocumentFilter
    # a search's probe of the newest rows (apps.core.search.newest_match_ids): a document's vector is
    # read back from TOAST to be checked, several times what a match found through the index costs to
    # visit (4–7 µs against 0.7 µs at the reference size, docs/performance.md §18): only a common word
    # is probed
    search_probe = 7
    ordering_fields = ["published", "title", "created", "id"]
    ordering = ["-published", "-id"]

    def get_queryset(self):
        # the outlet and authors by name, cited documents and those it draws on by id
        return serializers.documents_shown()

    @_history_action
    def history(self, request, pk=None):
        """Every recorded change of this document, of its authors and of the documents it cites."""
        return _history_response(self.get_object(), parts=[DocumentAuthor, DocumentCitation])

    def perform_update(self, serializer):
        with transaction.atomic():
            document = serializer.save()
            # its outlet and authors may be the root of its quotes and of the quotes relayed from it
            relayed = Attestation.objects.filter(Q(document=document) | Q(origin_document=document))
            claims_changed.send(
                sender=Document, claim_ids=sorted(set(relayed.values_list("claim_id", flat=True)))
            )


# the claims' reads, for a reader who sees drafts (True) or not: ClaimViewSet.get_queryset
_READ_QUERYSETS: dict[bool, QuerySet[Claim]] = {}
_DETAIL_QUERIES: dict[bool, PreparedGet] = {}


def _visible_claims(user):
    return Claim.objects.visible_to(user)


class ClaimViewSet(
    ClaimsCSV, _RetryDeadlocks, _VersionPreconditions, _ReadWriteSerializers, viewsets.ModelViewSet
):
    read_serializer_class = serializers.ClaimReadSerializer
    write_serializer_class = serializers.ClaimWriteSerializer
    permission_classes = [RolePermission]
    filterset_class = filters.ClaimFilter
    # a search's probe of the newest rows (apps.core.search.newest_match_ids): a claim's vector is in
    # its row, checked in about half what a match found through the index costs to visit (2.8 µs
    # against 5 µs a claim at the reference size, docs/performance.md §18)
    search_probe = 0.5
    ordering_fields = ["created", "updated", "status", "statement", "credibility", "id"]
    ordering = ["-created", "-id"]

    def get_queryset(self):
        if self.action in ("conflicts", "history"):
            # the claim itself only needs to exist for this user; the rest is read below
            return _visible_claims(self.request.user)
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return _visible_claims(self.request.user)  # a write saves the whole row: none is left unread
        # Built once a process for each kind of reader and read, then copied (`.all()`), as DRF does
        # with a view's `queryset`: making it anew (the columns, the assignee, the regrading
        # subqueries, the parts) took a claim's detail about a millisecond of its six.
        drafts = self.request.user.has_perm("claims.view_draft")
        if self.action == "retrieve":
            if drafts not in _DETAIL_QUERIES:
                # its parts in its own query (a round trip less; a page reads them for all), the
                # query compiled once: DRF's `get_object` then runs it for the claim named
                visible = _visible_claims(self.request.user)
                claims = claims_with_inline(self._with_inline_fields(visible), drafts=drafts)
                _DETAIL_QUERIES[drafts] = PreparedGet(claims)
            return _DETAIL_QUERIES[drafts].bind()
        if drafts not in _READ_QUERYSETS:
            _READ_QUERYSETS[drafts] = self._with_inline_fields(_visible_claims(self.request.user))
        return _READ_QUERYSETS[drafts].all()

    def filter_queryset(self, queryset):
        # one claim's address names it: the list's filters and ordering are for lists (building the
        # filter form cost a claim's detail more than its queries)
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)

    @staticmethod
    def _with_inline_fields(claims: QuerySet[Claim]) -> QuerySet[Claim]:
        # subjects, quotes and relations are read for the whole page by the serializer, as plain
        # rows (apps/api/v1/claim_json.py); of the claims, only the columns the response shows: not
        # the search vector nor the graded sources; the assignee is shown by name, in the claims'
        # own query; `regrading` too (a subquery)
        return claims_with_regrading(claims.select_related("assignee").only(*serializers.CLAIM_COLUMNS))

    def get_serializer_class(self):
        if (
            self.request is not None
            and self.request.method in ("PUT", "PATCH")
            and not is_editor(self.request.user)
        ):
            return serializers.ClaimStatusSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        if not is_editor(self.request.user):
            raise PermissionDenied("Only editors create claims.")
        with transaction.atomic():
            claim = serializer.save()
            claims_changed.send(sender=Claim, claim_ids=[claim.pk])

    def update(self, request, *args, **kwargs):
        # a role's limits are checked before the values: a fact-checker sending a statement is told
        # the role may not change it (403), not that the statement is invalid
        if not is_editor(request.user) and isinstance(request.data, dict):
            allowed = set(serializers.ClaimStatusSerializer.Meta.fields) - {"id"}
            writable_by_editors = set(serializers.ClaimWriteSerializer.Meta.fields)
            extra = (set(request.data) & writable_by_editors) - allowed
            if extra:
                listed, refused = ", ".join(sorted(allowed)), ", ".join(sorted(extra))
                raise PermissionDenied(f"Your role may change only {listed} (not {refused}).")
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        with transaction.atomic():
            claim = serializer.save()
            claims_changed.send(sender=Claim, claim_ids=[claim.pk])

    def perform_destroy(self, instance):
        # the claims it was related to lose a relation: their credibility may move
        related = ClaimRelation.objects.filter(Q(from_claim=instance) | Q(to_claim=instance))
        with transaction.atomic():
            neighbours = {pk for pair in related.values_list("from_claim", "to_claim") for pk in pair}
            neighbours.discard(instance.pk)
            super().perform_destroy(instance)
            claims_changed.send(sender=Claim, claim_ids=sorted(neighbours))

    @extend_schema(responses=serializers.ClaimReadSerializer(many=True))
    # all of them, in one list: the list's filters and pages are not for this one claim
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def conflicts(self, request, pk=None):
        """The claims that contradict this one, each with its attestations."""
        claim = self.get_object()
        conflicting = claim_conflicts(claim=claim, user=request.user).values("pk")
        others = self._with_inline_fields(Claim.objects.filter(pk__in=conflicting)).order_by("id")
        return Response(serializers.ClaimReadSerializer(others, many=True, context={"request": request}).data)

    @_history_action
    def history(self, request, pk=None):
        """Every recorded change of this claim, of its attestations (deleted ones too) and of its subjects."""
        return _history_response(self.get_object(), parts=[Attestation, ClaimSubject])


# the rows an attestation is read with, each with a search vector no answer shows
_ATTESTATION_RELATED = ("document", "document__outlet", "speaker", "origin_entity", "origin_document")


@answered_with(serializers.AttestationReadSerializer)
class AttestationViewSet(
    AttestationsCSV, _RetryDeadlocks, _VersionPreconditions, _ReadWriteSerializers, viewsets.ModelViewSet
):
    read_serializer_class = serializers.AttestationReadSerializer
    write_serializer_class = serializers.AttestationWriteSerializer
    permission_classes = [RolePermission]
    filterset_class = filters.AttestationFilter
    ordering_fields = ["created", "start", "id"]
    ordering = ["-created", "-id"]

    def get_queryset(self):
        quotes = (
            Attestation.objects.filter(claim__in=_visible_claims(self.request.user))
            # each attestation names its document, outlet, speaker and origins
            .select_related("document__outlet", "speaker", "origin_entity", "origin_document")
            # and shows none of their search vectors (a document's is about 10 KB as text)
            .defer(*(f"{related}__search_vector" for related in _ATTESTATION_RELATED))
        )
        if self.request.method in SAFE_METHODS:
            # nor their bodies (a few KB each), which only a write reads, to check the quote against
            quotes = quotes.defer("document__body", "origin_document__body")
        return quotes

    def perform_create(self, serializer):
        with transaction.atomic():
            attestation = serializer.save()
            claims_changed.send(sender=Attestation, claim_ids=[attestation.claim_id])

    def perform_update(self, serializer):
        before = serializer.instance.claim_id  # a quote moved to another claim leaves this one
        with transaction.atomic():
            attestation = serializer.save()
            claims_changed.send(sender=Attestation, claim_ids=sorted({before, attestation.claim_id}))

    def perform_destroy(self, instance):
        with transaction.atomic():
            instance.delete()
            claims_changed.send(sender=Attestation, claim_ids=[instance.claim_id])


class RelationViewSet(_RetryDeadlocks, _ReadWriteSerializers, viewsets.ModelViewSet):
    read_serializer_class = serializers.RelationSerializer
    write_serializer_class = serializers.RelationSerializer
    permission_classes = [RolePermission]
    filterset_class = filters.RelationFilter
    ordering_fields = ["created", "kind", "id"]
    ordering = ["-created", "-id"]

    def get_queryset(self):
        visible = _visible_claims(self.request.user)
        return (
            ClaimRelation.objects.filter(from_claim__in=visible, to_claim__in=visible)
            # both claims' statements are shown, not their search vectors
            .select_related("from_claim", "to_claim")
            .defer("from_claim__search_vector", "to_claim__search_vector")
        )

    def perform_create(self, serializer):
        with transaction.atomic():
            relation = serializer.save()
            claims_changed.send(
                sender=ClaimRelation, claim_ids=[relation.from_claim_id, relation.to_claim_id]
            )

    def perform_update(self, serializer):
        before = {serializer.instance.from_claim_id, serializer.instance.to_claim_id}
        with transaction.atomic():
            relation = serializer.save()
            claims_changed.send(
                sender=ClaimRelation,
                claim_ids=sorted(before | {relation.from_claim_id, relation.to_claim_id}),
            )

    def perform_destroy(self, instance):
        with transaction.atomic():
            instance.delete()
            claims_changed.send(
                sender=ClaimRelation, claim_ids=[instance.from_claim_id, instance.to_claim_id]
            )


class SourceRatingViewSet(
    _RetryDeadlocks,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Ratings are history: added, never edited."""

    # no PUT, PATCH or DELETE: _RetryDeadlocks defines update and destroy, which the router would route
    http_method_names = ["get", "post", "head", "options"]
    serializer_class = serializers.SourceRatingSerializer
    permission_classes = [RolePermission]
    # ratings can be back-dated, so cursors key on the order they were added in
    cursor_ordering = ("-id",)
    filterset_fields = ["entity", "grade"]
    ordering_fields = ["rated_at", "grade", "id"]
    ordering = ["-rated_at", "-id"]
    queryset = SourceRating.objects.all()


class RegradeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every move of a claim's grade, newest first: from what to what, when, and the reason that
    decided it. A claim's first grading is not a move; a draft's moves only for those who see drafts."""

    serializer_class = serializers.RegradeSerializer
    # read by anyone (drafts filtered out below); written by no one, so a write is a 405, not a 403
    permission_classes = [AllowAny]
    filterset_class = filters.RegradeFilter
    # moves are recorded in the order they happen: the id is that order
    cursor_ordering = ("-id",)
    ordering_fields = ["at", "id"]
    ordering = ["-at", "-id"]

    def get_queryset(self):
        # each row names its claim's statement
        return Regrade.objects.visible_to(self.request.user).select_related("claim")
