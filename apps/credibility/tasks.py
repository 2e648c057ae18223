"""Background regrades on procrastinate, the task queue on PostgreSQL (issue 17; docs/scaling.md).

A write that moves more than `REGRADE_INLINE_MAX` claims (a rating of an entity thousands of claims
rest on, a merge, a rename) writes one `RegradeBatch` naming the entities (its claims are "being
regraded" from then on) and defers one planning job, both in its own transaction: the job exists if
and only if the write commits. The planning job marks the claims in chunks of `REGRADE_CHUNK_SIZE`
(`PendingRegrade`, one INSERT … SELECT) and defers a chunk job for each; each regrades its claims and
deletes its chunk in one transaction, so a crash loses at most the chunk it was in.

Why procrastinate rather than django-tasks 0.12 (whose database backend has moved to the separate,
pre-1.0 `django-tasks-db`):
- retries with a strategy (attempts, exponential waits, which exceptions) per task;
- queueing locks, so that a periodic job is never queued twice;
- workers woken by PostgreSQL's LISTEN/NOTIFY the moment a job commits, no polling delay;
- stalled-job recovery: workers write heartbeats, and the jobs of a worker that went silent (killed,
  out of memory, its machine gone) are found and retried (`retry_stalled_jobs` below);
- a Django integration with its own migrations, and deferring on Django's connection, inside the
  caller's transaction;
- a mature 3.x line.

Every job here is idempotent: a chunk job does its work only while its chunk is there, and regrading a
claim again gives the same grade and records no second move.
"""

from __future__ import annotations

from collections.abc import Sequence

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from procrastinate import RetryStrategy, jobs, manager
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.tasks import Task

from apps.credibility import services

QUEUE = "regrades"
# a deadlock, a connection lost, a statement cancelled: run again, waiting 2, 4, 8 … 256 s
RETRY = RetryStrategy(max_attempts=8, exponential_wait=2)

# Jobs are inserted on Django's own connection, inside the transaction of the code that defers them.
# The web process's app does that already; in a worker, `manage.py procrastinate worker` gives the app
# a connection pool of its own, so a job deferred there (the chunks a plan makes) goes through this.
_in_django_transaction = manager.JobManager(connector=DjangoConnector())


def jobs_defer(task: Task, arguments: Sequence[dict]) -> list[int]:
    """Defer jobs of `task` on Django's connection: committed with the caller's transaction or not at all."""
    if not arguments:
        return []
    template = task.configure().job
    deferrer = jobs.JobDeferrer(job_manager=_in_django_transaction, job=template)
    return deferrer.batch_defer(*arguments)


@app.task(name="credibility.regrade_plan", queue=QUEUE, retry=RETRY)
def regrade_plan(*, batch: int) -> int:
    """Split a queued batch into chunk jobs; return how many."""
    return services.regrade_batch_plan(batch_id=batch)


@app.task(name="credibility.regrade_chunk", queue=QUEUE, retry=RETRY)
def regrade_chunk(*, batch: int, chunk: int) -> int:
    """Regrade the claims of one chunk of a batch, if still pending; return how many."""
    return services.regrade_chunk_run(batch_id=batch, chunk=chunk)


@app.periodic(cron=settings.REGRADE_WATCH_CRON)
# one check at a time: a slow check is not joined by the next minute's
@app.task(
    name="credibility.retry_stalled_jobs", queueing_lock="credibility.retry_stalled_jobs", pass_context=True
)
async def retry_stalled_jobs(context, timestamp: int) -> None:
    """Retry the jobs of workers gone silent, and queue again any batch left without a job."""
    stalled = await context.app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.PROCRASTINATE_WORKER_DEFAULTS["stalled_worker_timeout"]
    )
    for job in stalled:
        await context.app.job_manager.retry_job(job)
    await sync_to_async(_orphans_requeue, thread_sensitive=False)()


def _orphans_requeue() -> int:
    try:
        return services.regrade_orphans_requeue()
    finally:
        # a thread of the worker's pool, outside any request that would close it
        connection.close()
