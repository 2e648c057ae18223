"""The document workspace in a real browser: select text, save, see it highlighted, no reload."""

from __future__ import annotations

import pytest

from apps.claims.models import Attestation, Claim
from apps.documents.models import Document
from tests.browser.conftest import screenshot

# a body where code points and UTF-16 units part ways before the quote: an emoji (two units), a
# combining mark (its own code point) and a letter with a shadda
TRICKY = "مقدمة 🙂 قصيرة. شدَّة وعلامة e\u0301 هنا.\nقال الباحث إن القاعدة ما زالت في كونار 🙂 بعد ذلك.\n"
QUOTE = "إن القاعدة ما زالت في كونار"

SELECT = """([needle, occurrence]) => {
  // select the n-th occurrence of a text in the workspace body, across its segments, as a mouse would
  const body = document.getElementById("ct-ws-body");
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = "";
  while (walker.nextNode()) {
    nodes.push([walker.currentNode, text.length]);
    text += walker.currentNode.data;
  }
  let at = -1;
  for (let i = 0; i <= occurrence; i++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error("not in the body: " + needle);
  const place = (offset) => {
    for (const [node, start] of nodes) if (offset <= start + node.data.length) return [node, offset - start];
  };
  const range = document.createRange();
  range.setStart(...place(at));
  range.setEnd(...place(at + needle.length));
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  body.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
}"""


def select(page, needle: str, occurrence: int = 0) -> None:
    page.evaluate(SELECT, [needle, occurrence])


def open_workspace(page, document: Document) -> None:
    page.goto(f"{page.base}/admin/documents/document/{document.pk}/workspace/")
    page.wait_for_selector("#ct-ws-body span, #ct-ws-body mark")
    # set once: a page reload would lose it
    page.evaluate("window.ctNotReloaded = true")


def test_every_recorded_quote_is_highlighted_in_the_arabic_body(editor_page):
    document = _seed_article("000")
    open_workspace(editor_page, document)

    shot = screenshot(editor_page, "workspace-arabic")

    ids = set()
    for value in editor_page.eval_on_selector_all(
        "#ct-ws-body mark", "marks => marks.map(m => m.dataset.ids)"
    ):
        ids.update(int(pk) for pk in value.split())
    assert ids == set(document.attestations.values_list("pk", flat=True))
    assert editor_page.get_attribute("#ct-ws-body", "dir") == "rtl"
    # the page's text is the body as stored, character for character
    assert editor_page.eval_on_selector("#ct-ws-body", "el => el.textContent") == document.body
    assert shot.exists()


def _seed_article(number: str) -> Document:
    return Document.objects.filter(body__isnull=False).exclude(body="").order_by("pk")[int(number)]


def test_a_selection_is_saved_with_exact_code_point_offsets_and_highlighted_without_a_reload(
    editor_page, make_claim
):
    document = Document.objects.create(title="نص تجريبي", language="ar", body=TRICKY)
    claim = Claim.objects.create(statement="Al-Qaeda is still in Kunar.", publication="published")
    open_workspace(editor_page, document)

    select(editor_page, QUOTE)
    editor_page.wait_for_selector("#ct-ws-form:not([hidden])")
    assert editor_page.inner_text("#ct-ws-quote") == QUOTE
    editor_page.fill("#ct-ws-claim-search", "Kunar")
    editor_page.wait_for_selector(f"#ct-ws-claim-{claim.pk}")
    editor_page.check(f"#ct-ws-claim-{claim.pk}")
    editor_page.press("#ct-ws-note", "Enter")

    editor_page.wait_for_selector(".ct-ws-status")
    [saved] = Attestation.objects.filter(document=document)
    assert (saved.start, saved.end) == (TRICKY.index(QUOTE), TRICKY.index(QUOTE) + len(QUOTE))
    assert TRICKY[saved.start : saved.end] == saved.quote == QUOTE
    assert editor_page.evaluate("window.ctNotReloaded") is True
    marked = editor_page.eval_on_selector_all(
        f'#ct-ws-body mark[data-ids~="{saved.pk}"]', "ms => ms.map(m => m.textContent).join('')"
    )
    assert marked == QUOTE
    screenshot(editor_page, "workspace-saved")


def test_a_panel_opened_before_another_editors_change_is_refused(editor_page):
    document = _seed_article("000")
    attestation = document.attestations.order_by("start").first()
    open_workspace(editor_page, document)
    editor_page.click(f'#ct-ws-body mark[data-ids~="{attestation.pk}"]')
    editor_page.wait_for_selector("#ct-ws-form:not([hidden])")

    # another editor saves the same quote meanwhile
    attestation.note = "changed by someone else"
    attestation.save()
    editor_page.fill("#ct-ws-note", "mine")
    editor_page.click("#ct-ws-save")

    editor_page.wait_for_selector("#ct-ws-errors:not([hidden])")
    assert "Someone else changed" in editor_page.inner_text("#ct-ws-errors")
    attestation.refresh_from_db()
    assert attestation.note == "changed by someone else"


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_workspace_reads_in_the_documents_direction(editor_page, language):
    body = "The report says al-Qaeda is still in Kunar." if language == "en" else TRICKY
    document = Document.objects.create(title=f"A {language} text", language=language, body=body)

    open_workspace(editor_page, document)
    screenshot(editor_page, f"workspace-{language}")

    assert editor_page.get_attribute("#ct-ws-body", "dir") == ("rtl" if language == "ar" else "ltr")


def test_five_quotes_of_a_new_arabic_article_take_at_most_twenty_clicks_and_no_reload(editor_page):
    # a new article repeating five passages the seed has already recorded for five claims
    seen, picked = set(), []
    for a in Attestation.objects.filter(document=_seed_article("002")).order_by("start"):
        if a.claim_id not in seen and 25 <= len(a.quote) <= 120 and a.claim.publication == "published":
            seen.add(a.claim_id)
            picked.append(a)
        if len(picked) == 5:
            break
    body = "مقال جديد.\n" + "\n".join(f"وقال المقال: {a.quote}." for a in picked) + "\n"
    document = Document.objects.create(title="مقال جديد عن القاعدة", language="ar", body=body)
    page = editor_page
    open_workspace(page, document)
    clicks = 0

    for n, a in enumerate(picked):
        select(page, a.quote)  # one drag of the mouse
        clicks += 1
        choice = f"#ct-ws-claims #ct-ws-claim-{a.claim_id}"
        page.wait_for_selector(choice)  # the claim is among the suggestions for the passage
        if n == 1:
            screenshot(page, "workspace-panel")
        page.click(choice)
        clicks += 1
        if n == 0:
            page.select_option("#ct-ws-speaker", index=0)  # opening the list and choosing
            clicks += 2
        page.press(choice, "Enter")
        page.wait_for_selector(".ct-ws-status")
        page.wait_for_function(f"document.querySelectorAll('#ct-ws-body mark').length >= {n + 1}")

    screenshot(page, "workspace-five-quotes")
    assert clicks <= 20
    assert page.evaluate("window.ctNotReloaded") is True
    recorded = {(x.claim_id, x.quote) for x in Attestation.objects.filter(document=document)}
    assert recorded == {(a.claim_id, a.quote) for a in picked}
    for x in Attestation.objects.filter(document=document):
        assert body[x.start : x.end] == x.quote
