"""`manage.py import_documents`: new articles from text files, web pages and JSON lines."""

from __future__ import annotations

import datetime
import hashlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.documents.models import Document
from apps.entities.models import Alias, Entity

SEEDS = Path(settings.BASE_DIR) / "fixtures" / "seeds"  # byte copies of ../shared/seeds
SEED_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed.json"

ARTICLE = (
    "قال المتحدث باسم طالبان إن الحركة لا تسمح لأي جماعة باستخدام أراضي أفغانستان.\n"
    "وأضاف أن اتفاق الدوحة ما زال ساريا."
)
OTHER_ARTICLE = "ذكر تقرير أممي أن تنظيم القاعدة أقام معسكرات تدريب جديدة في كونار.\n"

PAGE = """<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<title>تقرير أممي: طالبان ما زالت على صلة وثيقة بالقاعدة | أخبار العالم</title>
<meta property="article:published_time" content="2023-06-05T09:30:00+03:00">
</head>
<body>
<header><nav><ul>
<li><a href="/">الرئيسية</a></li><li><a href="/world">العالم</a></li>
<li><a href="/sport">رياضة</a></li><li><a href="/contact">اتصل بنا</a></li>
</ul></nav></header>
<main><article>
<h1>تقرير أممي: طالبان ما زالت على صلة وثيقة بالقاعدة</h1>
<p>قال فريق الرصد التابع للأمم المتحدة في تقرير جديد إن العلاقة بين حركة طالبان وتنظيم القاعدة ما زالت
وثيقة، وإن التنظيم أقام معسكرات تدريب جديدة في ولايتي كونار ونورستان.</p>
<p>وأضاف التقرير أن عدد عناصر القاعدة في أفغانستان يتراوح بين 30 و60 عنصرا أساسيا، وأن قادة التنظيم
يتنقلون بين عدة ولايات بحماية من الحركة.</p>
<p>في المقابل، نفى المتحدث باسم طالبان ذبيح الله مجاهد وجود أي عناصر أجنبية على الأراضي الأفغانية،
مؤكدا أن الحركة ملتزمة باتفاق الدوحة.</p>
</article></main>
<footer><p>جميع الحقوق محفوظة © 2023 أخبار العالم</p><a href="/privacy">سياسة الخصوصية</a></footer>
</body>
</html>
"""


def run(*args: str | Path) -> tuple[str, str]:
    """Run the command; return (stdout, stderr). A rejection raises CommandError, as it exits 1."""
    stdout, stderr = StringIO(), StringIO()
    call_command("import_documents", *map(str, args), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def run_rejected(*args: str | Path) -> str:
    """Run a command expected to reject something; return its stdout."""
    stdout, stderr = StringIO(), StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_documents", *map(str, args), stdout=stdout, stderr=stderr)
    assert raised.value.returncode == 1
    return stdout.getvalue()


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def jsonl(*lines: dict | str) -> str:
    return "".join(
        (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the seed corpus --------------------------------------------------------------------


def test_the_seed_files_are_all_duplicates_of_the_seeded_documents(seed):
    before = Document.objects.count()

    out, _ = run(*sorted(SEEDS.glob("*.txt")))

    assert Document.objects.count() == before
    assert "Created 0, skipped as duplicate 5, rejected 0." in out
    for path in sorted(SEEDS.glob("*.txt")):
        original = Document.objects.get(body_sha256=sha256(path.read_bytes()))
        assert f"{path}: skipped as duplicate of document #{original.pk}" in out
    assert "Nothing new" in out


def test_the_seed_files_import_into_an_empty_database_with_the_fixtures_hashes(db):
    fixture = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    fixture_hashes = {
        row["fields"]["body_sha256"]
        for row in fixture
        if row["model"] == "documents.document" and row["fields"]["body"]
    }

    out, err = run(SEEDS)

    assert "Created 5, skipped as duplicate 0, rejected 0." in out
    assert set(Document.objects.values_list("body_sha256", flat=True)) == fixture_hashes
    for path in sorted(SEEDS.glob("*.txt")):
        document = Document.objects.get(body_sha256=sha256(path.read_bytes()))
        assert document.body == path.read_text(encoding="utf-8")  # bytes → text, nothing else
        first_line = path.read_text(encoding="utf-8").splitlines()[0].strip()
        assert len(document.title) <= 200
        assert first_line.startswith(document.title.removesuffix("…"))
        assert (document.language, document.kind) == ("ar", Document.Kind.NEWS_ARTICLE)
    assert err == ""


def test_importing_the_same_files_again_changes_nothing_and_says_so(db):
    run(SEEDS)
    before = list(Document.objects.values("pk", "title", "body", "updated"))

    out, _ = run(SEEDS)

    assert list(Document.objects.values("pk", "title", "body", "updated")) == before
    assert "Created 0, skipped as duplicate 5, rejected 0." in out
    assert "Nothing new: every document is already in the database." in out


def test_folders_are_read_recursively_in_sorted_order_passing_over_sidecars_and_hidden_files(db, tmp_path):
    write(tmp_path / "b" / "2.txt", "ثاني")
    write(tmp_path / "b" / "1.txt", "أول")
    write(tmp_path / "a.txt", "ثالث")
    write(tmp_path / "a.json", json.dumps({"title": "عنوان"}))
    write(tmp_path / "README.md", "# notes")
    write(tmp_path / ".hidden" / "x.txt", "مخفي")

    out, _ = run(tmp_path)

    lines = [line for line in out.splitlines() if "created" in line]
    assert [line.split(":")[0] for line in lines] == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "b" / "1.txt"),
        str(tmp_path / "b" / "2.txt"),
    ]
    assert f"Ignored (not .txt, .html, .htm or .jsonl): {tmp_path / 'README.md'}" in out
    assert not Document.objects.filter(body="مخفي").exists()


# --- what is stored ---------------------------------------------------------------------


def test_a_text_body_is_stored_byte_for_byte_crlf_and_surrounding_blanks_included(db, tmp_path):
    raw = "\n  عنوان المقال  \r\nقال المتحدث: «لا علاقة لنا بالقاعدة».\r\n\r\n".encode()
    path = write(tmp_path / "crlf.txt", raw)

    run(path)

    document = Document.objects.get()
    assert document.body.encode("utf-8") == raw
    assert document.body_sha256 == sha256(raw)
    assert document.title == "عنوان المقال"


def test_a_utf8_byte_order_mark_is_not_part_of_the_body(db, tmp_path):
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbf" + ARTICLE.encode())

    run(path)

    assert Document.objects.get().body == ARTICLE


def test_a_title_missing_everywhere_is_the_body_s_first_line_cut_after_a_word_within_200_characters(
    db, tmp_path
):
    long_line = "كلمة " * 60
    write(tmp_path / "long.txt", f"\n\n{long_line}\nبقية النص")

    run(tmp_path)

    title = Document.objects.get().title
    assert len(title) <= 200
    assert title == "كلمة " * 39 + "كلمة…"  # cut after a whole word


def test_options_give_metadata_to_every_text_file(db, tmp_path, make_entity):
    outlet = make_entity("Al Jazeera", kind=Entity.Kind.OUTLET)
    write(tmp_path / "one.txt", ARTICLE)
    write(tmp_path / "two.txt", OTHER_ARTICLE)

    run(
        tmp_path, "--outlet", str(outlet.pk), "--published", "2021-08", "--kind", "report", "--language", "ar"
    )

    assert Document.objects.count() == 2
    for document in Document.objects.all():
        assert document.outlet == outlet
        assert (document.published, document.published_precision) == (datetime.date(2021, 8, 1), "month")
        assert (document.kind, document.language) == ("report", "ar")


def test_a_sidecar_json_gives_a_text_file_its_metadata_and_wins_over_the_options(db, tmp_path, make_entity):
    outlet = make_entity("Asharq Al-Awsat", kind=Entity.Kind.OUTLET)
    Alias.objects.create(entity=outlet, name="الشرق الأوسط", language="ar")
    path = write(tmp_path / "article.txt", ARTICLE)
    write(
        tmp_path / "article.json",
        json.dumps(
            {
                "title": "طالبان تنفي",
                "outlet": "الشرق الأوسط",
                "published": "2021-06-05",
                "url": "https://example.org/a",
            },
            ensure_ascii=False,
        ),
    )

    run(path, "--title", "عنوان من سطر الأوامر", "--published", "2020", "--language", "fa")

    document = Document.objects.get()
    assert document.title == "طالبان تنفي"
    assert document.outlet == outlet
    assert (document.published, document.published_precision) == (datetime.date(2021, 6, 5), "day")
    assert document.url == "https://example.org/a"
    assert document.language == "fa"  # the sidecar does not say, so the option does


def test_a_web_page_gives_its_title_date_and_main_text_without_menus_or_footer(db, tmp_path):
    path = write(tmp_path / "page.html", PAGE)

    out, _ = run(path)

    document = Document.objects.get()
    assert document.title == "تقرير أممي: طالبان ما زالت على صلة وثيقة بالقاعدة"
    assert (document.published, document.published_precision) == (datetime.date(2023, 6, 5), "day")
    assert "أقام معسكرات تدريب جديدة في ولايتي كونار ونورستان" in document.body
    assert "نفى المتحدث باسم طالبان ذبيح الله مجاهد" in document.body
    for boilerplate in ("الرئيسية", "اتصل بنا", "جميع الحقوق محفوظة", "سياسة الخصوصية"):
        assert boilerplate not in document.body
    assert f"{path}: created #{document.pk}" in out


def test_json_lines_carry_their_own_metadata(db, tmp_path, make_entity):
    outlet = make_entity("Al-Ahed News", kind=Entity.Kind.OUTLET)
    Alias.objects.create(entity=outlet, name="موقع العهد", language="ar")
    lines = jsonl(
        {
            "body": ARTICLE,
            "title": "طالبان والقاعدة",
            "url": "https://example.org/1",
            "outlet": outlet.pk,
            "published": "2021-06",
        },
        {
            "body": OTHER_ARTICLE,
            "outlet": "موقع العهد",
            "published": "2023-06-14",
            "published_precision": "year",
        },
        {"body": "UN report summary.", "language": "en", "kind": "report"},
    )
    path = write(tmp_path / "batch.jsonl", lines)

    out, _ = run(path)

    first, second, third = (
        Document.objects.get(body=body) for body in (ARTICLE, OTHER_ARTICLE, "UN report summary.")
    )
    assert (first.title, first.url, first.outlet) == ("طالبان والقاعدة", "https://example.org/1", outlet)
    assert (first.published, first.published_precision) == (datetime.date(2021, 6, 1), "month")
    assert second.title == "ذكر تقرير أممي أن تنظيم القاعدة أقام معسكرات تدريب جديدة في كونار."
    assert (second.outlet, second.published, second.published_precision) == (
        outlet,
        datetime.date(2023, 1, 1),
        "year",
    )
    assert (third.language, third.kind, third.outlet, third.published) == ("en", "report", None, None)
    assert f"{path}:2: created #{second.pk}" in out


def test_a_body_twice_in_one_batch_is_created_once(db, tmp_path):
    write(tmp_path / "a.txt", ARTICLE)
    write(tmp_path / "b.jsonl", jsonl({"body": OTHER_ARTICLE}, {"body": ARTICLE, "title": "نسخة"}))

    out, _ = run(tmp_path)

    original = Document.objects.get(body=ARTICLE)
    assert Document.objects.count() == 2
    assert f"{tmp_path / 'b.jsonl'}:2: skipped as duplicate of document #{original.pk}" in out
    assert "Created 2, skipped as duplicate 1, rejected 0." in out


# --- bad input --------------------------------------------------------------------------

GOOD_LINE = {"body": OTHER_ARTICLE}
BAD = "نص"  # the body of every bad document below


@pytest.mark.parametrize(
    ("name", "content", "where", "reason", "good_in_file"),
    [
        ("cp1256.txt", BAD.encode("cp1256"), "", "not UTF-8 text", 0),
        ("empty.txt", b"", "", "the body is empty", 0),
        ("blank.txt", b" \n\t\r\n", "", "the body is only whitespace", 0),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "", "a binary file (it contains NUL bytes)", 0),
        ("page.html", f"<html><head><title>{BAD}</title></head><body></body></html>", "", "no main text", 0),
        ("bad.jsonl", jsonl(GOOD_LINE, {"body": "مقال ثان"}, f'{{"body": "{BAD}",'), ":3", "invalid JSON", 2),
        ("no-body.jsonl", jsonl(GOOD_LINE, {"title": BAD}), ":2", 'no "body"', 1),
        ("number-body.jsonl", jsonl({"body": 42}), ":1", '"body" must be a string, not a number', 0),
        ("nul-body.jsonl", jsonl({"body": BAD + "\u0000"}), ":1", "the body contains a NUL character", 0),
        ("outlet.jsonl", jsonl({"body": BAD, "outlet": "قناة لا وجود لها"}), ":1", "unknown outlet «قناة", 0),
        ("date.jsonl", jsonl({"body": BAD, "published": "2023-13-40"}), ":1", "bad date '2023-13-40'", 0),
        (
            "precision.jsonl",
            jsonl({"body": BAD, "published": "2023", "published_precision": "day"}),
            ":1",
            "published_precision 'day' is finer than the date '2023'",
            0,
        ),
        ("key.jsonl", jsonl({"body": BAD, "date": "2023"}), ":1", "unknown key(s) 'date'", 0),
        (
            "kind.jsonl",
            jsonl({"body": BAD, "kind": "tweet"}),
            ":1",
            "kind: Value 'tweet' is not a valid choice.",
            0,
        ),
        ("url.jsonl", jsonl({"body": BAD, "url": "not an address"}), ":1", "url: Enter a valid URL.", 0),
        ("notes.pdf", b"%PDF-1.7", "", "not a .txt, .html, .htm or .jsonl file", 0),
    ],
)
def test_a_bad_file_is_rejected_naming_it_and_writes_nothing_for_it(
    db, tmp_path, name, content, where, reason, good_in_file
):
    bad = write(tmp_path / name, content)
    good = write(tmp_path / "good.txt", ARTICLE)

    out = run_rejected(good, bad)

    assert f"{bad}{where}: {reason}" in out
    assert "rejected 1." in out
    assert Document.objects.filter(body=ARTICLE).exists()
    assert Document.objects.exclude(body=ARTICLE).count() == good_in_file  # its good lines only
    assert not Document.objects.filter(body__startswith=BAD).exists()


def test_an_outlet_name_two_entities_share_is_rejected_as_ambiguous(db, tmp_path, make_entity):
    first, second = make_entity("Al-Ahed", kind=Entity.Kind.OUTLET), make_entity("العهد")
    Alias.objects.create(entity=second, name="Al-Ahed")
    path = write(tmp_path / "a.jsonl", jsonl({"body": ARTICLE, "outlet": "Al-Ahed"}))

    out = run_rejected(path)

    assert f"{path}:1: ambiguous outlet «Al-Ahed»: entities #{first.pk}, #{second.pk} have that name" in out
    assert not Document.objects.exists()


def test_a_bad_sidecar_rejects_its_document_naming_both_files(db, tmp_path):
    path = write(tmp_path / "article.txt", ARTICLE)
    write(tmp_path / "article.json", '{"title": "عنوان", }')

    out = run_rejected(path)

    assert f"{path}: sidecar article.json: invalid JSON" in out
    assert not Document.objects.exists()


def test_a_missing_path_is_rejected(db, tmp_path):
    out = run_rejected(tmp_path / "nowhere.txt")

    assert f"{tmp_path / 'nowhere.txt'}: no such file or folder" in out


def test_a_bad_option_stops_the_import_before_anything_is_read(db, tmp_path):
    write(tmp_path / "a.txt", ARTICLE)

    with pytest.raises(CommandError, match="outlet: unknown outlet «لا أحد»"):
        run(tmp_path, "--outlet", "لا أحد")

    assert not Document.objects.exists()


def test_atomic_with_one_bad_file_writes_nothing_at_all(db, tmp_path):
    write(tmp_path / "1.txt", ARTICLE)
    write(tmp_path / "2.jsonl", jsonl(GOOD_LINE, {"body": "نص", "published": "yesterday"}))
    write(tmp_path / "3.txt", "نص ثالث صحيح")

    out = run_rejected(tmp_path, "--atomic")

    assert not Document.objects.exists()
    assert f"{tmp_path / '2.jsonl'}:2: bad date 'yesterday'" in out
    assert (
        "--atomic: rolled back, nothing written (would have created 3, skipped as duplicate 0, rejected 1)."
        in out
    )


def test_atomic_without_a_rejection_imports_everything(db, tmp_path):
    write(tmp_path / "1.txt", ARTICLE)
    write(tmp_path / "2.jsonl", jsonl(GOOD_LINE))

    run(tmp_path, "--atomic")

    assert Document.objects.count() == 2


def test_a_dry_run_checks_everything_and_writes_nothing(db, tmp_path, make_document):
    existing = make_document(body=ARTICLE)
    write(tmp_path / "1.txt", ARTICLE)
    write(tmp_path / "2.jsonl", jsonl(GOOD_LINE, GOOD_LINE, {"body": "نص", "kind": "tweet"}))
    write(tmp_path / "3.html", PAGE)

    out = run_rejected(tmp_path, "--dry-run")

    assert list(Document.objects.all()) == [existing]
    assert f"{tmp_path / '1.txt'}: skipped as duplicate of document #{existing.pk}" in out
    assert (
        f"{tmp_path / '2.jsonl'}:2: skipped as duplicate of {tmp_path / '2.jsonl'}:1 (earlier in this batch)"
        in out
    )
    assert f"{tmp_path / '2.jsonl'}:3: kind: Value 'tweet' is not a valid choice." in out
    assert f"{tmp_path / '3.html'}: would be created «تقرير أممي" in out
    assert "Dry run, nothing written: would have created 2, skipped as duplicate 2, rejected 1." in out


# --- progress ---------------------------------------------------------------------------


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_a_large_batch_shows_a_progress_bar_on_a_terminal_only(db, tmp_path):
    path = write(tmp_path / "many.jsonl", jsonl(*({"body": f"المقال رقم {n}"} for n in range(60))))
    terminal = Terminal()

    call_command("import_documents", str(path), stdout=StringIO(), stderr=terminal)
    _, piped = run(path)
    hidden = Terminal()
    call_command("import_documents", str(path), "--no-progress", stdout=StringIO(), stderr=hidden)

    assert Document.objects.count() == 60
    assert "Importing" in terminal.getvalue()
    assert "/60" in terminal.getvalue()
    assert piped == ""
    assert hidden.getvalue() == ""
