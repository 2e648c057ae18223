"""What the tests would build over and over although it does not change: built once.

Django's test client makes a new handler, and so a new middleware chain, for every client: every test.
WhiteNoise's middleware indexes every static file when it is made (a `stat`, headers and the
compressed variants of each of some 500 files: STATIC_ROOT and, without a manifest, the finders'),
about 0.15 s a client, 0.3 s on a busy machine, in a suite of about a thousand clients. The index
depends only on the settings it is made from and on the files, which no in-process test changes
(tests/core/test_serving.py collects its own into a temporary STATIC_ROOT, for a gunicorn of its
own): the first middleware made with a given configuration is copied for the next ones.
"""

from __future__ import annotations

import gc
import hashlib
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings as django_settings
from whitenoise.middleware import WhiteNoiseMiddleware

# every setting WhiteNoiseMiddleware.__init__ reads, and those the staticfiles finders read
_STATIC_SETTINGS = (
    "DEBUG",
    "FORCE_SCRIPT_NAME",
    "INSTALLED_APPS",
    "STATICFILES_DIRS",
    "STATICFILES_FINDERS",
    "STATIC_ROOT",
    "STATIC_URL",
    "STORAGES",
    "WHITENOISE_ADD_HEADERS_FUNCTION",
    "WHITENOISE_ALLOW_ALL_ORIGINS",
    "WHITENOISE_AUTOREFRESH",
    "WHITENOISE_CHARSET",
    "WHITENOISE_IMMUTABLE_FILE_TEST",
    "WHITENOISE_INDEX_FILE",
    "WHITENOISE_MAX_AGE",
    "WHITENOISE_MIMETYPES",
    "WHITENOISE_ROOT",
    "WHITENOISE_STATIC_PREFIX",
    "WHITENOISE_USE_FINDERS",
)


@contextmanager
def whitenoise_index_once() -> Iterator[None]:
    """Make each WhiteNoise middleware a copy of the first one made with the same static settings."""
    build = WhiteNoiseMiddleware.__init__
    made: dict[tuple[str, ...], dict] = {}

    def init(self, get_response=None, settings=django_settings) -> None:
        key = (str(id(settings)), *(repr(getattr(settings, name, None)) for name in _STATIC_SETTINGS))
        if key not in made:
            build(self, get_response, settings)
            made[key] = dict(vars(self))
            return
        vars(self).update(made[key])
        self.files = dict(self.files)  # its own index, as a new middleware has
        self.get_response = get_response

    WhiteNoiseMiddleware.__init__ = init
    try:
        yield
    finally:
        WhiteNoiseMiddleware.__init__ = build


# what the migrated database is made of, besides the migrations: the roles (post_migrate makes their
# groups) and the versions of Django and of the packages whose migrations run
_TEMPLATE_INPUTS = ("apps/accounts/roles.py", "requirements.txt")


def _migrations_digest() -> str:
    """A digest of every migration of every installed app, and of what else the migrated state holds."""
    import django
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256(django.get_version().encode())
    for app in apps.get_app_configs():
        module_name, _ = MigrationLoader.migrations_module(app.label)
        try:
            module = importlib.import_module(module_name) if module_name else None
        except ImportError:  # an app without migrations
            continue
        if module is None or not getattr(module, "__path__", None):
            continue
        for folder in module.__path__:
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file() and path.suffix in {".py", ".sql"}:
                    digest.update(f"{app.label}/{path.relative_to(folder)}".encode())
                    digest.update(path.read_bytes())
    root = Path(__file__).resolve().parent.parent
    for name in _TEMPLATE_INPUTS:
        path = root / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:12]


@contextmanager
def migrated_template_copy() -> Iterator[None]:
    """Make this process's test database a copy of a migrated template, made by the first process
    that finds none for these migrations (the others wait for it); wrap Django's `setup_databases`
    with `keepdb=True`, which then finds the copy and only checks that nothing is left to migrate.

    Migrating takes 10 to 40 s a process (47 migrations, triggers and all); a copy (CREATE DATABASE
    … TEMPLATE) about 1 s. The template stays on the server for the next run, named after the test
    database and a digest of the migrations, and is replaced when they change.
    """
    import psycopg
    from django.db import connection
    from django.db.backends.base.creation import TEST_DATABASE_PREFIX
    from psycopg import sql

    database = connection.settings_dict
    test_name = connection.creation._get_test_db_name()
    template = f"{TEST_DATABASE_PREFIX}{database['NAME']}"[:40] + f"_template_{_migrations_digest()}"
    server = {
        "dbname": "postgres",
        "user": database["USER"] or None,
        "password": database["PASSWORD"] or None,
        "host": database["HOST"] or None,
        "port": database["PORT"] or None,
        "autocommit": True,
    }
    with psycopg.connect(**server) as admin:
        # one process at a time: the first one makes the template while the others wait for it
        admin.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
        # a test database left by a run that was stopped half-way: never reused
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(test_name)))
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone():
            _copy(admin, source=template, target=test_name)
            admin.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])
            yield
            return
        yield  # Django creates and migrates the test database
        connection.close()  # a template is copied only while nobody is connected to it
        stale = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            [template.rsplit("_", 1)[0].replace("_", r"\_") + r"\_%", template],
        ).fetchall()
        for (name,) in stale:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        _copy(admin, source=test_name, target=template)


def _copy(admin, *, source: str, target: str) -> None:
    from psycopg import sql

    query = sql.SQL("CREATE DATABASE {} TEMPLATE {}")
    admin.execute(query.format(sql.Identifier(target), sql.Identifier(source)))


# tests between two VACUUMs of a process's test database (see `vacuum_now_and_then`)
VACUUM_EVERY = 40
_tests_since_vacuum = 0


def vacuum_now_and_then() -> None:
    """VACUUM this process's test database every VACUUM_EVERY tests, between two tests.

    Every test that asks for the seed copies its few thousand rows in and rolls them back; those
    rows stay behind, dead, in the tables and their indexes, and each GIN index (the search vectors)
    keeps them in its pending list, which every search reads whole. Autovacuum comes by once a
    minute at best; by the second half of a full run a search of the admin took ten times what it
    takes on a fresh database (an alias search 2.7 s against 0.1 s). One VACUUM of the small test
    database takes a fraction of a second and clears it all.
    """
    global _tests_since_vacuum
    _tests_since_vacuum += 1
    if _tests_since_vacuum < VACUUM_EVERY:
        return
    import psycopg
    from django.db import connection

    database = connection.settings_dict
    if not database["NAME"].startswith("test_"):  # the test database is not set up (yet)
        return
    _tests_since_vacuum = 0
    params = {
        "dbname": database["NAME"],
        "user": database["USER"] or None,
        "password": database["PASSWORD"] or None,
        "host": database["HOST"] or None,
        "port": database["PORT"] or None,
        "autocommit": True,
    }
    with psycopg.connect(**params) as vacuum:
        # a table a test's server or thread still holds is left for the next time
        vacuum.execute("VACUUM (SKIP_LOCKED)")


# tests between two full garbage collections of a process (see `full_collections_between_tests`)
COLLECT_EVERY = 100
_tests_since_collection = 0


@contextmanager
def full_collections_between_tests() -> Iterator[None]:
    """Leave Python's full (oldest-generation) garbage collections to `collect_now_and_then`.

    A worker holds Django, DRF, Hypothesis, schemathesis and Playwright and their caches: some
    300,000 objects that every full collection walks. Python starts one whenever a quarter more
    objects have survived into the oldest generation, about every 40 tests: 0.2–0.3 s each, 12.3 s
    of the 158 s the API's tests took on one process, a tenth of their time (measured with
    `gc.callbacks`). The young generations are still collected as they fill, which frees most cyclic
    garbage; what lives long enough to reach the oldest waits for the next `collect_now_and_then`.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 10**9)  # never reached: no automatic full collection
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.collect()


def collect_now_and_then() -> None:
    """A full garbage collection every COLLECT_EVERY tests, between two tests; what survives it (the
    libraries, their caches: no test's objects, which are gone by then) is frozen out of the next
    ones, which then walk only what was made since (0.45 s a collection without, over a full run)."""
    global _tests_since_collection
    _tests_since_collection += 1
    if _tests_since_collection >= COLLECT_EVERY:
        _tests_since_collection = 0
        gc.collect()
        gc.freeze()
