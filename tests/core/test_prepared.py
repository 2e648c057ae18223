"""`PreparedGet` (apps/core/prepared.py): one row by its id from SQL compiled once, the same instance
as the ORM's `get`."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models.sql.compiler import SQLCompiler

from apps.api.v1.claim_json import claims_with_inline
from apps.api.v1.views import ClaimViewSet
from apps.claims.models import Claim
from apps.core.prepared import PreparedGet


def _detail(drafts: bool):
    visible = Claim.objects.all() if drafts else Claim.objects.published()
    return claims_with_inline(ClaimViewSet._with_inline_fields(visible), drafts=drafts)


def _shown(claim: Claim) -> dict:
    assignee = claim.assignee.username if claim.assignee_id else None
    loaded = {name: value for name, value in vars(claim).items() if not name.startswith("_")}
    return {**loaded, "assignee": assignee, "deferred": sorted(claim.get_deferred_fields())}


@pytest.mark.parametrize("drafts", [True, False])
def test_every_seed_claim_is_the_orm_s_own_instance(seed, editor, drafts):
    queryset = _detail(drafts)
    prepared = PreparedGet(queryset)
    Claim.objects.filter(pk__in=Claim.objects.order_by("pk").values("pk")[:3]).update(assignee=editor)

    for claim in Claim.objects.order_by("pk"):
        if not drafts and claim.publication != Claim.Publication.PUBLISHED:
            with pytest.raises(Claim.DoesNotExist):
                prepared.get(claim.pk)
            continue
        assert _shown(prepared.get(str(claim.pk))) == _shown(queryset.get(pk=claim.pk))


def test_it_is_compiled_once(seed, monkeypatch):
    prepared = PreparedGet(_detail(False))
    first, *others = Claim.objects.published().values_list("pk", flat=True)[:5]
    compiled = []
    compile_sql = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        compiled.append(self.query.model)
        return compile_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    prepared.get(first)
    once = len(compiled)

    found = [prepared.get(pk).pk for pk in others]

    assert found == others and once > 0 and len(compiled) == once


@pytest.mark.parametrize("pk", [0, -1, 2**63, 10**30])
def test_an_id_no_row_has_or_none_can_have_is_does_not_exist(seed, pk):
    with pytest.raises(Claim.DoesNotExist):
        PreparedGet(_detail(True)).get(pk)


def test_a_filtered_copy_of_the_bound_queryset_is_an_ordinary_queryset(seed):
    prepared = PreparedGet(_detail(True))
    claim = Claim.objects.order_by("pk").first()

    bound = prepared.bind()

    assert bound.get(pk=claim.pk).pk == claim.pk
    assert bound.filter(pk=claim.pk).get.__func__ is Claim.objects.all().get.__func__
    with pytest.raises(Claim.DoesNotExist):
        bound.filter(statement="no such claim").get(pk=claim.pk)
    assert AnonymousUser().has_perm("claims.view_draft") is False


def test_a_connection_prepares_the_statement_once_and_each_read_is_one_query(seed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    prepared = PreparedGet(_detail(True))
    first, second = Claim.objects.order_by("pk").values_list("pk", flat=True)[:2]

    with CaptureQueriesContext(connection) as queries:
        prepared.get(first)
        prepared.get(second)

    sent = [query["sql"] for query in queries.captured_queries]
    assert len(sent) == 2
    assert sent[0].startswith("PREPARE ct_prepared_") and "; EXECUTE ct_prepared_" in sent[0]
    assert sent[1].startswith("EXECUTE ct_prepared_")
    with connection.cursor() as cursor:
        name = prepared._compiled[connection.alias].name
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE name = %s", [name]
        )
        assert cursor.fetchall() == [(2,)]


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_lost_its_statements_prepares_them_again(make_claim):
    from django.db import connection

    claim = make_claim()
    prepared = PreparedGet(_detail(True))
    prepared.get(claim.pk)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")

    assert prepared.get(claim.pk).pk == claim.pk
