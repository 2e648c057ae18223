"""Changelists that read on a 1440 px screen with the sidebar open."""

from __future__ import annotations

from tests.browser.conftest import screenshot


def _width(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["width"]


def _right(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    return box["x"] + box["width"]


def test_the_claim_statement_column_is_wide_enough_to_read(editor_page):
    editor_page.goto(f"{editor_page.base}/admin/claims/claim/")

    screenshot(editor_page, "claims-changelist")

    # the statement is the first column, a th: the width rule must reach it
    assert _width(editor_page, "#result_list th.field-shown_statement") >= 400
    # every column on screen, none scrolled off under the filters
    filters = editor_page.locator("#changelist-filter").bounding_box()["x"]
    assert _right(editor_page, "#result_list thead th:last-child") <= filters


def test_the_attestation_list_shows_quote_claim_speaker_and_stance_on_screen(editor_page):
    editor_page.goto(f"{editor_page.base}/admin/claims/attestation/")

    screenshot(editor_page, "attestations-changelist")

    assert _width(editor_page, "#result_list th.field-shown_quote") >= 340
    # speaker and stance on screen, not scrolled off under the filters
    filters = editor_page.locator("#changelist-filter").bounding_box()["x"]
    assert _right(editor_page, "#result_list td.field-stance_shown") <= filters


def test_the_history_page_tells_a_change_in_words(editor_page):
    from apps.claims.models import Claim

    claim = Claim.objects.order_by("pk").first()
    page = editor_page
    page.goto(f"{page.base}/admin/claims/claim/{claim.pk}/change/")
    page.fill("#id_status_note", "Checked against the UN's own report.")
    page.click("input[name=_continue]")
    page.wait_for_selector("ul.messagelist")

    page.click("a.historylink")
    page.wait_for_selector("#content table, #content-main table")

    screenshot(page, "history")
    text = page.inner_text("#content")
    assert "browser-editor" in text and "Checked against the UN's own report." in text
    assert "pgh" not in text.lower()
