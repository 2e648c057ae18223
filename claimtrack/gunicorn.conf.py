"""gunicorn's settings for `make serve` (the production server): read from the environment."""

from __future__ import annotations

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# sync workers, two per core and one more (gunicorn's advice); WEB_CONCURRENCY sets another number
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# a request past the API's statement timeout (15 s) has already been answered with a 503
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# a worker is replaced after this many requests, so that no slow leak grows for ever
max_requests = 2000
max_requests_jitter = 200
# heartbeats in memory, not on a disk that may stall
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
errorlog = "-"
# behind a reverse proxy (docs/scaling.md): trust its X-Forwarded-* headers from these addresses
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# no control socket (gunicorn 27): its default path is one for every gunicorn of this user, so a
# second server on the machine (tests, a benchmark) would take it from the first; nothing uses it
control_socket_disable = True


def post_worker_init(worker) -> None:
    """Move what the loaded application allocated out of the garbage collector's reach: a full
    collection walked those objects every few requests (96–143 ms, the p95 tail; issue 17)."""
    import gc

    gc.collect()
    gc.freeze()
