"""Small factories for the tests; the seed corpus is a fixture of its own."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from _pytest.nodeid import coerce_node_id
from django.contrib.auth.models import Group
from django.db import connection
from pytest_django.fixtures import _get_databases_for_setup

from apps.accounts.roles import EDITOR, FACT_CHECKER
from apps.claims.models import Attestation, Claim
from apps.documents.models import Document
from apps.entities.models import Entity
from tests.seeding import (
    CONTRADICTION_REFRESHES,
    committed_flush_by_delete,
    migrated_rows_remember,
    reads_the_seed_in_a_transaction,
    runs_on_committed_data,
    seed_load,
    seeded_database_drop,
    seeded_database_make,
    seeded_database_use,
)
from tests.speedups import (
    collect_now_and_then,
    full_collections_between_tests,
    migrated_template_copy,
    vacuum_now_and_then,
    whitenoise_index_once,
)

ROOT = Path(__file__).resolve().parent.parent
SEED_FIXTURE = ROOT / "fixtures" / "seed.json"

BODY = "قال المتحدث إن طالبان قطعت علاقاتها مع القاعدة. وقال التقرير إن القاعدة ما زالت في كونار."


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """pytest-django's, with each process's test database copied from a migrated template instead of
    migrated anew (tests/speedups.py); dropped at the end as before."""
    from django.test.utils import setup_databases, teardown_databases

    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    if not aliases:  # no test of this session uses a database (one asks for this fixture itself)
        yield
        return
    verbosity = request.config.option.verbose
    with django_db_blocker.unblock(), migrated_template_copy():
        databases = setup_databases(
            verbosity=verbosity,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
            keepdb=True,
        )
        for alias in aliases:  # what a flush keeps (tests/seeding.py)
            migrated_rows_remember(alias)
        if any(reads_the_seed_in_a_transaction(item) for item in request.session.items):
            seeded_database_make(SEED_FIXTURE)
    yield
    with django_db_blocker.unblock():
        seeded_database_drop()
        teardown_databases(databases, verbosity=verbosity)


@pytest.fixture(autouse=True, scope="session")
def _built_once_a_process():
    """Empty the database after a test on committed data by DELETE, not TRUNCATE (tests/seeding.py),
    index the static files once, not for every test client, and collect garbage fully between tests
    only (tests/speedups.py)."""
    with committed_flush_by_delete(), whitenoise_index_once(), full_collections_between_tests():
        yield


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Keep the tests of one `xdist_group` on one worker (`make test` runs `--dist loadgroup`).

    pytest-xdist 3.8 marks a grouped test by appending `@group` to `item._nodeid`, which pytest 9.2
    no longer reads (a node's id is `item._id`): the fuzzer's four roles ran on both workers, each
    drawing every case again (15 s), and both workers started the replica pair (10 s each). The
    same suffix is set here where pytest 9.2 keeps it."""
    # set in each worker by pytest-xdist for --dist loadgroup (the workers' own `dist` is "no")
    if getattr(config.option, "loadgroup", False):
        for item in items:
            mark = item.get_closest_marker("xdist_group")
            if mark is not None and not item.nodeid.endswith(f"@{mark.args[0]}"):
                item._id = coerce_node_id(f"{item.nodeid}@{mark.args[0]}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before its fixtures: a test that reads the seed in its transaction runs on the test database
    that holds it (tests/seeding.py)."""
    seeded_database_use(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """After a test (its transaction rolled back), VACUUM the test database and collect garbage now
    and then (tests/speedups.py)."""
    yield
    vacuum_now_and_then()
    collect_now_and_then()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hash the tests' passwords cheaply: Django's PBKDF2 (a million rounds) took 0.3 s for each user a
    test made, a quarter of the time of an admin test. Servers the tests start in another process
    make their own users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _contradictions_at_once(request):
    """The stored contradicted claims (`ContradictedClaim`) are refreshed when a transaction commits,
    and a test transaction never does: in one, the refreshes run at the end of each statement instead.
    Tests on committed data (live servers, races) refresh at the commit, as the application does."""
    if runs_on_committed_data(request.node):
        return
    if "db" not in request.fixturenames and request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {CONTRADICTION_REFRESHES} IMMEDIATE")


@pytest.fixture(autouse=True)
def _held_readings_forgotten():
    """A search's held readings, which a process keeps for a minute (apps.core.search), worked out
    anew for each test: a test's rows are not the last one's."""
    from apps.core.search import held_readings_forget

    held_readings_forget()


@pytest.fixture(autouse=True)
def _cache_in_memory(settings):
    """Throttle counters in this process's memory: the shared cache (the database's table, or Redis)
    would add its queries to every count of a request's queries. tests/api/test_throttles.py uses
    the shared ones on purpose."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def make_entity(db):
    def make(name: str = "طالبان", kind: str = Entity.Kind.ORGANIZATION, **fields) -> Entity:
        return Entity.objects.create(name=name, kind=kind, **fields)

    return make


@pytest.fixture
def make_document(db):
    copies = itertools.count(2)

    def make(body: str | None = None, title: str = "مقال", language: str = "ar", **fields) -> Document:
        if body is None:
            # one text is one document (a unique body): a second default document says so in its text
            body = BODY if not Document.objects.filter(body=BODY).exists() else f"{BODY} ({next(copies)})"
        return Document.objects.create(body=body, title=title, language=language, **fields)

    return make


@pytest.fixture
def make_claim(db):
    def make(statement: str = "The Taliban broke with al-Qaeda.", **fields) -> Claim:
        fields.setdefault("publication", Claim.Publication.PUBLISHED)
        return Claim.objects.create(statement=statement, **fields)

    return make


@pytest.fixture
def make_attestation(make_claim, make_document):
    def make(
        quote: str = "طالبان قطعت علاقاتها مع القاعدة", claim=None, document=None, **fields
    ) -> Attestation:
        document = document or make_document()
        attestation = Attestation(claim=claim or make_claim(), document=document, quote=quote, **fields)
        attestation.full_clean()
        attestation.save()
        return attestation

    return make


def _user_in(django_user_model, username: str, group: str | None):
    user = django_user_model.objects.create_user(
        username=username, password="pw-for-tests-only", is_staff=True
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db, django_user_model):
    return _user_in(django_user_model, "test-editor", EDITOR)


@pytest.fixture
def fact_checker(db, django_user_model):
    return _user_in(django_user_model, "test-fact-checker", FACT_CHECKER)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def seed(db):
    """The curated seed corpus: five Arabic articles, their claims, quotes and conflicts, graded as
    `manage.py seed` grades them (the fixture holds no computed grades); restored from a snapshot
    after the first load of the process (tests/seeding.py)."""
    seed_load(SEED_FIXTURE)
