"""Quotes are anchored exactly: body[start:end] == quote, found when not given."""

import pytest
from django.core.exceptions import ValidationError

from apps.claims.anchoring import nearest_passages, quote_anchor
from apps.claims.models import Attestation
from apps.claims.services import attestation_create, document_replace_body
from tests.conftest import BODY, ROOT

SEEDS = ROOT / "fixtures" / "seeds"


def seed_body(number: str) -> str:
    """The body of a seed article, as the seed corpus stores it."""
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


def quote_error(body: str, quote: str, **offsets) -> str:
    with pytest.raises(ValidationError) as error:
        quote_anchor(body=body, quote=quote, **offsets)
    return error.value.message_dict["quote"][0]


def test_offsets_are_found_from_the_quote(make_attestation):
    attestation = make_attestation(quote="القاعدة ما زالت في كونار")

    assert BODY[attestation.start : attestation.end] == "القاعدة ما زالت في كونار"


def test_given_offsets_are_checked_against_the_body(make_claim, make_document):
    document = make_document()
    start = BODY.index("كونار")

    with pytest.raises(ValidationError) as error:
        attestation_create(
            claim=make_claim(), document=document, quote="كونار", start=start + 1, end=start + 6
        )

    assert "quote" in error.value.message_dict
    assert str(start) in error.value.message_dict["quote"][0]  # says where the quote really is
    assert not Attestation.objects.exists()


def test_a_quote_not_in_the_body_is_refused(make_claim, make_document):
    with pytest.raises(ValidationError) as error:
        attestation_create(claim=make_claim(), document=make_document(), quote="داعش خراسان")

    assert "quote" in error.value.message_dict


def test_a_quote_with_another_hamza_form_is_not_the_same_text(make_claim, make_document):
    document = make_document(body="أفغانستان")

    with pytest.raises(ValidationError):
        attestation_create(claim=make_claim(), document=document, quote="افغانستان")


def test_an_ambiguous_quote_must_be_disambiguated(make_claim, make_document):
    document = make_document()
    claim = make_claim()

    with pytest.raises(ValidationError) as error:
        attestation_create(claim=claim, document=document, quote="القاعدة")
    second = BODY.index("القاعدة", BODY.index("القاعدة") + 1)
    attestation = attestation_create(claim=claim, document=document, quote="القاعدة", start=second)

    message = error.value.message_dict["start"][0]
    assert "2 times" in message and str(second) in message
    assert (attestation.start, attestation.end) == (second, second + len("القاعدة"))


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (len(BODY) - 1, len(BODY) + 4), (10, 10)])
def test_offsets_out_of_range_are_refused(start, end):
    with pytest.raises(ValidationError):
        quote_anchor(body=BODY, quote="abcd", start=start, end=end)


def test_a_document_without_body_cannot_anchor_a_quote(make_claim, make_document):
    report = make_document(body="", title="UN report known by reference", language="en", kind="report")

    with pytest.raises(ValidationError) as error:
        attestation_create(claim=make_claim(), document=report, quote="anything")

    assert "document" in error.value.message_dict


def test_a_body_with_anchored_quotes_cannot_change_silently(make_attestation):
    document = make_attestation().document
    document.body = "وقال التقرير إن القاعدة ما زالت في كونار."

    with pytest.raises(ValidationError) as error:
        document.full_clean()

    assert "body" in error.value.message_dict


def test_replacing_a_body_moves_every_quote_to_its_new_place(make_attestation):
    attestation = make_attestation()
    new_body = "مقدمة جديدة. " + BODY

    document_replace_body(document=attestation.document, body=new_body)

    attestation.refresh_from_db()
    attestation.document.refresh_from_db()
    assert new_body[attestation.start : attestation.end] == attestation.quote
    assert attestation.document.body == new_body


def test_replacing_a_body_that_drops_a_quote_changes_nothing(make_attestation):
    attestation = make_attestation()

    with pytest.raises(ValidationError) as error:
        document_replace_body(document=attestation.document, body="وقال التقرير إن القاعدة ما زالت في كونار.")

    attestation.document.refresh_from_db()
    assert attestation.document.body == BODY
    assert f"#{attestation.pk}" in error.value.message_dict["body"][0]


def test_the_body_hash_is_computed_not_taken(make_document):
    document = make_document(body="نص")

    document.body_sha256 = "f" * 64
    document.save()

    document.refresh_from_db()
    assert document.body_sha256 == "e01176c2a05916f0c103f3bb3c47ee50b07f7c3c6b7c90271b07df4b44692edd"


# a quote pasted from elsewhere, the seed article it comes from, its text there, how they differ
NEAR_MISSES = [
    pytest.param(
        "000",
        "سيطرت حركة طالبان على الحكم في افغانستان",
        "سيطرت حركة طالبان على الحكم في أفغانستان",
        "letter forms",
        id="alef-without-hamza",
    ),
    pytest.param(
        "000", "ظلت العلاقه بين طالبان", "ظلت العلاقة بين طالبان", "letter forms", id="heh-for-taa-marbuta"
    ),
    pytest.param(
        "004", "لتنظيم القاعدة الذى ضيع", "لتنظيم القاعدة الذي ضيع", "letter forms", id="alef-maqsura-for-yeh"
    ),
    pytest.param("004", "مطار کابل", "مطار كابل", "letter forms", id="persian-kaf"),
    pytest.param("000", "سيطرت حركة  طالبان", "سيطرت حركة طالبان", "whitespace", id="doubled-space"),
    pytest.param(
        "001",
        'و"القاعدة". واعتبرت المجموعة',
        'و"القاعدة". \xa0\n\nواعتبرت المجموعة',
        "whitespace",
        id="one-space-for-nbsp-and-newlines",
    ),
    pytest.param(
        "001",
        "تحدثت مجموعة «صوفان» عن تقرير",
        'تحدثت مجموعة "صوفان" عن تقرير',
        "punctuation",
        id="guillemets-for-straight-quotes",
    ),
    pytest.param(
        "000",
        "حكومة طالبان «متعاونين» أو «مرتبطين»",
        "حكومة طالبان “متعاونين” أو “مرتبطين”",
        "punctuation",
        id="guillemets-for-curly-quotes",
    ),
    pytest.param("000", "في أفغانستان, حيث", "في أفغانستان، حيث", "punctuation", id="latin-comma"),
    pytest.param(
        "001",
        "هو ما ذكر عن رفض شخصيات",
        "هو ما ذُكر عن رفض شخصيات",
        "diacritics or tatweel",
        id="missing-damma",
    ),
    pytest.param(
        "004", "طالبان وريثا لتنظيم", "طالبان وريثًا لتنظيم", "diacritics or tatweel", id="missing-fathatan"
    ),
    pytest.param("001", 'التابع ل"داعش"', 'التابع لـ"داعش"', "diacritics or tatweel", id="missing-tatweel"),
    pytest.param("000", "الذي قتل في 31 يوليو", "الذي قتل في ٣١ يوليو", "digits", id="ascii-digits"),
]


@pytest.mark.parametrize(("seed", "pasted", "passage", "difference"), NEAR_MISSES)
def test_a_near_miss_names_the_bodys_own_passage_and_its_offsets(seed, pasted, passage, difference):
    body = seed_body(seed)
    start = body.index(passage)

    message = quote_error(body, pasted)

    assert f"«{passage}» at characters {start}–{start + len(passage)} (differs in: {difference})" in message


@pytest.mark.parametrize(("seed", "pasted", "passage", "difference"), NEAR_MISSES)
def test_the_passage_offered_anchors_where_it_was_said_to_be(seed, pasted, passage, difference):
    body = seed_body(seed)
    (miss,) = nearest_passages(body=body, quote=pasted)

    anchor = quote_anchor(body=body, quote=miss.text)

    assert (miss.text, miss.differences) == (passage, (difference,))
    assert (anchor.start, anchor.end) == (miss.start, miss.end)


def test_a_near_miss_in_a_document_is_an_error_on_the_quote(make_claim, make_document):
    document = make_document(body=seed_body("000"))
    passage = "سيطرت حركة طالبان على الحكم في أفغانستان"

    with pytest.raises(ValidationError) as error:
        attestation_create(
            claim=make_claim(), document=document, quote="سيطرت حركة طالبان على الحكم في افغانستان"
        )
    attestation = attestation_create(claim=make_claim(), document=document, quote=passage)

    assert list(error.value.message_dict) == ["quote"]
    assert (
        f"«{passage}» at characters 45–85 (differs in: letter forms)" in error.value.message_dict["quote"][0]
    )
    assert (attestation.start, attestation.end) == (45, 85)


def test_a_quote_that_differs_in_several_ways_names_each():
    body = seed_body("004")

    message = quote_error(body, "تراه طالبان وريثا لتنظيم القاعدة الذى ضيع")

    assert "«تراه طالبان وريثًا لتنظيم القاعدة الذي ضيع»" in message
    assert "(differs in: letter forms, diacritics or tatweel)" in message


def test_a_near_miss_found_in_several_places_lists_each():
    body = seed_body("001")
    passage = 'بين "طالبان" و"القاعدة"'
    starts = [at for at in range(len(body)) if body.startswith(passage, at)]

    message = quote_error(body, "بين «طالبان» و«القاعدة»")

    assert len(starts) == 3
    assert "3 passages like it" in message
    for n, start in enumerate(starts, start=1):
        assert f"{n}) «{passage}» at characters {start}–{start + len(passage)}" in message


def test_a_quote_with_words_changed_is_shown_the_closest_passage_and_its_similarity():
    body = seed_body("000")

    message = quote_error(body, "ظلت العلاقة بين حركة طالبان و تنظيم القاعدة وثيقة جدا")

    assert (
        "The closest passage of the body is «ظلت العلاقة بين طالبان والقاعدة وثيقة» at characters 0–37"
        in message
    )
    assert "% similar)" in message


@pytest.mark.parametrize(
    "quote",
    [
        "قال الرئيس الأمريكي إن الاقتصاد ينمو بسرعة كبيرة هذا العام",
        "The quick brown fox jumps over the lazy dog.",
    ],
)
def test_a_quote_nothing_like_the_body_says_so(quote):
    message = quote_error(seed_body("003"), quote)

    assert "No passage of the body is close to it" in message
    assert "«" not in message


def test_given_offsets_of_a_near_miss_point_to_the_bodys_passage():
    body = seed_body("000")

    message = quote_error(body, "الذي قتل في 31 يوليو", start=1270)

    assert "«الذي قتل في ٣١ يوليو» at characters 1270–1290 (differs in: digits)" in message


def test_an_ambiguous_quote_lists_each_occurrence_numbered_with_its_context():
    with pytest.raises(ValidationError) as error:
        quote_anchor(body=BODY, quote="القاعدة")
    first, second = BODY.index("القاعدة"), BODY.rindex("القاعدة")

    message = error.value.message_dict["start"][0]
    assert f"1) start={first} (characters {first}–{first + 7}): …" in message
    assert f"2) start={second} (characters {second}–{second + 7}): …" in message
    assert "وقال التقرير إن [القاعدة] ما زالت" in message


def test_a_quote_with_a_no_break_space_and_newlines_is_stored_as_pasted(make_attestation, make_document):
    quote = 'و"القاعدة". \xa0\n\nواعتبرت المجموعة'

    attestation = make_attestation(quote=quote, document=make_document(body=seed_body("001")))

    attestation.refresh_from_db()
    assert attestation.quote == quote
    assert attestation.document.body[attestation.start : attestation.end] == quote
