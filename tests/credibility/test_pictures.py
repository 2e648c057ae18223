"""The fact-checker's two pictures: a claim's quotes on a time axis and the relays behind them, as
inline SVG with a text alternative, on the claim's page and in the comparison."""

from __future__ import annotations

import datetime
import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.core.models import DatePrecision
from apps.credibility.pictures import (
    FAMILIES,
    claim_relay_graph,
    claim_timeline,
    relay_graph_layout,
    render_relay_graph,
    render_timeline,
    timeline_layout,
)
from apps.credibility.services import credibility_recompute

TIES_REMAIN_CLOSE = "The relationship between the Taliban and al-Qaeda remains close."
POMPEO_BROKE = "The Taliban have succeeded in breaking with terrorist groups."
# the four articles that relay the UN Monitoring Team's reports (fixtures/seed.json)
FOUR_ARTICLES = [
    "طالبان تواصل دعم القاعدة",
    'كيف تمتنت العلاقات بين "طالبان" و"القاعدة" في أفغانستان؟',
    "العلاقة بين طالبان والقاعدة",
    "داعش والقاعدة يتفرعان ويكتسبان قوة في عهد طالبان",
]
QUOTE = "طالبان قطعت علاقاتها مع القاعدة"


@pytest.fixture
def ties(seed) -> Claim:
    return Claim.objects.get(statement=TIES_REMAIN_CLOSE)


def claim_page(client, user, claim: Claim) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert response.status_code == 200
    return response.content.decode()


def figure(html: str, css: str) -> str:
    """The first <figure> of this class: its SVG and its text alternative."""
    match = re.search(rf'<figure class="ct-picture {css}".*?</figure>', html, re.S)
    assert match, f"no {css} figure"
    return match.group(0)


def text_alternative(html: str) -> str:
    """What a screen reader (or a test) reads in the <details> after the picture, tags stripped."""
    details = re.search(r"<details.*?</details>", html, re.S).group(0)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", details)))


# --- on the claim's page --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "fact_checker"])
def test_the_claim_page_draws_its_timeline_and_relay_graph_inline(ties, client, role, request):
    html = claim_page(client, request.getfixturevalue(role), ties)

    for css in ("ct-timeline", "ct-relays"):
        drawn = figure(html, css)
        assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in drawn
        assert re.search(r'viewBox="0 0 \d+ [\d.]+"', drawn) and "max-width:100%" in drawn
        assert "<title id=" in drawn and "<desc id=" in drawn
        assert "<details" in drawn, "a text alternative for screen readers and print"


def test_the_four_articles_relaying_the_un_lead_to_one_united_nations_source(ties, editor):
    graph = claim_relay_graph(claim=ties, user=editor)

    un = [node for node in graph.groups if node.label.startswith("United Nations")]
    assert len(un) == 1, [node.label for node in graph.groups]
    reaching = graph.chains_to(un[0].key)
    titles = {graph.nodes[chain.keys[0]].label for chain in reaching}
    assert titles == set(FOUR_ARTICLES)
    # through the Monitoring Team: one root, the member of the UN family the quotes name
    roots = {key for chain in reaching for key in chain.keys if key.startswith("root:")}
    assert [graph.nodes[key].label for key in roots] == [
        "UN Analytical Support and Sanctions Monitoring Team"
    ]


def test_the_text_alternative_lists_the_four_articles_under_the_one_un_source(ties, editor, client):
    drawn = figure(claim_page(client, editor, ties), "ct-relays")

    words = text_alternative(drawn)
    sources = re.findall(r'<li data-source="([^"]+)">', drawn)
    assert len([s for s in sources if s.startswith("source:affirms:entity:")]) == 2  # the UN, al-Najjar
    un = re.search(
        r"United Nations — affirms; rated B; counted toward the grade; 4 quotes, one independent source:",
        words,
    )
    assert un, words
    un_item = re.search(
        r'<li data-source="source:affirms:entity:\d+"><strong><bdi>United Nations</bdi>.*?</ol>', drawn, re.S
    )
    for title in FOUR_ARTICLES:
        assert f"in <bdi>{escape(title)}</bdi>" in un_item.group(0)


def test_hisham_al_najjar_is_a_second_source_and_the_taliban_denial_is_interested(ties, editor):
    graph = claim_relay_graph(claim=ties, user=editor)

    by_label = {node.label: node for node in graph.groups}
    assert set(by_label) == {"United Nations", "Hisham al-Najjar", "Taliban"}
    assert by_label["Hisham al-Najjar"].group.counted
    assert by_label["Hisham al-Najjar"].group.stance == Attestation.Stance.AFFIRMS
    taliban = by_label["Taliban"].group
    assert taliban.stance == Attestation.Stance.DENIES and not taliban.counted and taliban.interested
    assert taliban.role_words == "not counted: rated D or E; the claim's own subject"
    emir = [graph.nodes[k].label for chain in graph.chains_to(by_label["Taliban"].key) for k in chain.keys]
    assert "Hibatullah Akhundzada" in emir


def test_the_taliban_denial_is_marked_interested_in_the_picture_and_its_words(ties, editor, client):
    drawn = figure(claim_page(client, editor, ties), "ct-relays")

    assert (
        "Taliban — denies; rated E; not counted: rated D or E; the claim's own subject"
        in text_alternative(drawn)
    )
    assert re.search(
        r'<g class="ct-node ct-source ct-denies ct-role-rated-low" data-key="source:denies:entity:\d+">',
        drawn,
    )


def test_counted_sources_are_drawn_apart_from_those_not_counted(ties, editor):
    layout = relay_graph_layout(claim_relay_graph(claim=ties, user=editor), next_path="/here/")

    counted_band, other_band = layout["bands"]
    assert counted_band["css"] == "ct-band-counted" and other_band["css"] == "ct-band-other"

    def inside(box, band) -> bool:
        return band["y"] <= box["y"] and box["y"] + box["h"] <= band["y"] + band["h"]

    sources = {b["node"].label: b for b in layout["boxes"] if b["node"].column == FAMILIES}
    assert inside(sources["United Nations"], counted_band) and inside(
        sources["Hisham al-Najjar"], counted_band
    )
    assert inside(sources["Taliban"], other_band) and not inside(sources["Taliban"], counted_band)


def test_an_arabic_label_is_drawn_right_to_left(ties, editor, client):
    drawn = figure(claim_page(client, editor, ties), "ct-relays")

    first_words = FOUR_ARTICLES[0].split()[0]
    arabic = re.findall(r"<text [^>]*>([^<]*)</text>", drawn)
    lines = re.findall(r'<text [^>]*direction="rtl" unicode-bidi="embed"[^>]*>([^<]*)</text>', drawn)
    assert any(first_words in line for line in lines), arabic[:10]
    assert not any("outlet unknown" in line for line in lines), "English stays left to right"


# --- the timeline --------------------------------------------------------------------------------


def test_a_year_precision_date_is_the_whole_year_not_its_first_day(ties, editor):
    timeline = claim_timeline(claims=[ties], user=editor)
    layout = timeline_layout(timeline)

    marks = {m.document: m for m in timeline.lanes[0].marks}
    year = marks["العلاقة بين طالبان والقاعدة"]  # published in 2023, month unknown
    assert (year.start, year.end, year.date_display) == (
        datetime.date(2023, 1, 1),
        datetime.date(2023, 12, 31),
        "2023",
    )
    assert year.is_span
    drawn = [s for s in layout["marks"] if s["mark"] is year]
    assert drawn and all(s["kind"] == "rect" and s["width"] > 50 for s in drawn)
    day = marks['كيف تمتنت العلاقات بين "طالبان" و"القاعدة" في أفغانستان؟']  # 5 June 2021
    assert (day.start, day.end, day.date_display) == (datetime.date(2021, 6, 5),) * 2 + ("5 June 2021",)
    assert [s["kind"] for s in layout["marks"] if s["mark"] is day] == ["circle"]


def test_a_year_is_drawn_as_a_span_in_the_page(ties, editor, client):
    drawn = figure(claim_page(client, editor, ties), "ct-timeline")

    assert re.search(
        r'<rect class="ct-mark ct-affirms" [^>]*data-start="2023-01-01" data-end="2023-12-31"', drawn
    )
    assert re.search(
        r'<circle class="ct-mark ct-affirms" [^>]*data-start="2021-06-05" data-end="2021-06-05"', drawn
    )
    assert "2023-01-01 to 2023-12-31" in text_alternative(drawn)


def test_a_month_precision_quote_spans_its_month_and_its_hover_says_so(make_attestation, editor):
    attestation = make_attestation(QUOTE, stated_on=datetime.date(2023, 6, 1), stated_on_precision="month")

    mark = claim_timeline(claims=[attestation.claim], user=editor).lanes[0].marks[0]

    assert (mark.start, mark.end) == (datetime.date(2023, 6, 1), datetime.date(2023, 6, 30))
    assert mark.hover.startswith("June 2023 · affirms")
    assert f"«{QUOTE}»" in mark.hover


def test_the_validity_band_is_drawn_when_the_claim_has_a_period(make_claim, make_attestation, editor):
    claim = make_claim(
        valid_from=datetime.date(2020, 3, 1),
        valid_from_precision=DatePrecision.MONTH,
        valid_until=datetime.date(2022, 1, 1),
        valid_until_precision=DatePrecision.YEAR,
    )
    make_attestation(QUOTE, claim=claim, stated_on=datetime.date(2021, 5, 2))
    timeless = make_claim("It has always been so.")

    html = render_timeline(claim_timeline(claims=[claim, timeless], user=editor))

    bands = re.findall(r'<rect class="ct-band" [^>]*data-start="([^"]*)" data-end="([^"]*)"', html)
    assert bands == [("2020-03-01", "2022-12-31")], "one band, for the claim with a period only"
    assert "holds: 2020-03 – 2022" in html and "period: not given" in html


def test_an_undated_quote_is_listed_apart_as_date_unknown(make_attestation, editor):
    attestation = make_attestation(QUOTE)  # its document has no date and it has none of its own

    html = render_timeline(claim_timeline(claims=[attestation.claim], user=editor))

    assert re.search(r'<rect class="ct-mark ct-affirms ct-undated" [^>]*data-start="" data-end=""', html)
    assert "date unknown" in text_alternative(html)


def test_time_flows_right_to_left_in_a_right_to_left_language(ties, editor):
    timeline = claim_timeline(claims=[ties], user=editor)

    def x_of(layout, label):
        return next(t.x for t in layout["texts"] if t.text == label)

    ltr, rtl = timeline_layout(timeline), timeline_layout(timeline, rtl=True)
    assert x_of(ltr, "2020") < x_of(ltr, "2024")
    assert x_of(rtl, "2020") > x_of(rtl, "2024")
    with translation.override("ar"):
        html = render_timeline(timeline)
    ticks = {
        year: float(x) for x, year in re.findall(r'<text x="([\d.]+)" [^>]*class="ct-tick">(\d{4})<', html)
    }
    assert ticks["2024"] < ticks["2020"]


def test_the_timeline_leaves_out_drafts_for_whoever_may_not_see_them(
    make_claim, make_attestation, django_user_model
):
    published = make_attestation(QUOTE).claim
    draft = make_claim("A draft.", publication=Claim.Publication.DRAFT)
    viewer = django_user_model.objects.create_user(username="viewer", password="pw-for-tests-only")

    timeline = claim_timeline(claims=[published, draft], user=viewer)

    assert [lane.claim.pk for lane in timeline.lanes] == [published.pk]
    assert claim_relay_graph(claim=draft, user=viewer).chains == []


# --- rating what is unrated ---------------------------------------------------------------------


@pytest.fixture
def unrated_speaker(make_entity, make_claim, make_attestation):
    """A claim one unrated speaker affirms."""
    soufan = make_entity("The Soufan Group")
    claim = make_claim("Al-Qaeda is in Kunar.")
    make_attestation(QUOTE, claim=claim, speaker=soufan)
    credibility_recompute(claim_ids=[claim.pk])
    claim.refresh_from_db()
    return claim, soufan


def test_an_unrated_source_links_to_rating_it_and_back_from_the_claim_page(
    unrated_speaker, fact_checker, client
):
    claim, soufan = unrated_speaker
    page = reverse("admin:claims_claim_change", args=[claim.pk])

    drawn = figure(claim_page(client, fact_checker, claim), "ct-relays")

    rate = reverse("admin:entities_entity_rate", args=[soufan.pk]) + "?" + urlencode({"next": page})
    assert f'<a href="{escape(rate)}" class="ct-rate">' in drawn
    assert ">unrated — rate</text>" in drawn
    assert f'<a href="{escape(rate)}">unrated — rate</a>' in drawn, "and in the text alternative"


def test_an_unrated_source_links_to_rating_it_and_back_from_the_comparison(unrated_speaker, editor_client):
    claim, soufan = unrated_speaker
    compare = reverse("admin:claims_claim_compare") + f"?conflicts_of={claim.pk}"

    html = editor_client.get(compare).content.decode()

    rate = reverse("admin:entities_entity_rate", args=[soufan.pk]) + "?" + urlencode({"next": compare})
    assert f'<a href="{escape(rate)}">unrated — rate</a>' in html  # in the heading and the graph's words
    heading = re.search(r'<h3 dir="auto">Affirmed by.*?</h3>', html, re.S).group(0)
    assert "unrated — rate" in heading


# --- the comparison -----------------------------------------------------------------------------


def test_the_comparison_shows_one_timeline_with_a_lane_per_claim_and_a_graph_per_column(ties, editor_client):
    pompeo = Claim.objects.get(statement=POMPEO_BROKE)
    conflicts = ClaimRelation.objects.filter(kind="contradicts")
    assert (
        conflicts.filter(from_claim=ties, to_claim=pompeo).exists()
        or conflicts.filter(from_claim=pompeo, to_claim=ties).exists()
    )

    response = editor_client.get(reverse("admin:claims_claim_compare") + f"?conflicts_of={ties.pk}")

    html = response.content.decode()
    shown = [side.claim.pk for side in response.context["sides"]]
    assert len(shown) >= 2
    assert html.count('<figure class="ct-picture ct-timeline"') == 1
    timeline = figure(html, "ct-timeline")
    captions = re.findall(r'<caption dir="auto"><a href="/admin/claims/claim/(\d+)/change/">', timeline)
    assert [int(pk) for pk in captions] == shown, "one lane per claim, in the comparison's order"
    assert html.count('<figure class="ct-picture ct-relays"') == len(shown)
    for pk in shown:
        column = re.search(rf'<section class="ct-side" id="claim-{pk}">.*?</section>', html, re.S).group(0)
        assert f'id="ct-relays-{pk}-c"' in column


# --- queries ---------------------------------------------------------------------------------------


def _claim_with_quotes(n: int, make_claim, make_entity, make_document, make_attestation) -> Claim:
    """A claim quoted in n articles, each by its own speaker relaying its own UN report."""
    un = make_entity("United Nations")
    claim = make_claim(f"Claim quoted {n} times.")
    for i in range(n):
        report = make_document(body="", title=f"UN report {i}", language="en", outlet=un)
        article = make_document(published=datetime.date(2020 + i % 4, 1, 1), published_precision="year")
        speaker = make_entity(f"Speaker {i}", kind="person")
        make_attestation(QUOTE, claim=claim, document=article, speaker=speaker, origin_document=report)
    credibility_recompute(claim_ids=[claim.pk])
    claim.refresh_from_db()
    return claim


def test_the_pictures_run_as_many_queries_for_30_quotes_as_for_3(
    make_claim, make_entity, make_document, make_attestation, editor
):
    few = _claim_with_quotes(3, make_claim, make_entity, make_document, make_attestation)
    many = _claim_with_quotes(30, make_claim, make_entity, make_document, make_attestation)
    editor.has_perm("claims.view_draft")  # the user's permissions, read once for the request

    counts = []
    for claim in (few, many):
        with CaptureQueriesContext(connection) as queries:
            render_timeline(claim_timeline(claims=[claim], user=editor))
            render_relay_graph(claim_relay_graph(claim=claim, user=editor), next_path="/here/")
        counts.append(len(queries))

    # timeline: 1 claims 2 attestations+documents+outlets+speakers;
    # graph: 1 attestations+documents+outlets+speakers+origins 2 documents' authors 3 origin documents'
    # authors 4 the roots' current ratings
    assert counts[0] == counts[1] <= 6, counts
