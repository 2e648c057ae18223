"""Read serializers (prefetched rows, no per-row queries) and write serializers (ids in, model rules)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.api.v1.claim_json import ClaimInline, claim_dates, claim_json, claims_inline, credibility_json
from apps.api.v1.exceptions import Conflict
from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.core.constraints import CONFLICTS, violation, violation_message
from apps.core.links import DRAWS_ON_LOOP, link_loop
from apps.core.models import DatePrecision
from apps.core.search import highlight
from apps.credibility.models import Regrade, SourceRating
from apps.credibility.rules import LABELS
from apps.credibility.selectors import claim_regrading, entities_with_reliability
from apps.credibility.services import source_rating_create
from apps.documents.models import Document
from apps.entities.models import Alias, Entity

User = get_user_model()


def _model_errors(error: DjangoValidationError) -> serializers.ValidationError:
    """The model's own validation, as DRF field errors."""
    if hasattr(error, "message_dict"):
        return serializers.ValidationError(
            {("non_field_errors" if k == "__all__" else k): v for k, v in error.message_dict.items()}
        )
    return serializers.ValidationError({"non_field_errors": error.messages})


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id is a whole number (or its digits in a form): DRF takes `1.9`, `"1e0"` and `" 1"` for row 1."""

    def to_internal_value(self, data):
        whole = isinstance(data, int) and not isinstance(data, bool)
        digits = isinstance(data, str) and data.isascii() and data.isdigit()
        if not (whole or digits):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        "description": "Who is to judge the claim (an editor or a fact-checker): written as the "
        "user's id, read as id and name; null when no one is, and for those who do not see drafts.",
    }
)
class AssigneeField(StrictPrimaryKeyRelatedField):
    """A user given by id, shown as id and name to the newsroom (those who see drafts); who judges
    what is no reader's to collect."""

    def use_pk_only_optimization(self) -> bool:
        return False  # the name is shown too

    def to_representation(self, user):
        return assignee_json(user, request=self.context.get("request"))

    def display_value(self, user) -> str:
        return user.get_full_name() or user.get_username()

    def get_choices(self, cutoff=None) -> dict:
        # the browsable API's form: keyed by id, as it is written (the shown value is an object)
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {user.pk: self.display_value(user) for user in queryset}


def assignee_json(user, *, request) -> dict | None:
    """Who is to judge a claim, by id and name, for those who see drafts; null for everyone else."""
    if request is None or not request.user.has_perm("claims.view_draft"):
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


def _refuse_draws_on_loop(instance, attrs: dict) -> None:
    """A `draws_on` list that would close a loop of sources is a 400 naming the loop, as in the admin."""
    if "draws_on" in attrs and instance is not None:
        loop = link_loop(instance, "draws_on", attrs["draws_on"])
        if loop is not None:
            raise serializers.ValidationError({"draws_on": [DRAWS_ON_LOOP.format(loop=loop)]})


class ModelValidatedSerializer(serializers.ModelSerializer):
    """Run the model's `full_clean()` on the instance that would be saved, so the API and the
    admin refuse the same things with the same messages."""

    serializer_related_field = StrictPrimaryKeyRelatedField

    def to_internal_value(self, data):
        # DRF ignores fields it does not know and fields it will not write; a client that sends
        # `credibility` or `body_sha256` believes it set them, so it is told it did not
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            errors = {}
            for name in sorted(set(data) - writable):
                known = name in self.fields or name in {f.name for f in self.Meta.model._meta.fields}
                errors[name] = ["Set by the server; it cannot be written." if known else "Unknown field."]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def get_unique_together_validators(self):
        # uniqueness is the model's `validate_constraints()`, run in `validate()` below: DRF's own
        # validators would make the offsets (part of a unique constraint) required
        return []

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        m2m = {f.name for f in model._meta.many_to_many}
        instance = model(**{k: v for k, v in attrs.items() if k not in m2m})
        if self.instance is not None:
            # an update: the row is itself, not a duplicate of itself, for the unique checks
            instance._state.adding = False
            for field in model._meta.concrete_fields:
                if field.attname not in attrs and field.name not in attrs:
                    setattr(instance, field.attname, getattr(self.instance, field.attname))
        try:
            instance.full_clean(exclude=list(m2m))
        except DjangoValidationError as error:
            raise _model_errors(error) from None
        # values the model computes during validation (offsets found from a quote)
        for name in getattr(self.Meta, "computed_by_model", ()):
            attrs[name] = getattr(instance, name)
        return attrs

    def save(self, **kwargs):
        """Save, and when a concurrent request stored the same thing first (a unique constraint the
        database held), validate again: the winner is committed and visible now, so the loser gets
        the 400 it would have had one request after the other, naming the conflict, not a 500."""
        try:
            with transaction.atomic():
                return super().save(**kwargs)
        except IntegrityError as error:
            if violation(error)[0] not in CONFLICTS:
                raise
            self.validate(dict(self.validated_data))
            raise Conflict(violation_message(error)) from error

    def create(self, validated_data):
        request = self.context.get("request")
        if request is not None and "created_by" in {f.name for f in self.Meta.model._meta.fields}:
            validated_data["created_by"] = request.user
        return super().create(validated_data)


# --- read -------------------------------------------------------------------------------


def blank_precision(**kwargs) -> serializers.ChoiceField:
    """A date's precision, "" when there is no date: a read-only model field would drop the blank."""
    return serializers.ChoiceField(choices=DatePrecision.choices, allow_blank=True, read_only=True, **kwargs)


@extend_schema_field({"anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "enum": [""]}]})
class BlankableURLField(serializers.URLField):
    """A web address, or "" where none is known (the `uri` format alone refuses the empty string)."""


class SearchResultMixin(serializers.Serializer):
    """With `?search=`: the rank and a snippet of the matching text, the words in `<mark>`."""

    search_rank = serializers.SerializerMethodField()
    highlight = serializers.SerializerMethodField()

    def highlight_sources(self, obj) -> list[str]:
        raise NotImplementedError

    def _search_text(self) -> str:
        request = self.context.get("request")
        return (request.query_params.get("search") or "").strip() if request is not None else ""

    def get_search_rank(self, obj) -> float | None:
        return getattr(obj, "search_rank", None)

    def get_highlight(self, obj) -> str | None:
        text = self._search_text()
        if not text:
            return None
        snippets = (highlight(source, text) for source in self.highlight_sources(obj))
        return next((snippet for snippet in snippets if snippet), None)


class EntityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Entity
        fields = ["id", "name", "kind"]
        read_only_fields = fields


class AliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alias
        fields = ["name", "language"]

    def validate(self, attrs):
        # the aliases sent replace the entity's whole list, so each needs its name in a PATCH too
        # (DRF lets a partial update leave out the required fields of nested objects)
        if "name" not in attrs:
            raise serializers.ValidationError({"name": [self.fields["name"].error_messages["required"]]})
        return attrs


class TrackRecordSerializer(serializers.Serializer):
    """The claims it affirmed (as speaker or root) that editors later corroborated or refuted."""

    affirmed = serializers.IntegerField(source="track_affirmed")
    corroborated = serializers.IntegerField(source="track_corroborated")
    refuted = serializers.IntegerField(source="track_refuted")
    sample_size = serializers.IntegerField(source="track_sample", help_text="corroborated + refuted")
    score = serializers.FloatField(
        source="track_score", help_text="(corroborated + 1) / (sample_size + 2): 0.5 with no verdict yet."
    )


class ReliabilitySerializer(serializers.Serializer):
    grade = serializers.CharField(
        source="rated_grade",
        allow_null=True,
        help_text="The latest A–F rating; its history is in /source-ratings/.",
    )
    rationale = serializers.CharField(source="rated_rationale", allow_null=True)
    rated_at = serializers.DateTimeField(allow_null=True)
    track_record = TrackRecordSerializer(source="*")


class EntitySerializer(SearchResultMixin, serializers.ModelSerializer):
    """Read from `entities_with_reliability()`: the grade and track record are annotations."""

    aliases = AliasSerializer(many=True, read_only=True)
    reliability = ReliabilitySerializer(source="*", read_only=True)

    class Meta:
        model = Entity
        fields = [
            "id",
            "kind",
            "name",
            "description",
            "parent",
            "independence_boundary",
            "draws_on",
            "aliases",
            "reliability",
            "search_rank",
            "highlight",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]

    def highlight_sources(self, entity: Entity) -> list[str]:
        return [entity.name, *(alias.name for alias in entity.aliases.all())]


class EntityWriteSerializer(ModelValidatedSerializer):
    aliases = AliasSerializer(many=True, required=False)

    class Meta:
        model = Entity
        fields = [
            "id",
            "kind",
            "name",
            "description",
            "parent",
            "independence_boundary",
            "draws_on",
            "aliases",
        ]

    def validate(self, attrs):
        aliases = attrs.pop("aliases", None)
        attrs = super().validate(attrs)
        _refuse_draws_on_loop(self.instance, attrs)
        if aliases is not None:
            names = [a["name"] for a in aliases]
            if len(set(names)) != len(names):
                raise serializers.ValidationError({"aliases": "An alias is listed twice."})
            attrs["aliases"] = aliases
        return attrs

    def _set_aliases(self, entity: Entity, aliases) -> None:
        if aliases is None:
            return
        entity.aliases.all().delete()
        Alias.objects.bulk_create([Alias(entity=entity, **a) for a in aliases])

    def create(self, validated_data):
        aliases = validated_data.pop("aliases", None)
        entity = super().create(validated_data)
        self._set_aliases(entity, aliases)
        return entity

    def update(self, instance, validated_data):
        aliases = validated_data.pop("aliases", None)
        entity = super().update(instance, validated_data)
        self._set_aliases(entity, aliases)
        return entity

    def to_representation(self, instance):
        annotated = entities_with_reliability().prefetch_related("aliases").get(pk=instance.pk)
        return EntitySerializer(annotated, context=self.context).data


class DocumentRefSerializer(serializers.ModelSerializer):
    outlet = EntityRefSerializer(read_only=True, allow_null=True)
    published = serializers.CharField(source="published_display", read_only=True)
    published_precision = blank_precision()

    class Meta:
        model = Document
        fields = ["id", "title", "outlet", "published", "published_precision", "language"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class _DocumentIds(serializers.PrimaryKeyRelatedField):
    """Documents by id, read from a list `documents_shown()` made (the schema cannot follow it)."""


def documents_shown() -> QuerySet[Document]:
    """Documents with what `DocumentSerializer` shows of their relations, read for the whole page.

    The relations are read into plain lists (`to_attr`): for each document and relation, Django's
    own prefetch builds a manager and a filtered queryset to hold the rows, 150 of them a page of
    50, a third of a documents page's CPU. And only the columns shown: a cited document is shown by
    its id, not read with its body. Nor is a document's search vector read, which nothing shows: it
    was the largest column of a page, each sent as text and decoded (a body's every word with its
    positions, about 10 KB a document)."""
    return (
        Document.objects.defer("search_vector", "outlet__search_vector")
        .select_related("outlet")
        .prefetch_related(
            Prefetch("authors", queryset=Entity.objects.only("id", "name", "kind"), to_attr="authors_shown"),
            Prefetch("cites", queryset=Document.objects.only("id"), to_attr="cites_shown"),
            Prefetch("draws_on", queryset=Document.objects.only("id"), to_attr="draws_on_shown"),
        )
    )


class DocumentSerializer(SearchResultMixin, serializers.ModelSerializer):
    # its instances come from documents_shown()
    url = BlankableURLField(read_only=True)
    outlet = EntityRefSerializer(read_only=True, allow_null=True)
    authors = EntityRefSerializer(many=True, read_only=True, source="authors_shown")
    cites = _DocumentIds(many=True, read_only=True, source="cites_shown")
    draws_on = _DocumentIds(
        many=True, read_only=True, source="draws_on_shown", help_text=Document.draws_on.field.help_text
    )
    published_precision = blank_precision(help_text="How much of the date is known.")
    published_display = serializers.CharField(read_only=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "url",
            "outlet",
            "authors",
            "published",
            "published_precision",
            "published_display",
            "retrieved",
            "language",
            "kind",
            "body",
            "body_sha256",
            "cites",
            "translation_of",
            "draws_on",
            "search_rank",
            "highlight",
            "created",
            "updated",
        ]
        read_only_fields = fields

    def highlight_sources(self, document: Document) -> list[str]:
        return [document.title, document.body]


class DocumentWriteSerializer(ModelValidatedSerializer):
    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "url",
            "outlet",
            "authors",
            "published",
            "published_precision",
            "retrieved",
            "language",
            "kind",
            "body",
            "body_sha256",
            "cites",
            "translation_of",
            "draws_on",
        ]
        read_only_fields = ["body_sha256"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        _refuse_draws_on_loop(self.instance, attrs)
        return attrs

    def to_representation(self, instance):
        return DocumentSerializer(documents_shown().get(pk=instance.pk), context=self.context).data


class ClaimRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = ["id", "statement", "status"]
        read_only_fields = fields


class AttestationReadSerializer(serializers.ModelSerializer):
    document = DocumentRefSerializer(read_only=True)
    speaker = EntityRefSerializer(read_only=True, allow_null=True)
    origin_entity = EntityRefSerializer(read_only=True, allow_null=True)
    origin_document = serializers.SerializerMethodField()
    stated_on = serializers.SerializerMethodField(
        help_text="When it was said, as precisely as known: its own date, else its document's."
    )
    stated_on_precision = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_stated_on(self, obj: Attestation):
        when = obj.stated[0]
        return when.isoformat() if when else None

    @extend_schema_field({"type": "string", "enum": ["day", "month", "year", ""]})
    def get_stated_on_precision(self, obj: Attestation) -> str:
        return obj.stated[1] or ""

    class Meta:
        model = Attestation
        fields = [
            "id",
            "claim",
            "quote",
            "start",
            "end",
            "stance",
            "modality",
            "interested_override",
            "interested_reason",
            "stated_on",
            "stated_on_precision",
            "speaker",
            "origin_entity",
            "origin_document",
            "document",
            "note",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer"}, "title": {"type": "string"}},
        }
    )
    def get_origin_document(self, obj: Attestation):
        if obj.origin_document_id is None:
            return None
        return {"id": obj.origin_document_id, "title": obj.origin_document.title}


class AttestationWriteSerializer(ModelValidatedSerializer):
    start = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    end = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    class Meta:
        model = Attestation
        fields = [
            "id",
            "claim",
            "document",
            "quote",
            "start",
            "end",
            "stance",
            "speaker",
            "origin_entity",
            "origin_document",
            "modality",
            "interested_override",
            "interested_reason",
            "stated_on",
            "stated_on_precision",
            "note",
        ]
        computed_by_model = ["start", "end"]

    def to_representation(self, instance):
        return AttestationReadSerializer(instance, context=self.context).data


class NestedRelationSerializer(serializers.Serializer):
    """A relation seen from one claim: its kind, its direction and the other claim."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    direction = serializers.ChoiceField(choices=["outgoing", "incoming"])
    claim = ClaimRefSerializer()
    note = serializers.CharField()


class RootRefSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["entity", "document"])
    id = serializers.IntegerField()
    name = serializers.CharField()


class RootMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RootEvidenceSerializer(serializers.Serializer):
    """One independent root: the source family its attestations lead back to, counted once."""

    root = RootRefSerializer(help_text="The family, by its head: the UN for its Monitoring Team.")
    members = RootMemberSerializer(
        many=True, default=list, help_text="The entities of the family its attestations name."
    )
    reliability = serializers.CharField(
        allow_null=True, help_text="Its current A–F grade; null when unrated."
    )
    counted = serializers.BooleanField(help_text="False for roots rated D or E: listed, not counted.")
    interested = serializers.BooleanField(
        default=False,
        help_text="One of the claim's subjects (or its family) speaking about itself: weighed below "
        "independent sources.",
    )
    hedged = serializers.BooleanField(
        default=False, help_text="Every report of it is hedged: it cannot confirm."
    )
    pair = serializers.CharField(
        default=None,
        allow_null=True,
        help_text="The analyst's pair: its reliability and the claim's grade (B2).",
    )
    attestations = serializers.ListField(child=serializers.IntegerField())
    documents = serializers.ListField(child=serializers.IntegerField())


class OpinionSerializer(serializers.Serializer):
    attestation = serializers.IntegerField()
    stance = serializers.ChoiceField(choices=Attestation.Stance.choices)
    root = RootRefSerializer()


class ClaimMentionSerializer(serializers.Serializer):
    """Another claim, by id and statement (a change over time, a claim supporting it)."""

    claim = serializers.IntegerField()
    statement = serializers.CharField()


class WeighedConflictSerializer(serializers.Serializer):
    claim = serializers.IntegerField()
    statement = serializers.CharField()
    grade = serializers.IntegerField(
        help_text="The contradicting claim's standing: its grade before conflicts."
    )
    weighed = serializers.ChoiceField(
        choices=["better supported", "equally supported", "not better supported"]
    )


class CredibilitySerializer(serializers.Serializer):
    """The stored grade and why: see docs/credibility.md for the rule, step by step."""

    grade = serializers.IntegerField(source="credibility", help_text="Admiralty information scale, 1 to 6.")
    label = serializers.SerializerMethodField()
    pair = serializers.SerializerMethodField(
        help_text="The analyst's pair: the reliability of its best counted root (A–F, F when none) and "
        "its grade, e.g. B2."
    )
    opinions = OpinionSerializer(
        many=True,
        default=list,
        source="credibility_explanation.opinions",
        help_text="Attestations that give an opinion: shown, never counted or weighed.",
    )
    independent_affirming = RootEvidenceSerializer(
        many=True, source="credibility_explanation.independent_affirming"
    )
    independent_denying = RootEvidenceSerializer(
        many=True, source="credibility_explanation.independent_denying"
    )
    attestation_count = serializers.IntegerField(source="credibility_explanation.attestation_count")
    conflicts = WeighedConflictSerializer(many=True, source="credibility_explanation.conflicts")
    supported_by = ClaimMentionSerializer(
        many=True,
        default=list,
        source="credibility_explanation.supported_by",
        help_text="Published claims that support it: listed, not counted (their roots are their own).",
    )
    changes_over_time = ClaimMentionSerializer(
        many=True,
        default=list,
        source="credibility_explanation.changes_over_time",
        help_text="Contradicting claims about another period: the story changed; not weighed.",
    )
    reasons = serializers.ListField(child=serializers.CharField(), source="credibility_explanation.reasons")
    regrading = serializers.SerializerMethodField(
        help_text="True while the grade waits for a regrade queued in the background (a rating or an edit "
        "that moved many claims); the grade shown is the one before it until then. See docs/credibility.md."
    )

    def get_label(self, claim: Claim) -> str:
        return LABELS[claim.credibility]

    def get_regrading(self, claim: Claim) -> bool:
        return claim_regrading(claim)

    def get_pair(self, claim: Claim) -> str:
        return (claim.credibility_explanation or {}).get("pair") or f"F{claim.credibility}"

    def to_representation(self, claim: Claim):
        if claim.credibility_explanation:
            return super().to_representation(claim)
        return credibility_json(claim)  # never graded yet: its own answer, one for both paths


# what a claim's JSON reads of its own row and of its assignee's
CLAIM_COLUMNS = (
    "id",
    "created",
    "updated",
    "version",
    "statement",
    "language",
    "point_in_time",
    "point_in_time_precision",
    "valid_from",
    "valid_from_precision",
    "valid_until",
    "valid_until_precision",
    "status",
    "status_note",
    "publication",
    "credibility",
    "credibility_explanation",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


class ClaimListSerializer(serializers.ListSerializer):
    """A page of claims: their inline parts read once for all of them (one query)."""

    def to_representation(self, data):
        claims = list(data.all() if hasattr(data, "all") else data)
        self.child.context["claims_inline"] = claims_inline(claims=claims, user=self.child._user())
        return [self.child.to_representation(claim) for claim in claims]


class ClaimReadSerializer(SearchResultMixin, serializers.ModelSerializer):
    subjects = EntityRefSerializer(many=True, read_only=True)
    attestations = AttestationReadSerializer(many=True, read_only=True)
    relations = serializers.SerializerMethodField()
    point_in_time_precision = blank_precision()
    point_in_time_display = serializers.CharField(read_only=True)
    valid_from_precision = blank_precision()
    valid_until_precision = blank_precision()
    dates = serializers.SerializerMethodField()
    credibility = CredibilitySerializer(source="*", read_only=True)
    assignee = AssigneeField(read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "statement",
            "language",
            "subjects",
            "point_in_time",
            "point_in_time_precision",
            "point_in_time_display",
            "valid_from",
            "valid_from_precision",
            "valid_until",
            "valid_until_precision",
            "dates",
            "status",
            "status_note",
            "assignee",
            "publication",
            "credibility",
            "attestations",
            "relations",
            "search_rank",
            "highlight",
            "created",
            "updated",
        ]
        read_only_fields = fields
        list_serializer_class = ClaimListSerializer

    def highlight_sources(self, claim: Claim) -> list[str]:
        # the statement, then the quotes (read with the claim's inline parts)
        return [claim.statement, *(a["quote"] for a in self._inline_of(claim).attestations)]

    def _inline_of(self, claim: Claim) -> ClaimInline:
        inline = self.context.get("claims_inline") or {}
        if claim.pk not in inline:
            inline = claims_inline(claims=[claim], user=self._user())
            self.context["claims_inline"] = inline
        return inline[claim.pk]

    def _user(self):
        request = self.context.get("request")
        return request.user if request is not None else AnonymousUser()

    def to_representation(self, claim: Claim) -> dict:
        # built from plain rows (apps/api/v1/claim_json.py); the fields above are its schema
        # (not through `self.fields`: building them deep-copies every nested serializer declared)
        search = {"search_rank": self.get_search_rank(claim), "highlight": self.get_highlight(claim)}
        return claim_json(claim, inline=self._inline_of(claim), assignee=self._assignee, extra=search)

    def _assignee(self, claim: Claim) -> dict | None:
        if claim.assignee_id is None:
            return None
        return assignee_json(claim.assignee, request=self.context.get("request"))

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "holds": {"type": "string", "description": "The period it holds over: 2020 – …, or a point."},
                "first_reported": {"type": "string", "nullable": True},
                "latest_retrieved": {"type": "string", "format": "date", "nullable": True},
            },
        }
    )
    def get_dates(self, claim: Claim) -> dict:
        """When it holds, when it was first reported and when its latest report was retrieved."""
        return claim_dates(claim, inline=self._inline_of(claim))

    @extend_schema_field(NestedRelationSerializer(many=True))
    def get_relations(self, claim: Claim):
        inline = self._inline_of(claim)
        return inline.relations_out + inline.relations_in


class ClaimWriteSerializer(ModelValidatedSerializer):
    assignee = AssigneeField(queryset=User.objects.filter(is_active=True), allow_null=True, required=False)

    class Meta:
        model = Claim
        fields = [
            "id",
            "statement",
            "language",
            "subjects",
            "point_in_time",
            "point_in_time_precision",
            "valid_from",
            "valid_from_precision",
            "valid_until",
            "valid_until_precision",
            "status",
            "status_note",
            "assignee",
            "publication",
        ]

    def to_representation(self, instance):
        return {"id": instance.pk, **serializers.ModelSerializer.to_representation(self, instance)}


class ClaimStatusSerializer(ModelValidatedSerializer):
    """What a fact-checker may change on a claim."""

    assignee = AssigneeField(queryset=User.objects.filter(is_active=True), allow_null=True, required=False)

    class Meta:
        model = Claim
        fields = ["id", *Claim.JUDGEMENT_FIELDS]


class RelationSerializer(ModelValidatedSerializer):
    from_claim_statement = serializers.CharField(source="from_claim.statement", read_only=True)
    to_claim_statement = serializers.CharField(source="to_claim.statement", read_only=True)

    class Meta:
        model = ClaimRelation
        fields = [
            "id",
            "kind",
            "from_claim",
            "to_claim",
            "from_claim_statement",
            "to_claim_statement",
            "note",
            "created_by",
            "created",
            "updated",
        ]
        read_only_fields = ["created_by", "created", "updated"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "from_claim" in attrs and "to_claim" in attrs:
            relation = ClaimRelation(**attrs)
            relation.normalise()
            attrs["from_claim"], attrs["to_claim"] = relation.from_claim, relation.to_claim
        return attrs


class SourceRatingSerializer(ModelValidatedSerializer):
    class Meta:
        model = SourceRating
        fields = ["id", "entity", "grade", "rationale", "rated_by", "rated_at"]
        read_only_fields = ["rated_by", "rated_at"]
        extra_kwargs = {
            "rated_by": {"help_text": "The rater's user id; null unless you may rate sources yourself."}
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # who rated is the newsroom's business: an account id is no reader's to collect
        request = self.context.get("request")
        if request is None or not request.user.has_perm("credibility.add_sourcerating"):
            data["rated_by"] = None
        return data

    def create(self, validated_data):
        # through the service: every claim resting on the entity is regraded in this transaction
        request = self.context.get("request")
        return source_rating_create(**validated_data, by=request.user if request is not None else None)


class RegradeSerializer(serializers.ModelSerializer):
    """One move of a claim's grade, as `credibility_recompute` recorded it."""

    claim_statement = serializers.CharField(source="claim.statement", read_only=True)
    # `from` is a Python keyword: the fields are declared under their API names through the namespace
    vars()["from"] = serializers.IntegerField(
        source="from_grade", read_only=True, help_text="The grade before (1–6)."
    )
    vars()["to"] = serializers.IntegerField(
        source="to_grade", read_only=True, help_text="The grade after (1–6)."
    )

    class Meta:
        model = Regrade
        fields = ["id", "claim", "claim_statement", "from", "to", "at", "reason"]
        read_only_fields = fields
        extra_kwargs = {
            "at": {"help_text": "When the grade moved."},
            "reason": {"help_text": "The reason that decided the new grade (as in `credibility.reasons`)."},
        }


class HistoryEventSerializer(serializers.Serializer):
    """One recorded change (apps.core.history.HistoryEntry) of a row or of one of its parts."""

    model = serializers.ChoiceField(
        choices=["claim", "attestation", "subject", "document", "author", "citation", "entity", "alias"],
        help_text="What changed: the row itself (claim, document, entity), one of its parts "
        "(attestation, alias), or one of its links (subject, author, citation: a row added, "
        "`insert`, or removed, `delete`).",
    )
    object_id = serializers.IntegerField(
        help_text="The id of what changed; for a link, of the row linked (the entity, the cited document)."
    )
    event = serializers.ChoiceField(choices=["insert", "update", "delete"])
    at = serializers.DateTimeField(help_text="When the change was made.")
    user = serializers.CharField(
        source="username",
        allow_null=True,
        help_text="Who made it; null for raw SQL and for scripts not run `--by` a user.",
    )
    via = serializers.CharField(
        allow_null=True,
        help_text="What made it: the request's path (`/admin/…`, `/api/v1/…`) or `manage.py COMMAND`; "
        "null for raw SQL.",
    )
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        help_text="The fields it changed, each as [old, new] (null before an insert, after a delete).",
    )
