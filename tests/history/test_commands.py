"""A management command's writes are recorded as its own: the command's name, and `--by` a user."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.claims.models import Claim
from apps.core.history import object_history
from apps.documents.models import Document


def test_the_seed_is_recorded_as_the_seed_commands(db):
    call_command("seed", "--no-demo-editor", stdout=io.StringIO())

    claim = Claim.objects.order_by("pk").first()
    history = object_history(obj=claim)
    assert [(e.event, e.command, e.user_id, e.via) for e in history] == [
        ("insert", "seed", None, "manage.py seed")
    ]


def test_an_import_by_an_editor_is_recorded_with_the_editor(tmp_path, editor):
    (tmp_path / "report.txt").write_text("نص التقرير الأول", encoding="utf-8")

    call_command("import_documents", str(tmp_path), "--by", editor.username, stdout=io.StringIO())

    document = Document.objects.get()
    [entry] = object_history(obj=document)
    assert (entry.event, entry.username) == ("insert", editor.username)
    assert entry.via == "manage.py import_documents"


def test_an_unknown_by_user_is_refused_before_anything_is_written(tmp_path, db):
    (tmp_path / "report.txt").write_text("نص التقرير الأول", encoding="utf-8")

    with pytest.raises(CommandError, match="--by nobody: there is no user of that name"):
        call_command("import_documents", str(tmp_path), "--by", "nobody", stdout=io.StringIO())

    assert not Document.objects.exists()
