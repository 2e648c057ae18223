"""Query-string filters, all through django-filter; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Exists, Func, IntegerField, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Coalesce
from django_filters.constants import EMPTY_VALUES
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from apps.claims.models import Attestation, Claim, ClaimRelation, ClaimSubject, ContradictedClaim, Credibility
from apps.core.search import SEARCH_MAX_LENGTH, search_queryset
from apps.credibility.models import Regrade
from apps.documents.models import Document
from apps.entities.models import Entity


class StrictOrderingFilter(OrderingFilter):
    """DRF ignores unknown ordering fields; a consumer's typo should be told, not ignored."""

    # set by filter_queryset; the browsable API's ordering form asks a fresh instance
    _searching = False

    def get_default_ordering(self, view):
        # a search is ordered by its rank unless an ordering is asked for
        if self._searching:
            return ["-search_rank", "-id"]
        return super().get_default_ordering(view)

    def filter_queryset(self, request, queryset, view):
        self._searching = "search_rank" in queryset.query.annotations
        return super().filter_queryset(request, queryset, view)

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [p.strip() for p in params.split(",")]
            valid = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [f for f in fields if f.lstrip("-") not in valid]
            if unknown:
                known = ", ".join(sorted(valid))
                message = f"Unknown field(s) {', '.join(unknown)}; one of: {known}."
                raise ValidationError({self.ordering_param: [message]})
        ordering = super().get_ordering(request, queryset, view)
        # a public name may stand for several columns (`reliability`: grade, then track record)
        aliases = getattr(view, "ordering_aliases", {})
        expanded = []
        for term in ordering or []:
            name, descending = term.lstrip("-"), term.startswith("-")
            for column in aliases.get(name, [term]):
                if name in aliases and descending:
                    column = column[1:] if column.startswith("-") else f"-{column}"
                expanded.append(column)
        if expanded and not {"id", "-id", "pk", "-pk"} & set(expanded):
            expanded.append("id")  # ties broken the same way on every page
        return expanded or ordering


class IdInput(forms.TextInput):
    """The browsable API's box for an id, where django-filter's select listed every row the filter
    could name: every entity, every document, every visible claim, each by its title or statement
    (tens of thousands of options on a corpus of real size, five lists on the claims page; on the
    seed, 5.6 s of the 10 that opening every list as a page took). The API reads it as it read the
    select: the query parameter's value."""

    def __init__(self, attrs=None) -> None:
        super().__init__({"inputmode": "numeric", "placeholder": "id", **(attrs or {})})


class IdsInput(forms.MultipleHiddenInput):
    """The browsable API's boxes for ids: one for each id given and an empty one for another, each
    sent as the same query parameter (`?speaker=3&speaker=7`), as the API reads them."""

    input_type = "text"  # not "hidden": a form shows the field, with its label, where it stands

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else id_  # the first box

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        boxes = []
        for index, one in enumerate([*context["widget"]["value"], ""]):
            box_attrs = dict(context["widget"]["attrs"])
            if "id" in box_attrs:
                box_attrs["id"] = f"{box_attrs['id']}_{index}"
            boxes.append(IdInput().get_context(name, one, box_attrs)["widget"])
        context["widget"]["subwidgets"] = boxes
        return context


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class IdsFilter(filters.ModelMultipleChoiceFilter):
    """Ids, repeatable: `?speaker=3&speaker=7`."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", IdsInput)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.ModelChoiceFilter):
    """One id."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", IdInput)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class CountFilter(filters.NumberFilter):
    """A whole number from 0 (django-filter's NumberFilter takes decimals)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 1_000_000)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.TypedChoiceFilter):
    """`true`/`false` (or 1/0); django-filter's BooleanFilter reads anything else as "not given"."""

    TRUE, FALSE = ("true", "1"), ("false", "0")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [(v, v) for v in (*self.TRUE, *self.FALSE)])
        kwargs.setdefault("coerce", lambda value: value.lower() in self.TRUE)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class AssigneeFilter(filters.CharFilter):
    """A user's id, `me` or `none`; anything else is a 400."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "validators", [RegexValidator(r"^(me|none|[0-9]{1,9})$", "A user id, `me` or `none`.")]
        )
        super().__init__(*args, **kwargs)


def visible_claims(request) -> QuerySet[Claim]:
    """The claims this request's user may see: a draft's id answers like an unknown one."""
    user = getattr(request, "user", None)
    return Claim.objects.visible_to(user) if user is not None else Claim.objects.published()


class SearchFilter(filters.CharFilter):
    """`?search=`: full text, Arabic-aware (every spelling of a word finds it), ranked best first."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("method", "filter_search")
        kwargs.setdefault("max_length", SEARCH_MAX_LENGTH)
        kwargs.setdefault(
            "label", 'Words to find, in any common spelling; "a phrase" in quotes, -word to exclude'
        )
        super().__init__(**kwargs)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds a filter form of only the filters a request names, and
    none for a request that names none of the view's filters (the form and its fields cost a plain
    page of claims a fifth of its time). The browsable API's form (`to_html`) still has them all."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        named = _named_filters(request.query_params, filterset_class)
        if not named:
            return queryset
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        if issubclass(filterset_class, FilterSet):
            kwargs["only"] = named
        filterset = filterset_class(**kwargs)
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        return filterset.qs


def _named_filters(params, filterset_class) -> set[str]:
    """The filters a query parameter names, itself or one of its parts (`published_after`)."""
    names = filterset_class.base_filters
    return {name for name in names for key in params if key == name or key.startswith(f"{name}_")}


class FilterSet(filters.FilterSet):
    """Filters only what was asked: a filter given nothing leaves the rows as they are, without a
    call (an empty choice of ids is an empty queryset, which a filter's `if not value` would compile:
    a tenth of a claim list's time went into ten of those).

    With `only`, the filter set is made of those filters alone: django-filter deep-copies every
    filter of the class for each request and builds and cleans a form field for each (about a
    thousand copies and 2 ms for a claim list that names two of its twenty filters). A filter that
    is not named has nothing to filter with, and one that reads another's value
    (`filter_reported`) reads `cleaned_data.get(...)`."""

    def __init__(self, *args, only: set[str] | None = None, **kwargs) -> None:
        if only is not None:
            # shadows the class's own for this instance, which django-filter copies from
            self.base_filters = {name: found for name, found in self.base_filters.items() if name in only}
        super().__init__(*args, **kwargs)

    def filter_queryset(self, queryset):
        for name, value in self.form.cleaned_data.items():
            if isinstance(value, QuerySet) and value.query.is_empty():
                continue
            if not isinstance(value, QuerySet) and value in EMPTY_VALUES:
                continue  # as django-filter's own filters and methods do with it
            queryset = self.filters[name].filter(queryset, value)
        return queryset


class SearchableFilterSet(FilterSet):
    def filter_search(self, queryset, name, value):
        return search_queryset(queryset, value) if value.strip() else queryset


class ClaimFilter(SearchableFilterSet):
    subject = filters.ModelMultipleChoiceFilter(
        field_name="subjects", queryset=Entity.objects.all(), method="filter_subject", widget=IdsInput
    )
    speaker = IdsFilter(
        queryset=Entity.objects.all(), method="filter_attested", label="Attested by these speakers"
    )
    outlet = IdsFilter(
        queryset=Entity.objects.all(),
        method="filter_attested",
        label="Attested in documents of these outlets",
    )
    document = IdsFilter(
        queryset=Document.objects.all(), method="filter_attested", label="Attested in these documents"
    )
    origin = IdsFilter(
        queryset=Entity.objects.all(),
        method="filter_origin",
        label="Has a quote relayed from these entities (its origin entity, or the outlet or an author "
        "of its origin document)",
    )
    root = IdsFilter(
        queryset=Entity.objects.all(),
        method="filter_root",
        label="Rests on these entities: its grade counts them as a speaker, an origin or an independent "
        "root (or a root's source family)",
    )
    min_roots = CountFilter(
        method="filter_min_roots",
        label="At least this many independent roots (affirming and denying, as the grade lists them)",
    )
    status = filters.MultipleChoiceFilter(choices=Claim.Status.choices)
    publication = filters.ChoiceFilter(choices=Claim.Publication.choices)
    language = filters.CharFilter()
    stance = filters.ChoiceFilter(
        choices=Attestation.Stance.choices,
        method="filter_attested",
        label="Has an attestation with this stance",
    )
    reported_after = filters.DateFilter(
        method="filter_reported", label="Attested in a document published on or after"
    )
    reported_before = filters.DateFilter(
        method="filter_reported", label="Attested in a document published on or before"
    )
    credibility = filters.MultipleChoiceFilter(
        choices=Credibility.choices, label="Credibility grade (repeatable)"
    )
    min_credibility = filters.TypedChoiceFilter(
        field_name="credibility",
        lookup_expr="gte",
        choices=Credibility.choices,
        coerce=int,
        label="Grade number at least (1 confirmed … 6 cannot be judged)",
    )
    max_credibility = filters.TypedChoiceFilter(
        field_name="credibility",
        lookup_expr="lte",
        choices=Credibility.choices,
        coerce=int,
        label="Grade number at most: max_credibility=2 is confirmed or probably true",
    )
    search = SearchFilter()
    has_conflicts = StrictBooleanFilter(
        method="filter_has_conflicts", label="Contradicted by another claim you can see"
    )
    assignee = AssigneeFilter(
        method="filter_assignee",
        label="Assigned to this user (an id), `me`, or `none` (unassigned); for those who see drafts",
    )

    _attested_lookups = {
        "speaker": "speaker__in",
        "outlet": "document__outlet__in",
        "document": "document__in",
        "stance": "stance",
    }

    class Meta:
        model = Claim
        fields = ["subject", "status", "publication", "language"]

    def filter_attested(self, queryset, name, value):
        if value in (None, "") or (
            hasattr(value, "__len__") and not isinstance(value, str) and not len(value)
        ):
            return queryset
        # EXISTS keeps one row per claim, whatever the number of matching attestations
        matching = Attestation.objects.filter(claim=OuterRef("pk"), **{self._attested_lookups[name]: value})
        return queryset.filter(Exists(matching))

    def filter_origin(self, queryset, name, value):
        if not value:
            return queryset
        relayed = Attestation.objects.filter(
            Q(origin_entity__in=value)
            | Q(origin_document__outlet__in=value)
            | Q(origin_document__authors__in=value),
            claim=OuterRef("pk"),
        )
        return queryset.filter(Exists(relayed))

    def filter_root(self, queryset, name, value):
        if not value:
            return queryset
        # the stored `credibility_sources` (its GIN index): every entity the grade rests on
        return queryset.filter(credibility_sources__overlap=[entity.pk for entity in value])

    def filter_min_roots(self, queryset, name, value):
        if value is None:
            return queryset

        def roots(side: str) -> Coalesce:
            listed = KeyTransform(side, "credibility_explanation")
            return Coalesce(Func(listed, function="jsonb_array_length", output_field=IntegerField()), 0)

        counted = roots("independent_affirming") + roots("independent_denying")
        return queryset.alias(independent_roots=counted).filter(independent_roots__gte=value)

    def filter_reported(self, queryset, name, value):
        # both bounds hold for one document: reported within a window, not once before and once after
        after = self.form.cleaned_data.get("reported_after")
        before = self.form.cleaned_data.get("reported_before")
        if name == "reported_before" and after is not None:
            return queryset  # the window was applied with reported_after
        if after is not None and before is not None and after > before:
            raise ValidationError({"reported_before": ["Must not be earlier than reported_after."]})
        window = {"document__published__gte": after, "document__published__lte": before}
        matching = Attestation.objects.filter(
            claim=OuterRef("pk"), **{lookup: day for lookup, day in window.items() if day is not None}
        )
        return queryset.filter(Exists(matching))

    def filter_assignee(self, queryset, name, value):
        user = self.request.user
        if not user.has_perm("claims.view_draft"):
            return queryset.none()  # who judges what is the newsroom's: nothing is assigned for a reader
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee=user.pk if value == "me" else int(value))

    def filter_subject(self, queryset, name, value):
        if not value:
            return queryset
        # EXISTS, not a join: one row per claim without a DISTINCT over every column of the claim (its
        # explanation and search vector included); the planner starts from the entity's index
        about = ClaimSubject.objects.filter(claim=OuterRef("pk"), entity__in=value)
        return queryset.filter(Exists(about))

    def filter_has_conflicts(self, queryset, name, value):
        contradicted = contradicted_claim_ids(self.request)
        return queryset.filter(pk__in=contradicted) if value else queryset.exclude(pk__in=contradicted)


def contradicted_claim_ids(request) -> QuerySet:
    """The ids of the claims contradicted by another claim this request's user may see.

    Read from the stored rows (`ContradictedClaim`, one a contradicted claim, kept by triggers): for
    a reader, who sees no drafts, those contradicted by a published claim; for one who sees drafts,
    every contradicted claim. The filter used to read every contradiction and both its ends'
    publication, for the count and again for the page: linear in the contradictions (issue 17).
    """
    contradicted = ContradictedClaim.objects.all()
    if visible_claims(request).query.has_filters():  # a reader: a contradiction by a draft is not there
        contradicted = contradicted.filter(by_published=True)
    return contradicted.values("claim_id")


class EntityFilter(SearchableFilterSet):
    kind = filters.MultipleChoiceFilter(choices=Entity.Kind.choices)
    name = filters.CharFilter(method="filter_name", label="Name or alias contains")
    search = SearchFilter()

    class Meta:
        model = Entity
        fields = ["kind", "name", "parent"]

    def filter_name(self, queryset, name, value):
        aliases = Entity.objects.filter(pk=OuterRef("pk"), aliases__name__icontains=value)
        return queryset.filter(Q(name__icontains=value) | Exists(aliases))


class DocumentFilter(SearchableFilterSet):
    outlet = filters.ModelMultipleChoiceFilter(queryset=Entity.objects.all(), widget=IdsInput)
    language = filters.CharFilter()
    kind = filters.MultipleChoiceFilter(choices=Document.Kind.choices)
    published_after = filters.DateFilter(field_name="published", lookup_expr="gte")
    published_before = filters.DateFilter(field_name="published", lookup_expr="lte")
    search = SearchFilter()

    class Meta:
        model = Document
        fields = ["outlet", "language", "kind"]


class AttestationFilter(FilterSet):
    claim = filters.ModelMultipleChoiceFilter(queryset=visible_claims, widget=IdsInput)
    document = filters.ModelMultipleChoiceFilter(queryset=Document.objects.all(), widget=IdsInput)
    speaker = filters.ModelMultipleChoiceFilter(queryset=Entity.objects.all(), widget=IdsInput)
    stance = filters.ChoiceFilter(choices=Attestation.Stance.choices)

    class Meta:
        model = Attestation
        fields = ["claim", "document", "speaker", "stance"]


class RelationFilter(FilterSet):
    kind = filters.MultipleChoiceFilter(choices=ClaimRelation.Kind.choices)
    claim = IdFilter(queryset=visible_claims, method="filter_claim", label="Either side")
    from_claim = IdFilter(queryset=visible_claims)
    to_claim = IdFilter(queryset=visible_claims)

    class Meta:
        model = ClaimRelation
        fields = ["kind", "from_claim", "to_claim"]

    def filter_claim(self, queryset, name, value):
        return queryset.filter(Q(from_claim=value) | Q(to_claim=value)) if value else queryset


class RegradeFilter(FilterSet):
    claim = IdsFilter(queryset=visible_claims, label="Moves of these claims (repeatable)")
    since = filters.IsoDateTimeFilter(
        field_name="at", lookup_expr="gte", label="Moved at or after (ISO 8601 date-time, or a date)"
    )

    class Meta:
        model = Regrade
        fields = ["claim", "since"]
