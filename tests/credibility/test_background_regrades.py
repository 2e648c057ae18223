"""Regrades in the background (apps/credibility/tasks.py): a rating that moves few claims regrades them
in its request; one that moves more than REGRADE_INLINE_MAX marks them "being regraded" and queues the
regrade, in the rating's own transaction; the queue's jobs regrade them a chunk at a time, and can be
run again, retried or killed halfway without losing a claim or recording a move twice."""

from __future__ import annotations

import datetime
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from rest_framework.test import APIClient

from apps.claims.models import Attestation, Claim
from apps.credibility import services, tasks
from apps.credibility.models import PendingRegrade, Regrade, RegradeBatch, SourceRating
from apps.credibility.selectors import claims_with_regrading
from apps.credibility.services import credibility_recompute, source_rating_create
from apps.documents.models import Document
from apps.entities.models import Entity
from tests.conftest import ROOT, SEED_FIXTURE
from tests.seeding import seed_load

# 31 claims of the seed rest on it; rated E (it is B), 33 grades move, its claims' and their contradictors'
UN = "UN Analytical Support and Sanctions Monitoring Team"
DESK = "/admin/claims/claim/desk/"


def regrade_jobs(status: str = "todo") -> list[ProcrastinateJob]:
    return list(
        ProcrastinateJob.objects.filter(status=status, task_name__startswith="credibility.regrade_").order_by(
            "id"
        )
    )


def run_queued_jobs() -> list[str]:
    """Run the regrade jobs waiting in the queue here, in the test's transaction, as a worker would
    (a job deferred by another is run too); return the names of the tasks run, in order."""
    done: set[int] = set()
    ran = []
    while True:
        job = next((j for j in regrade_jobs() if j.pk not in done), None)
        if job is None:
            return ran
        app.tasks[job.task_name](**job.args)
        done.add(job.pk)
        ran.append(job.task_name)


def pending_claims() -> list[int]:
    """The claims marked pending, once for each batch waiting to regrade them."""
    return sorted(pk for chunk in PendingRegrade.objects.values_list("claim_ids", flat=True) for pk in chunk)


def regrading_claims() -> list[int]:
    """The claims whose `regrading` is true, as the API and the admin read it."""
    regrading = claims_with_regrading(Claim.objects.all()).filter(regrading=True)
    return sorted(regrading.values_list("pk", flat=True))


def resting_on(entity: Entity) -> list[int]:
    return sorted(services.claims_resting_on([entity.pk]))


@pytest.fixture
def api(editor) -> APIClient:
    client = APIClient()
    client.force_authenticate(editor)
    return client


@pytest.fixture
def fan_out(settings):
    """Any rating that moves more than five claims is a fan-out; the planner makes chunks of ten."""
    settings.REGRADE_INLINE_MAX = 5
    settings.REGRADE_CHUNK_SIZE = 10


# --- small regrades stay in the request --------------------------------------------------------


def test_a_rating_that_moves_few_claims_regrades_them_in_its_request(seed, api, settings):
    un = Entity.objects.get(name=UN)
    settings.REGRADE_INLINE_MAX = len(resting_on(un))  # exactly the limit: still inline

    response = api.post("/api/v1/source-ratings/", {"entity": un.pk, "grade": "E", "rationale": "Wrong."})

    assert response.status_code == 201, response.content
    assert "regrading" not in response.json()
    assert response.json()["regraded"], "the grades moved in the request and the answer says which"
    assert not PendingRegrade.objects.exists()
    assert not ProcrastinateJob.objects.exists()
    assert credibility_recompute(claim_ids=resting_on(un)) == [], "every grade is current already"


# --- fan-outs are queued with the write ---------------------------------------------------------


def test_a_rating_that_moves_many_claims_queues_them_and_marks_them_being_regraded(seed, api, fan_out):
    un = Entity.objects.get(name=UN)
    claims = resting_on(un)
    grades_before = dict(Claim.objects.filter(pk__in=claims).values_list("pk", "credibility"))

    response = api.post("/api/v1/source-ratings/", {"entity": un.pk, "grade": "E", "rationale": "Wrong."})

    assert response.status_code == 201, response.content
    assert response.json()["regrading"] == len(claims) == 31
    assert response.json()["regraded"] == []
    assert regrading_claims() == claims
    assert not PendingRegrade.objects.exists(), "the request marks no claim itself: its batch says which"
    [plan] = regrade_jobs()
    assert (plan.task_name, plan.queue_name) == ("credibility.regrade_plan", "regrades")
    batch = RegradeBatch.objects.get(pk=plan.args["batch"])
    assert (batch.total, batch.reason, batch.resting_on) == (31, f"{UN} rated E", [un.pk])
    # nothing moved yet: the grades are the ones before the rating, and they say so
    assert dict(Claim.objects.filter(pk__in=claims).values_list("pk", "credibility")) == grades_before
    shown = api.get(f"/api/v1/claims/{claims[0]}/").json()["credibility"]
    assert shown["regrading"] is True
    other = Claim.objects.exclude(pk__in=claims).first()
    assert api.get(f"/api/v1/claims/{other.pk}/").json()["credibility"]["regrading"] is False


def test_the_claims_list_says_which_claims_are_being_regraded_in_its_fixed_queries(
    seed, api, fan_out, django_assert_max_num_queries
):
    un = Entity.objects.get(name=UN)
    source_rating_create(entity=un, grade="E", rationale="Wrong.")
    pending = set(regrading_claims())

    with django_assert_max_num_queries(12) as few:
        api.get("/api/v1/claims/?page_size=5")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = api.get("/api/v1/claims/?page_size=200").json()["results"]

    assert {c["id"] for c in page if c["credibility"]["regrading"]} == pending & {c["id"] for c in page}
    assert any(c["credibility"]["regrading"] for c in page) and not all(
        c["credibility"]["regrading"] for c in page
    )


def test_a_rating_rolled_back_queues_nothing(seed, fan_out):
    un = Entity.objects.get(name=UN)

    with pytest.raises(RuntimeError), transaction.atomic():
        source_rating_create(entity=un, grade="E", rationale="Wrong.")
        assert len(regrading_claims()) == 31 and len(regrade_jobs()) == 1
        raise RuntimeError("the request failed after the rating")

    assert not SourceRating.objects.filter(entity=un, grade="E").exists()
    assert not PendingRegrade.objects.exists()
    assert not RegradeBatch.objects.exists()
    assert not ProcrastinateJob.objects.exists()


# --- the queue's jobs ---------------------------------------------------------------------------


def test_the_queued_jobs_regrade_every_claim_and_clear_the_marks(seed, api, fan_out):
    un = Entity.objects.get(name=UN)
    claims = resting_on(un)
    source_rating_create(entity=un, grade="E", rationale="Wrong.")

    ran = run_queued_jobs()

    # 31 claims in chunks of ten: a plan, then four chunks
    assert ran == ["credibility.regrade_plan"] + ["credibility.regrade_chunk"] * 4
    assert not PendingRegrade.objects.exists()
    assert RegradeBatch.objects.get().finished_at is not None
    assert credibility_recompute(claim_ids=claims) == [], "every grade is what a regrade now gives"
    moved = Regrade.objects.filter(claim__in=claims)
    assert moved.exists() and all(move.to_grade != move.from_grade for move in moved)
    assert api.get(f"/api/v1/claims/{claims[0]}/").json()["credibility"]["regrading"] is False


def test_the_background_regrade_gives_the_grades_the_request_would_have(seed, settings):
    un = Entity.objects.get(name=UN)
    claims = resting_on(un)
    with transaction.atomic():
        source_rating_create(entity=un, grade="E", rationale="Wrong.")  # inline: the reference
        inline = dict(Claim.objects.filter(pk__in=claims).values_list("pk", "credibility_explanation"))
        transaction.set_rollback(True)
    settings.REGRADE_INLINE_MAX, settings.REGRADE_CHUNK_SIZE = 5, 7

    source_rating_create(entity=un, grade="E", rationale="Wrong.")
    run_queued_jobs()

    assert dict(Claim.objects.filter(pk__in=claims).values_list("pk", "credibility_explanation")) == inline


def test_a_chunk_run_again_after_it_committed_changes_nothing_and_records_no_second_move(seed, fan_out):
    un = Entity.objects.get(name=UN)
    source_rating_create(entity=un, grade="E", rationale="Wrong.")
    run_queued_jobs()
    chunks = list(ProcrastinateJob.objects.filter(task_name="credibility.regrade_chunk").order_by("id"))
    moves = Regrade.objects.count()
    explanations = dict(Claim.objects.values_list("pk", "credibility_explanation"))

    again = [tasks.regrade_chunk(**job.args) for job in chunks]

    assert again == [0, 0, 0, 0]
    assert Regrade.objects.count() == moves
    assert dict(Claim.objects.values_list("pk", "credibility_explanation")) == explanations


def test_a_plan_run_again_defers_no_second_set_of_chunks(seed, fan_out):
    un = Entity.objects.get(name=UN)
    source_rating_create(entity=un, grade="E", rationale="Wrong.")
    batch = RegradeBatch.objects.get()

    first, again = tasks.regrade_plan(batch=batch.pk), tasks.regrade_plan(batch=batch.pk)

    assert (first, again) == (4, 0)
    assert pending_claims() == resting_on(un), "the plan marks them, in chunks of ten"
    assert regrading_claims() == resting_on(un)
    assert ProcrastinateJob.objects.filter(task_name="credibility.regrade_chunk").count() == 4


def test_a_second_rating_before_the_first_is_regraded_leaves_the_newest_grades_and_one_move_each(
    seed, fan_out
):
    un = Entity.objects.get(name=UN)
    claims = resting_on(un)
    source_rating_create(entity=un, grade="A", rationale="Right every time.")  # moves nothing (it is B)
    older = RegradeBatch.objects.get()

    source_rating_create(entity=un, grade="E", rationale="Wrong after all.")
    waiting = regrading_claims()
    run_queued_jobs()

    newer = RegradeBatch.objects.exclude(pk=older.pk).get()
    assert waiting == claims and (older.total, newer.total) == (31, 31)
    assert not PendingRegrade.objects.exists()
    assert not RegradeBatch.objects.filter(finished_at=None).exists()
    assert credibility_recompute(claim_ids=claims) == [], "regraded on the newest rating"
    moves = Counter(Regrade.objects.filter(claim__in=claims).values_list("claim_id", flat=True))
    assert moves and set(moves.values()) == {1}, "the second batch found the grades current: no move twice"


def test_a_batch_whose_jobs_failed_for_good_is_queued_again(seed, fan_out):
    un = Entity.objects.get(name=UN)
    source_rating_create(entity=un, grade="E", rationale="Wrong.")
    # the plan failed past its retries: no job is left to regrade the 31 claims
    ProcrastinateJob.objects.filter(task_name="credibility.regrade_plan").update(status="failed")

    requeued = services.regrade_orphans_requeue()

    assert requeued == 1
    assert len(regrade_jobs()) == 1
    assert services.regrade_orphans_requeue() == 0, "a batch with a job waiting is left alone"


# --- what the admin shows -----------------------------------------------------------------------


def test_the_admin_says_a_claim_is_being_regraded_and_the_rating_page_says_how_many(
    seed, editor_client, fan_out
):
    un = Entity.objects.get(name=UN)
    claim = resting_on(un)[0]

    rated = editor_client.post(
        f"/admin/entities/entity/{un.pk}/rate/", {"grade": "E", "rationale": "Wrong."}, follow=True
    )
    page = editor_client.get(f"/admin/claims/claim/{claim}/change/").content.decode()
    desk = editor_client.get(DESK + "?queue=all").content.decode()
    run_queued_jobs()
    after = editor_client.get(f"/admin/claims/claim/{claim}/change/").content.decode()

    messages = [str(m) for m in rated.context["messages"]]
    assert "31 claims are being regraded in the background." in messages
    assert not any(m.startswith("Regraded:") for m in messages)
    assert "being regraded" in page and "being regraded" not in after
    pending = set(resting_on(un))
    marked = {
        int(m.group(1))
        for m in re.finditer(r'<tr id="claim-(\d+)"(.*?)</tr>', desk, flags=re.S)
        if "being regraded" in m.group(2)
    }
    shown = {int(pk) for pk in re.findall(r'<tr id="claim-(\d+)"', desk)}
    assert marked and marked == shown & pending


def test_a_rating_added_in_the_entity_admin_says_how_many_claims_are_being_regraded(
    seed, admin_client, fan_out
):
    un = Entity.objects.get(name=UN)
    add = admin_client.get(f"/admin/entities/entity/{un.pk}/change/")
    data = {k: v for k, v in _form_data(add).items()}
    prefix = next(k for k in data if k.endswith("-TOTAL_FORMS") and "rating" in k).removesuffix(
        "-TOTAL_FORMS"
    )
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}-{total}-grade"] = "E"
    data[f"{prefix}-{total}-rationale"] = "Wrong."
    data[f"{prefix}-{total}-entity"] = str(un.pk)

    response = admin_client.post(f"/admin/entities/entity/{un.pk}/change/", data, follow=True)

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert "31 claims are being regraded in the background." in messages, messages
    assert len(regrading_claims()) == 31


def _form_data(response) -> dict[str, str]:
    """The values an admin change form would post back as it is."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = "on" if value is True else ("" if value is False else str(value))
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        for inline_form in formset.formset.forms:
            for name in inline_form.fields:
                value = inline_form[name].value()
                if value is not None:
                    data[inline_form.add_prefix(name)] = str(value.pk if hasattr(value, "pk") else value)
    return {k: v for k, v in data.items() if v != "False"}


# --- a real worker: retries, and a crash halfway --------------------------------------------------


def _retry_at_once() -> None:
    # time passes: the retry the strategy scheduled a few seconds ahead is due (procrastinate's models
    # are read-only: SQL)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")


def _fan_out_of(size: int) -> tuple[Entity, list[int]]:
    """`size` committed claims, each quoted once from the same speaker, graded."""
    speaker = Entity.objects.create(name="Speaker", kind=Entity.Kind.PERSON)
    body = "قال المتحدث إن القاعدة ما زالت في كونار."
    quote = "القاعدة ما زالت في كونار"
    document = Document.objects.create(title="مقال", language="ar", body=body)
    claims = Claim.objects.bulk_create(
        Claim(statement=f"Claim {n}", publication=Claim.Publication.PUBLISHED) for n in range(size)
    )
    start = body.index(quote)
    Attestation.objects.bulk_create(
        Attestation(
            claim=c, document=document, quote=quote, start=start, end=start + len(quote), speaker=speaker
        )
        for c in claims
    )
    credibility_recompute(claim_ids=[c.pk for c in claims])
    return speaker, [c.pk for c in claims]


def test_a_failing_chunk_is_retried_by_its_strategy_and_regrades_once(
    transactional_db, settings, monkeypatch
):
    settings.REGRADE_INLINE_MAX, settings.REGRADE_CHUNK_SIZE = 5, 100
    speaker, claims = _fan_out_of(20)
    real, failures = services.credibility_recompute, []

    def deadlocked_once(**kwargs):
        if not failures:
            failures.append(kwargs)
            raise OperationalError("deadlock detected")
        return real(**kwargs)

    monkeypatch.setattr(services, "credibility_recompute", deadlocked_once)
    source_rating_create(entity=speaker, grade="A", rationale="Right every time.")

    with app.replace_connector(app.connector.get_worker_connector()):
        app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
        [retried] = ProcrastinateJob.objects.filter(task_name="credibility.regrade_chunk", status="todo")
        waited = retried.scheduled_at - timezone.now()
        _retry_at_once()
        app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)

    assert retried.attempts == 1 and datetime.timedelta(0) < waited <= datetime.timedelta(seconds=3)
    assert len(failures) == 1
    assert not PendingRegrade.objects.exists()
    assert set(ProcrastinateJob.objects.values_list("status", flat=True)) == {"succeeded"}
    assert sorted(Regrade.objects.values_list("claim_id", flat=True)) == claims


def _worker(log: Path) -> subprocess.Popen:
    """`manage.py procrastinate worker` on this test's database, quick to notice a silent worker."""
    db = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}},
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "claimtrack.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "REGRADE_CHUNK_SIZE": "10",  # the plan, in the worker, makes chunks of ten
        "REGRADE_WATCH_CRON": "* * * * * */1",  # every second
        "WORKER_HEARTBEAT_SECONDS": "0.5",
        "WORKER_STALLED_SECONDS": "2",
        "LOG_LEVEL": "INFO",
    }
    if db["HOST"].startswith("/"):  # the embedded server's socket folder
        env.update(
            DATABASE_URL=f"postgres://{db['USER']}@/{db['NAME']}", PGHOST=db["HOST"], PGPORT=str(db["PORT"])
        )
    return subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("a"),
    )


def _wait_for(condition, *, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting; the workers said: {log.read_text()[-3000:]}"
        time.sleep(0.05)


def test_a_worker_killed_halfway_through_a_fan_out_loses_no_claim_and_records_no_move_twice(
    transactional_db, settings, tmp_path
):
    settings.REGRADE_INLINE_MAX = 5
    seed_load(SEED_FIXTURE)
    speaker, claims = _fan_out_of(400)
    log = tmp_path / "workers.log"
    first = _worker(log)
    try:
        source_rating_create(entity=speaker, grade="A", rationale="Right every time.")
        # halfway: some chunks committed, some claims still waiting
        _wait_for(lambda: 0 < len(pending_claims()) < 300, seconds=120, log=log)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        left = len(pending_claims())
        stuck = ProcrastinateJob.objects.filter(status="doing").count()

        second = _worker(log)
        try:
            _wait_for(
                lambda: (
                    not PendingRegrade.objects.exists()
                    and not ProcrastinateJob.objects.filter(
                        status__in=["todo", "doing"], task_name__startswith="credibility.regrade_"
                    ).exists()
                ),
                seconds=120,
                log=log,
            )
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)

    print(f"killed with {left} of 400 claims waiting and {stuck} job(s) running; the second worker finished")
    assert 0 < left < 400
    assert credibility_recompute(claim_ids=claims) == [], "every claim carries the grade a regrade gives"
    moves = Counter(Regrade.objects.filter(claim__in=claims).values_list("claim_id", flat=True))
    assert sorted(moves) == claims and set(moves.values()) == {1}, "each claim moved once, recorded once"
    assert RegradeBatch.objects.get().finished_at is not None
    assert not ProcrastinateJob.objects.filter(status="failed").exists()
