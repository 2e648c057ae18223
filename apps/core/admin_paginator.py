"""Changelists that stay fast on long tables: a paginator that takes PostgreSQL's estimate for a long
list instead of counting it, and per-row counts as subqueries run only for the rows shown."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db.models import Func, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.expressions import Star
from django.utils.functional import cached_property

# A list is counted up to this many rows and no further: COUNT(*) reads every row (at 300,000 claims,
# on every page of the changelist), and nobody pages that far. Up to it, a count is cheap and exact.
ESTIMATE_ABOVE = 10_000


def queryset_estimate(queryset: QuerySet) -> int:
    """The number of rows PostgreSQL's planner expects `queryset` to return, from EXPLAIN: it plans
    the query and runs nothing. Unfiltered, that is the table's size from its statistics (scaled
    to its current size on disk, so newer than `pg_class.reltuples`); filtered, the planner's guess."""
    plan = queryset.order_by().values("pk").explain(format="json")
    if not plan:  # a filter that can match nothing (`pk__in=[]`) is not sent at all
        return 0
    plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """Counts a list exactly up to `estimate_above` rows, and a longer one by the planner's estimate,
    never by a COUNT(*) of all of it. Pair it with `show_full_result_count = False` on the admin,
    which would otherwise count the whole table once more on every page."""

    estimate_above = ESTIMATE_ABOVE

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count
        estimate = queryset_estimate(self.object_list)
        # The planner can guess far off either way (a filter on a column it has no statistics for;
        # a small table whose statistics still count rows deleted since): the count stops one row
        # past the threshold, so it reads at most that many rows. A list that short is shown exact;
        # a longer one by the estimate, never by a COUNT(*) of all of it.
        counted = self.object_list.order_by().values("pk")[: self.estimate_above + 1].count()
        return counted if counted <= self.estimate_above else max(estimate, counted)


def related_count(model: type[Model], relation: str, **filters) -> Subquery:
    """How many rows each `model` row has through the reverse relation `relation` (a foreign key or
    a many-to-many pointing at it), among those matching `filters`: a subquery of the row's query.

    `annotate(n=Count(relation))` joins every row of the table with all its related rows and groups
    them back before the page is cut, in the count query too; with two such counts, their product.
    This subquery runs for the rows a page shows (for all of them only when the page sorts on it),
    and counts in the related table's index on its key, without reading its rows."""
    rel = model._meta.get_field(relation)
    if rel.many_to_many:  # the link table says it all
        rows = rel.through._base_manager.filter(**{rel.field.m2m_reverse_field_name(): OuterRef("pk")})
    else:
        rows = rel.related_model._base_manager.filter(**{rel.field.name: OuterRef("pk")})
    # COUNT as a plain function: one row with no GROUP BY, so 0 (never NULL) when there are none
    counted = (
        rows.filter(**filters)
        .order_by()
        .annotate(n=Func(Star(), function="COUNT", output_field=IntegerField()))
        .values("n")
    )
    return Subquery(counted, output_field=IntegerField())
