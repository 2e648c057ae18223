"""`make seed`: roles, the seed corpus into an empty database, a demo editor shown once."""

from io import StringIO

from django.contrib.auth.models import Group
from django.core.management import call_command

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.documents.models import Document
from apps.entities.models import Alias, Entity

MODELS = [Entity, Alias, Document, Claim, Attestation, ClaimRelation, Group]


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _seed() -> str:
    out = StringIO()
    call_command("seed", stdout=out)
    return out.getvalue()


def test_seeding_twice_changes_nothing(db, django_user_model):
    first = _seed()
    counts = _counts()
    password_hash = django_user_model.objects.get(username="editor").password

    second = _seed()

    assert _counts() == counts
    assert counts["Claim"] >= 30
    assert django_user_model.objects.get(username="editor").password == password_hash
    assert "password:" in first and "password:" not in second


def test_the_demo_editor_can_log_in_to_the_admin_with_the_printed_password(db, client):
    output = _seed()
    password = output.split("password:")[1].split()[0]

    logged_in = client.post("/admin/login/", {"username": "editor", "password": password, "next": "/admin/"})

    assert logged_in.status_code == 302, logged_in.content[:500]
    assert client.get("/admin/claims/claim/").status_code == 200


def test_each_seed_makes_a_different_password(db, django_user_model):
    first = _seed().split("password:")[1].split()[0]
    django_user_model.objects.filter(username="editor").delete()

    second = _seed().split("password:")[1].split()[0]

    assert first != second


def test_a_database_with_data_of_its_own_is_not_overwritten(db, make_claim):
    make_claim(statement="An editor's own claim")

    output = _seed()

    assert Claim.objects.count() == 1
    assert "not loaded" in output
