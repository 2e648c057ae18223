"""`manage.py import_claimreview`: fact-checks in from schema.org ClaimReview JSON-LD."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.claims.claimreview_import import verdict_status
from apps.claims.models import Claim
from apps.credibility.models import Regrade, SourceRating
from apps.documents.models import Document
from apps.entities.models import Alias, Entity

ARABIC_CLAIM = "طالبان قطعتْ علاقتها بالقاعدة نهائيًّا منذ اتفاق الدوحة ـ ٢٠٢٠"


def review(
    claim: str,
    *,
    url: str | None = None,
    verdict: str = "False",
    date: str = "2024-03-05",
    claimant: dict | str | None = None,
    appearances: list | None = None,
    **extra,
) -> dict:
    """A ClaimReview as fact-checkers publish it."""
    node = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim,
        "datePublished": date,
        "author": {"@type": "Organization", "name": "Misbar", "url": "https://misbar.example"},
        "reviewRating": {
            "@type": "Rating",
            "alternateName": verdict,
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": claimant or {"@type": "Person", "name": "Zabihullah Mujahid"},
            "datePublished": "2024-02",
            "appearance": appearances
            if appearances is not None
            else [
                {
                    "@type": "NewsArticle",
                    "url": f"https://news.example/{abs(hash(claim)) % 10_000}",
                    "headline": "Spokesman: no foreign fighters in Afghanistan",
                    "datePublished": "2024-02-20",
                    "publisher": {"@type": "NewsMediaOrganization", "name": "Kabul Times"},
                }
            ],
        },
        **extra,
    }
    if url is not None:
        node["url"] = url
    return node


GOOD = [
    review("Al-Qaeda has no members left in Afghanistan.", url="https://misbar.example/1", verdict="False"),
    review(
        "The Taliban hosted a Chinese delegation in Kabul.",
        url="https://misbar.example/2",
        verdict="Mostly True",
    ),
    review(
        "The Doha agreement bars all foreign fighters.", url="https://misbar.example/3", verdict="Half True"
    ),
]


def write(path: Path, content) -> Path:
    path.write_text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False), "utf-8")
    return path


def run(*args) -> str:
    """Run the command; return what it printed. A rejection raises CommandError, as it exits 1."""
    out = StringIO()
    call_command("import_claimreview", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def run_rejected(*args) -> str:
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_claimreview", *map(str, args), stdout=out, stderr=StringIO())
    assert raised.value.returncode == 1
    return out.getvalue()


# --- a batch with a bad item --------------------------------------------------------------------


def test_three_good_reviews_import_and_the_bad_one_is_named_with_exit_status_1(db, tmp_path):
    bad = {"@type": "ClaimReview", "@id": "https://misbar.example/#broken", "url": "https://misbar.example/4"}
    path = write(tmp_path / "reviews.json", [GOOD[0], GOOD[1], bad, GOOD[2]])

    out = run_rejected(path)

    assert f"{path} item 3 ([2], @id https://misbar.example/#broken): no claimReviewed" in out
    assert "Created 3, skipped as duplicate 0, rejected 1." in out
    claims = {c.statement: c for c in Claim.objects.all()}
    assert set(claims) == {r["claimReviewed"] for r in GOOD}
    assert {c.publication for c in claims.values()} == {"draft"}
    assert [claims[r["claimReviewed"]].status for r in GOOD] == ["refuted", "corroborated", "disputed"]
    assert not Document.objects.filter(url="https://misbar.example/4").exists()  # nothing of it written


def test_the_review_is_a_document_citing_its_appearances_and_the_verdict_is_in_the_note(db, tmp_path):
    path = write(tmp_path / "one.json", GOOD[0])

    out = run(path)

    claim = Claim.objects.get()
    assert claim.status == "refuted" and claim.language == "en"
    assert claim.status_note.startswith(
        "Verdict «False», rated 1 on a scale of 1 (worst) to 5 (best), by Misbar, 2024-03-05 "
        "(https://misbar.example/1)."
    )
    assert "Claimed by Zabihullah Mujahid (2024-02)." in claim.status_note
    document = Document.objects.get(url="https://misbar.example/1")
    assert (document.body, document.kind, document.outlet.name, document.outlet.kind) == (
        "",
        "news_article",
        "Misbar",
        "outlet",
    )
    assert (document.published.isoformat(), document.published_precision) == ("2024-03-05", "day")
    [appearance] = document.cites.all()
    assert appearance.title == "Spokesman: no foreign fighters in Afghanistan"
    assert (appearance.published.isoformat(), appearance.published_precision, appearance.body) == (
        "2024-02-20",
        "day",
        "",
    )
    assert appearance.outlet.name == "Kabul Times" and appearance.kind == "news_article"
    assert Entity.objects.get(name="Zabihullah Mujahid").kind == "person"
    assert "1 recorded as documents known by reference, cited by their review" in out
    # graded as every claim is: no evidence, a refuted status
    assert claim.credibility_explanation


@pytest.mark.parametrize(
    ("date", "reason"),
    [
        ("2024-13-45", "bad datePublished '2024-13-45': expected YYYY, YYYY-MM or YYYY-MM-DD"),
        ("yesterday", "bad datePublished 'yesterday'"),
    ],
)
def test_a_bad_date_is_named_and_nothing_of_its_review_is_written(db, tmp_path, date, reason):
    bad = review("A claim with a bad date.", url="https://misbar.example/bad", date=date)
    path = write(tmp_path / "reviews.json", [GOOD[0], bad])

    out = run_rejected(path)

    assert f"{path} item 2 ([1]): {reason}" in out
    assert not Claim.objects.filter(statement="A claim with a bad date.").exists()
    assert Claim.objects.count() == 1


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        (review("x", url="not a web address"), "url 'not a web address' is not a web address"),
        (review("x", inLanguage="English language"), "inLanguage 'English language' is not a language tag"),
        (review("", url="https://misbar.example/empty"), "no claimReviewed"),
        ({**review("x"), "claimReviewed": 42}, "claimReviewed must be text, not a number"),
        (
            {**review("x"), "reviewRating": {"ratingValue": "very"}},
            "reviewRating.ratingValue must be a number",
        ),
        ({**review("x"), "reviewRating": 3}, "reviewRating must be a Rating object, not a number"),
        (review("x", claimant={"@type": "Person", "name": "n" * 301}), "itemReviewed.author name is longer"),
        (review("x", appearances=[42]), "itemReviewed.appearance[0] must be a web address or a CreativeWork"),
        ("just text", "expected a ClaimReview object, found text"),
    ],
)
def test_every_bad_value_is_named_in_words(db, tmp_path, node, reason):
    path = write(tmp_path / "bad.json", [node])

    out = run_rejected(path)

    assert f"{path} item 1 ([0]" in out and reason in out
    assert not Claim.objects.exists() and not Document.objects.exists() and not Entity.objects.exists()


def test_a_file_that_is_no_json_or_has_no_review_is_named(db, tmp_path):
    broken = write(tmp_path / "broken.json", '{"@type": "ClaimReview",')
    other = write(tmp_path / "other.json", {"@type": "NewsArticle", "headline": "h"})

    out = run_rejected(broken, other, tmp_path / "missing.json")

    assert f"{broken}: invalid JSON: Expecting property name enclosed in double quotes (line 1" in out
    assert f"{other}: no ClaimReview in it" in out
    assert f"{tmp_path / 'missing.json'}: no such file or folder" in out


def test_atomic_with_one_bad_review_writes_nothing_at_all(db, tmp_path):
    path = write(tmp_path / "reviews.json", [*GOOD, review("Bad date.", date="soon")])

    out = run_rejected(path, "--atomic")

    assert not Claim.objects.exists() and not Document.objects.exists() and not Entity.objects.exists()
    assert (
        "--atomic: rolled back, nothing written (would have created 3, skipped as duplicate 0, rejected 1)."
        in out
    )


def test_a_dry_run_checks_everything_and_writes_nothing(db, tmp_path):
    path = write(tmp_path / "reviews.json", GOOD)

    out = run(path, "--dry-run")

    assert not Claim.objects.exists() and not Document.objects.exists()
    assert f"{path} item 1 ([0]): would be created, draft, refuted" in out
    assert "Dry run, nothing written: would have created 3, skipped as duplicate 0, rejected 0." in out


# --- importing again ----------------------------------------------------------------------------


def test_a_second_import_of_the_same_file_creates_nothing_and_says_so(db, tmp_path):
    path = write(tmp_path / "reviews.json", GOOD)
    run(path)
    counts = (Claim.objects.count(), Document.objects.count(), Entity.objects.count())

    out = run(path)

    assert (Claim.objects.count(), Document.objects.count(), Entity.objects.count()) == counts == (3, 6, 3)
    assert f"{path} item 1 ([0]): skipped as duplicate: already imported: document #" in out
    assert "has the review's url https://misbar.example/1" in out
    assert "Created 0, skipped as duplicate 3, rejected 0." in out
    assert "Nothing new: every review is already in the database." in out


def test_a_review_without_url_is_known_again_by_its_claim_author_and_date(db, tmp_path):
    path = write(tmp_path / "no-url.json", review("No address for this one.", appearances=[]))
    run(path)

    out = run(path)

    assert Claim.objects.count() == 1 and Document.objects.count() == 1
    assert "skipped as duplicate: already imported: claim #" in out
    assert "is a review of the same author and date" in out


def test_the_same_review_twice_in_one_batch_is_created_once(db, tmp_path):
    path = write(tmp_path / "twice.json", [GOOD[0], GOOD[0]])

    out = run(path)

    assert Claim.objects.count() == 1
    assert f"{path} item 2 ([1]): skipped as duplicate: the same review as {path} item 1 ([0])" in out


def test_a_known_claimant_is_found_by_an_alias_and_not_created_again(db, tmp_path, make_entity):
    mujahid = make_entity(name="Zabihullah Mujahid", kind="person")
    Alias.objects.create(entity=mujahid, name="ذبيح الله مجاهد", language="ar")
    path = write(tmp_path / "r.json", review("x", url="https://misbar.example/x", claimant="ذبيح الله مجاهد"))

    run(path)

    assert Entity.objects.filter(kind="person").get() == mujahid
    assert "Claimed by ذبيح الله مجاهد" in Claim.objects.get().status_note


# --- the forms a ClaimReview comes in -----------------------------------------------------------


def test_a_single_object(db, tmp_path):
    run(write(tmp_path / "one.jsonld", GOOD[0]))

    assert Claim.objects.get().statement == GOOD[0]["claimReviewed"]


def test_an_array_and_an_at_graph(db, tmp_path):
    run(write(tmp_path / "array.json", GOOD[:2]), write(tmp_path / "graph.json", {"@graph": [GOOD[2]]}))

    assert Claim.objects.count() == 3


def test_a_data_feed_of_reviews_and_of_items_wrapping_them(db, tmp_path):
    feed = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [
            GOOD[0],
            {"@type": "DataFeedItem", "dateCreated": "2024-03-05", "item": GOOD[1]},
            {"@type": "DataFeedItem", "item": [GOOD[2]]},
        ],
    }
    path = write(tmp_path / "feed.json", feed)

    out = run(path)

    assert Claim.objects.count() == 3
    assert f"{path} item 2 (dataFeedElement[1].item): created" in out


def test_a_web_page_with_its_json_ld_blocks(db, tmp_path):
    page = f"""<!DOCTYPE html><html lang="ar"><head><title>تحقق</title>
<script type="application/ld+json">{json.dumps({"@type": "Organization", "name": "Misbar"})}</script>
<script type="application/ld+json; charset=utf-8">
{json.dumps(review(ARABIC_CLAIM, url="https://misbar.example/ar"), ensure_ascii=False)}
</script>
<script type="application/ld+json">{{ not json </script>
<script>var x = 1;</script>
</head><body><p>نص المقال</p></body></html>"""
    path = write(tmp_path / "page.html", page)

    out = run_rejected(path, "-v", "2")

    assert Claim.objects.get().statement == ARABIC_CLAIM
    assert f"{path} item 1 (script 1): left alone: Organization, not a ClaimReview" in out
    assert f"{path} (script 3): invalid JSON" in out


def test_arabic_text_is_kept_byte_for_byte_and_read_as_arabic(db, tmp_path):
    node = review(ARABIC_CLAIM, url="https://misbar.example/ar", verdict="زائف")
    path = tmp_path / "ar.json"
    path.write_bytes(json.dumps(node, ensure_ascii=False).encode("utf-8"))

    run(path)

    claim = Claim.objects.get()
    assert claim.statement.encode("utf-8") == ARABIC_CLAIM.encode("utf-8")
    assert (claim.language, claim.status) == ("ar", "refuted")
    assert "Verdict «زائف»" in claim.status_note


# --- the verdict read as a status ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "status"),
    [
        ("False", "refuted"),
        ("Pants on Fire!", "refuted"),
        ("Mostly false", "refuted"),
        ("Misleading", "refuted"),
        ("Incorrect", "refuted"),
        ("مضلل", "refuted"),
        ("True", "corroborated"),
        ("Mostly True", "corroborated"),
        ("Accurate", "corroborated"),
        ("Half True", "disputed"),
        ("Mixture", "disputed"),
        ("صحيح جزئياً", "disputed"),
        ("Unproven", "unverifiable"),
        ("Unverifiable", "unverifiable"),
        ("Satire", "unreviewed"),
        ("Disputed — doubtful (C4)", "disputed"),
        ("Refuted — possibly true (C3)", "refuted"),
        ("Corroborated — truth cannot be judged (F6)", "corroborated"),
        ("Not yet reviewed — confirmed by independent sources (B1)", "unreviewed"),
    ],
)
def test_a_verdict_in_words_is_read_as_a_status(words, status):
    assert verdict_status(words) == status


def test_without_words_the_rating_s_place_on_its_scale_decides():
    assert verdict_status(value=1, best=5, worst=1) == "refuted"
    assert verdict_status(value=5, best=5, worst=1) == "corroborated"
    assert verdict_status(value=3, best=5, worst=1) == "disputed"
    assert verdict_status(value=9, best=5, worst=1) == "unreviewed"  # off its own scale
    assert verdict_status() == "unreviewed"


# --- a round trip through the API's own ClaimReview ---------------------------------------------


def empty_the_database() -> None:
    Claim.objects.all().delete()
    Document.objects.all().delete()
    SourceRating.objects.all().delete()
    Regrade.objects.all().delete()
    Entity.objects.all().delete()


def test_a_claim_exported_as_claimreview_imports_into_an_empty_database_as_a_draft_of_same_status(
    seed, client, tmp_path, settings
):
    settings.CLAIMREVIEW_URL_TEMPLATE = "https://claimtrack.example.org/claims/{id}/"
    exported = client.get("/api/v1/claims/1/claimreview/").content
    feed = client.get("/api/v1/claimreview/", {"page_size": 200}).content
    originals = {
        c.statement: c.status
        for c in Claim.objects.filter(pk=1) | Claim.objects.exclude(status="unreviewed").published()
    }
    empty_the_database()

    out = run(
        write(tmp_path / "claim-1.jsonld", exported.decode()), write(tmp_path / "feed.json", feed.decode())
    )

    claims = {c.statement: c for c in Claim.objects.all()}
    assert {statement: claim.status for statement, claim in claims.items()} == originals
    assert {claim.publication for claim in claims.values()} == {"draft"}
    one = claims["The relationship between the Taliban and al-Qaeda remains close."]
    assert one.status == "unreviewed"
    review_document = Document.objects.get(url="https://claimtrack.example.org/claims/1/")
    # its six quotes are in four documents, known here by their titles only
    assert review_document.cites.count() == 4
    assert "the quoted text of" in out and "is not kept" in out


# --- progress -----------------------------------------------------------------------------------


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_a_large_batch_shows_a_progress_bar_on_a_terminal_only(db, tmp_path):
    many = [
        review(f"Claim number {n}.", url=f"https://misbar.example/{n}", appearances=[]) for n in range(60)
    ]
    path = write(tmp_path / "many.json", many)
    terminal, piped = Terminal(), StringIO()

    call_command("import_claimreview", str(path), stdout=StringIO(), stderr=terminal)
    call_command("import_claimreview", str(path), stdout=StringIO(), stderr=piped)

    assert Claim.objects.count() == 60
    assert "Importing" in terminal.getvalue() and "/60" in terminal.getvalue()
    assert piped.getvalue() == ""
