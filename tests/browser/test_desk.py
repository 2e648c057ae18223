"""The fact-checker's desk in Chromium: the queue as a landing page, a claim's timeline and relay
graph, a rating given where "unrated" shows, and the grade, the picture and the queue that follow."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from apps.claims.models import Claim, ClaimRelation
from apps.claims.services import relation_create
from tests.browser.conftest import screenshot

MONITORING_CENTRES = (
    68  # the seed's "German security forces have foiled several ISKP plots": one unrated root
)
TIES_REMAIN_CLOSE = 1
US_UNRATED = 143  # "The war against ISKP ended with ISKP driven out of its enclave …": the US, unrated


def _row(page, claim: int):
    return page.locator(f"#ct-desk tr#claim-{claim}")


def test_a_fact_checker_judges_from_the_queue_sees_the_pictures_and_rates_the_unrated_source(
    fact_checker_page,
):
    page = fact_checker_page
    expect(page.locator("#content h1")).to_contain_text("The desk")

    # dispute it from the queue itself, with its note
    page.fill("#id_q", f"#{MONITORING_CENTRES}")
    page.click("a[data-queue=unreviewed]")  # the tab keeps the search
    page.goto(f"{page.base}/admin/claims/claim/desk/?queue=unreviewed&q=%23{MONITORING_CENTRES}")
    row = _row(page, MONITORING_CENTRES)
    row.locator("summary").click()
    row.locator("select").select_option("disputed")
    row.locator("textarea").fill("Only an unnamed monitoring centre says so; no plot is named.")
    row.locator("input[type=submit][value=Save]").click()
    expect(page.locator("ul.messagelist")).to_contain_text(f"#{MONITORING_CENTRES} is now disputed")

    # it is in the disputed queue; open it
    page.click("a[data-queue=disputed]")
    row = _row(page, MONITORING_CENTRES)
    expect(row).to_contain_text("Only an unnamed monitoring centre")
    expect(row.locator("td").nth(2)).to_contain_text("F4")
    row.locator(f"a[href$='/claims/claim/{MONITORING_CENTRES}/change/']").first.click()

    timeline = page.locator("figure.ct-timeline svg")
    graph = page.locator("figure.ct-relays svg")
    expect(timeline).to_be_visible()
    expect(graph).to_be_visible()
    expect(page.locator(".ct-credibility .ct-pair").first).to_have_text("F4")
    expect(graph).to_contain_text("unrated")

    # rate the unrated source from the graph, and come back to the claim
    graph.locator("a.ct-rate").first.click()
    expect(page.locator("#content h1")).to_contain_text("Rate")
    page.check("input[name=grade][value=A]")
    page.fill("#id_rationale", "Its ISKP reporting has been borne out by arrests.")
    page.click("input[type=submit][value='Add this rating']")
    page.wait_for_url(re.compile(rf"/admin/claims/claim/{MONITORING_CENTRES}/change/"))

    expect(page.locator("ul.messagelist")).to_contain_text("is now rated A")
    expect(page.locator(".ct-credibility .ct-pair").first).to_have_text("A4")
    expect(page.locator("figure.ct-relays svg")).to_contain_text("rated A")
    expect(page.locator("figure.ct-relays svg")).not_to_contain_text("unrated")

    # and the queue shows the new pair
    page.goto(f"{page.base}/admin/claims/claim/desk/?queue=disputed")
    expect(_row(page, MONITORING_CENTRES).locator("td").nth(2)).to_contain_text("A4")


def test_the_timeline_and_graph_of_ties_remain_close_show_the_four_un_articles_as_one_source(
    fact_checker_page,
):
    page = fact_checker_page

    page.goto(f"{page.base}/admin/claims/claim/{TIES_REMAIN_CLOSE}/change/")

    timeline = page.locator("figure.ct-timeline")
    graph = page.locator("figure.ct-relays")
    timeline.scroll_into_view_if_needed()
    screenshot(page, "claim-timeline")
    timeline.screenshot(path=str(screenshot(page, "timeline").with_name("timeline.png")))
    graph.screenshot(path=str(screenshot(page, "relay-graph").with_name("relay-graph.png")))
    expect(timeline.locator("svg")).to_be_visible()
    expect(graph.locator("svg")).to_be_visible()
    # the text alternative: one source for the UN family, reached from four articles
    sources = graph.locator("ul.ct-alt-sources > li[data-source]")
    # (in a closed <details>: read as text, not as rendered)
    names = [sources.nth(i).locator("strong").first.text_content() for i in range(sources.count())]
    un = [name for name in names if name.startswith("United Nations")]
    assert len(un) == 1, names
    un_source = sources.filter(has_text="United Nations")
    documents = {
        re.sub(r"\s+", " ", text)
        for text in un_source.locator("li[data-attestation]").all_text_contents()
        for text in [text.split(" → ")[0]]
    }
    assert len(documents) >= 4, documents


def test_a_rating_given_from_the_comparison_changes_the_grade_shown(fact_checker_page):
    page = fact_checker_page
    claim = Claim.objects.get(pk=US_UNRATED)
    before = claim.get_credibility_display()

    page.goto(f"{page.base}/admin/claims/claim/compare/?ids={US_UNRATED}")
    side = page.locator(f"#claim-{US_UNRATED}")
    expect(side.locator(".ct-grade").first).to_contain_text(before)
    side.locator("h3 a", has_text="rate").first.click()
    page.check("input[name=grade][value=A]")
    page.fill("#id_rationale", "Its statements on the withdrawal have held up.")
    page.click("input[type=submit][value='Add this rating']")
    page.wait_for_url(re.compile(r"/admin/claims/claim/compare/"))

    claim.refresh_from_db()
    side = page.locator(f"#claim-{US_UNRATED}")
    assert claim.get_credibility_display() != before
    expect(side.locator(".ct-grade").first).to_contain_text(claim.get_credibility_display())
    expect(page.locator("ul.messagelist")).to_contain_text(f"#{US_UNRATED} from")
    screenshot(page, "compare-after-rating")


def test_the_queue_lists_a_newly_contradicted_claim_and_assigns_it(fact_checker_page):
    page = fact_checker_page
    kunar = Claim.objects.get(pk=22)  # new training facilities in Kunar and Nuristan
    denial = Claim.objects.create(
        statement="Al-Qaeda has no training facilities in Kunar.", publication=Claim.Publication.PUBLISHED
    )
    Claim.objects.filter(pk=kunar.pk).update(status=Claim.Status.UNREVIEWED)
    relation_create(from_claim=denial, to_claim=kunar, kind=ClaimRelation.Kind.CONTRADICTS)

    page.goto(f"{page.base}/admin/claims/claim/desk/?queue=contradicted")

    row = _row(page, denial.pk)
    expect(row).to_contain_text("contradicted")
    expect(row).to_contain_text(f"#{kunar.pk}")
    row.locator("input[type=submit][value='Assign to me']").click()
    expect(page.locator("ul.messagelist")).to_contain_text(f"#{denial.pk} is assigned to browser-checker")
    expect(_row(page, denial.pk).locator("td.ct-assignee")).to_contain_text("Sara Haddad")
    page.select_option("#id_assignee", "me")
    page.click("input[type=submit][value=Filter]")
    expect(page.locator("#ct-desk tbody tr")).to_have_count(1)
    screenshot(page, "desk")
    page.locator("#content").screenshot(path=str(screenshot(page, "desk").with_name("desk-queue.png")))


def test_arabic_reads_right_to_left_for_a_fact_checker_and_notes_are_shown_whole(fact_checker_page):
    page = fact_checker_page
    attestation = Claim.objects.get(pk=60).attestations.order_by("pk").first()

    page.goto(f"{page.base}/admin/claims/attestation/{attestation.pk}/change/")
    quote = page.locator(".field-quote div.readonly")
    box = quote.bounding_box()
    line = quote.evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el);"
        " const rects = [...r.getClientRects()]; return rects[0] && rects[0].right; }"
    )
    assert box["x"] + box["width"] - line < 4, "a read-only Arabic quote starts at the right"

    # an entity's aliases, read-only for a fact-checker: each Arabic one from the right of its cell
    page.goto(f"{page.base}/admin/entities/entity/1/change/")
    gaps = page.locator("td.field-name p").evaluate_all(
        "cells => cells.filter(p => /^[\u0600-\u06ff]/.test(p.textContent.trim())).map(p => {"
        " const r = document.createRange(); r.selectNodeContents(p);"
        " return p.getBoundingClientRect().right - r.getBoundingClientRect().right; })"
    )
    assert gaps and max(gaps) < 20, gaps  # the cell's padding, not a line's width

    page.goto(f"{page.base}/admin/claims/claim/60/change/")
    note = page.locator("#id_status_note")
    hidden = note.evaluate("el => el.scrollHeight - el.clientHeight")
    assert hidden <= 2, "the status note is shown whole"
    screenshot(page, "claim-60-review")
