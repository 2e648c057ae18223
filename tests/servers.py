"""The production server for the tests that need it whole: gunicorn in a process of its own."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.conftest import ROOT

BIN = Path(sys.executable).parent


@contextmanager
def gunicorn_serving(*, env: dict[str, str], port: int, log: Path, seconds: float = 30) -> Iterator[str]:
    """Start gunicorn as `make serve` does with this environment, wait until it answers /healthz,
    yield its address; stop it after. A server that stops before it answers fails with its log."""
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "claimtrack/gunicorn.conf.py", "claimtrack.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert server.poll() is None, f"gunicorn stopped: {log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, f"gunicorn did not answer: {log.read_text()[-3000:]}"
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
