"""W3C Web Annotation, PROV-O and CSV out: the seed's quotes as annotations on their documents' text,
a claim's relay chains as provenance, and every quote as a spreadsheet row. The JSON-LD is expanded by
a JSON-LD processor (PyLD), the W3C's annotation context served from tests/fixtures/w3c/ (no network)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from pyld import jsonld

from apps.claims.models import Attestation, Claim
from apps.credibility import export
from apps.credibility.roots import attestation_root
from apps.entities.models import Entity

TIES_REMAIN_CLOSE = "The relationship between the Taliban and al-Qaeda remains close."
ANNO_CONTEXT = Path(__file__).resolve().parent.parent / "fixtures" / "w3c" / "anno.jsonld"
OA = "http://www.w3.org/ns/oa#"
PROV = "http://www.w3.org/ns/prov#"
RDF_VALUE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#value"
XSD_NON_NEGATIVE = "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"
BODY = (
    "قال المتحدث باسم الحركة في مؤتمر صحفي عقده في كابل يوم الأحد 𝟙𝟚 إن طالبان قطعت علاقاتها مع القاعدة "
    "نهائيا، وأضاف أن الحركة لن تسمح لأي جماعة باستخدام أراضي أفغانستان ضد دول أخرى."
)


def anno_loader(url: str, options=None) -> dict:
    """Serve the W3C's annotation context; refuse anything else (no network in tests)."""
    if url.replace("https://", "http://") != "http://www.w3.org/ns/anno.jsonld":
        raise jsonld.JsonLdError(
            f"no network in tests: {url}", "jsonld.LoadDocumentError", code="loading document failed"
        )
    document = json.loads(ANNO_CONTEXT.read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


def expand(document: dict) -> list[dict]:
    return jsonld.expand(document, {"documentLoader": anno_loader})


def values(node: dict, term: str) -> list:
    return [item.get("@value", item.get("@id")) for item in node.get(term, [])]


def the(node: dict, term: str):
    found = values(node, term)
    assert len(found) == 1, (term, found)
    return found[0]


@pytest.fixture
def ties_remain_close(seed) -> Claim:
    return Claim.objects.get(statement=TIES_REMAIN_CLOSE)


@pytest.fixture
def draft_quote(make_claim, make_attestation) -> Attestation:
    return make_attestation(claim=make_claim("A draft claim.", publication=Claim.Publication.DRAFT))


# --- W3C Web Annotation -----------------------------------------------------------------------


def test_every_quote_of_the_ties_remain_close_claim_expands_as_an_annotation_with_its_text_and_offsets(
    api_client, ties_remain_close, assert_documented
):
    quotes = list(ties_remain_close.attestations.select_related("document"))
    assert len(quotes) == 6

    for quote in quotes:
        response = api_client.get(f"/api/v1/attestations/{quote.pk}/annotation/")

        assert response.status_code == 200
        assert response["Content-Type"] == 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
        assert_documented(response)
        [annotation] = expand(json.loads(response.content))
        assert annotation["@type"] == [OA + "Annotation"]
        assert the(annotation, OA + "motivatedBy") == OA + "identifying"
        [target] = annotation[OA + "hasTarget"]
        assert the(target, OA + "hasSource").endswith(f"/api/v1/documents/{quote.document_id}/")
        selectors = {s["@type"][0]: s for s in target[OA + "hasSelector"]}
        text, position = selectors[OA + "TextQuoteSelector"], selectors[OA + "TextPositionSelector"]
        body = quote.document.body
        assert the(text, OA + "exact") == quote.quote == body[quote.start : quote.end]
        assert the(text, OA + "prefix") == body[max(0, quote.start - 32) : quote.start]
        assert the(text, OA + "suffix") == body[quote.end : quote.end + 32]
        assert position[OA + "start"] == [{"@value": quote.start, "@type": XSD_NON_NEGATIVE}]
        assert position[OA + "end"] == [{"@value": quote.end, "@type": XSD_NON_NEGATIVE}]
        claim_body = next(b for b in annotation[OA + "hasBody"] if OA + "hasSource" in b)
        assert the(claim_body, OA + "hasSource").endswith(f"/api/v1/claims/{ties_remain_close.pk}/")
        assert the(claim_body, OA + "hasPurpose") == OA + "identifying"
        tagged = [b for b in annotation[OA + "hasBody"] if values(b, OA + "hasPurpose") == [OA + "tagging"]]
        assert {the(b, RDF_VALUE) for b in tagged} == {quote.stance, quote.modality}
        # who recorded the quote is the newsroom's business
        assert "http://purl.org/dc/terms/creator" not in annotation


def test_prefix_and_suffix_are_32_code_points_and_stop_at_the_edges_of_the_body(
    api_client, make_document, make_attestation
):
    document = make_document(body=BODY, url="https://example.org/kabul")
    middle = make_attestation(quote="إن طالبان قطعت علاقاتها مع القاعدة", document=document)
    first = make_attestation(quote="قال المتحدث", document=document)
    last = make_attestation(quote="ضد دول أخرى.", document=document)

    shown = {
        quote.pk: api_client.get(f"/api/v1/attestations/{quote.pk}/annotation/").json()["target"]
        for quote in (middle, first, last)
    }

    text = shown[middle.pk]["selector"][0]
    # the prefix holds two mathematical digits outside the BMP: code points, not UTF-16 units
    assert text["prefix"] == BODY[middle.start - 32 : middle.start] and "𝟙𝟚" in text["prefix"]
    assert len(text["prefix"]) == len(text["suffix"]) == 32
    assert shown[first.pk]["selector"][0]["prefix"] == ""
    assert shown[last.pk]["selector"][0]["suffix"] == ""
    start = BODY.index(middle.quote)
    assert shown[middle.pk]["selector"][1] == {
        "type": "TextPositionSelector",
        "start": start,
        "end": start + len(middle.quote),
    }
    assert shown[middle.pk]["source"]["via"] == "https://example.org/kabul"
    assert shown[middle.pk]["source"]["textDirection"] == "rtl"


def test_a_drafts_quote_is_no_annotation_for_a_reader_but_is_one_for_an_editor(
    api_client, editor_api_client, draft_quote
):
    for url in [
        f"/api/v1/attestations/{draft_quote.pk}/annotation/",
        f"/api/v1/claims/{draft_quote.claim_id}/annotations/",
        f"/api/v1/claims/{draft_quote.claim_id}/provenance/",
    ]:
        assert api_client.get(url).status_code == 404, url
        assert editor_api_client.get(url).status_code == 200, url


def test_a_claims_quotes_are_a_collection_with_its_first_page_embedded_in_three_queries(
    api_client, ties_remain_close, make_claim, make_attestation
):
    small = make_attestation(claim=make_claim("One quote only.")).claim

    with CaptureQueriesContext(connection) as six:
        collection = api_client.get(f"/api/v1/claims/{ties_remain_close.pk}/annotations/").json()
    with CaptureQueriesContext(connection) as one:
        api_client.get(f"/api/v1/claims/{small.pk}/annotations/")

    # 1 the claim  2 the count of its quotes  3 the page: quotes, claim, document, prefix and suffix
    assert len(six) == len(one) == 3
    assert collection["type"] == "AnnotationCollection" and collection["total"] == 6
    assert collection["first"]["type"] == "AnnotationPage" and len(collection["first"]["items"]) == 6
    [expanded] = expand(collection)
    assert expanded["@type"] == ["http://www.w3.org/ns/activitystreams#OrderedCollection"]


def test_the_collection_is_paged_as_the_annotation_protocol_lays_it_out(
    api_client, ties_remain_close, assert_documented
):
    url = f"/api/v1/claims/{ties_remain_close.pk}/annotations/"

    responses = [api_client.get(url, {"page_size": 4})]
    responses.append(api_client.get(responses[0].json()["first"]["next"]))

    for response in responses:
        assert_documented(response)
    collection, second = (response.json() for response in responses)

    assert collection["last"] == collection["first"]["next"] == second["id"]
    assert second["type"] == "AnnotationPage" and second["startIndex"] == 4 and len(second["items"]) == 2
    assert second["partOf"]["id"].endswith(url) and second["partOf"]["total"] == 6
    assert api_client.get(url, {"page": 3, "page_size": 4}).status_code == 404
    for bad in ({"page": "0"}, {"page": "x"}, {"page_size": "201"}):
        response = api_client.get(url, bad)
        assert response.status_code == 400 and set(response.json()) == set(bad), bad
        assert_documented(response)


def test_a_claim_without_quotes_is_an_empty_collection_without_pages(api_client, make_claim):
    claim = make_claim("Nobody said it yet.")

    collection = api_client.get(f"/api/v1/claims/{claim.pk}/annotations/").json()

    assert collection["total"] == 0 and "first" not in collection


# --- PROV-O ------------------------------------------------------------------------------------


def test_the_ties_remain_close_provenance_expands_with_every_chain_as_the_grade_follows_it(
    api_client, ties_remain_close, assert_documented
):
    response = api_client.get(f"/api/v1/claims/{ties_remain_close.pk}/provenance/")

    assert response.status_code == 200 and response["Content-Type"] == "application/ld+json"
    assert_documented(response)
    nodes = {node["@id"]: node for node in expand(json.loads(response.content))}
    quotes = list(
        ties_remain_close.attestations.select_related(
            "document__outlet", "speaker", "origin_entity", "origin_document__outlet"
        ).prefetch_related("document__authors", "origin_document__authors")
    )
    for quote in quotes:
        node = nodes[f"http://testserver/api/v1/attestations/{quote.pk}/"]
        assert PROV + "Entity" in node["@type"]
        assert the(node, PROV + "value") == quote.quote
        selectors = {s["@type"][0]: s for s in node[OA + "hasSelector"]}
        assert the(selectors[OA + "TextQuoteSelector"], OA + "exact") == quote.quote
        assert the(selectors[OA + "TextPositionSelector"], OA + "start") == quote.start
        assert the(selectors[OA + "TextPositionSelector"], OA + "end") == quote.end
        if quote.speaker_id:
            assert the(node, PROV + "wasAttributedTo").endswith(f"/entities/{quote.speaker_id}/")
        root = attestation_root(quote, quotes)
        source = nodes[the(node, PROV + "hadPrimarySource")]
        if root.kind == "entity":
            assert the(source, PROV + "wasAttributedTo").endswith(f"/entities/{root.id}/")
        else:
            assert source["@id"].endswith(f"/documents/{root.id}/")
        derived = values(node, PROV + "wasDerivedFrom")
        if quote.origin_document_id:
            [origin] = derived
            assert origin.endswith(f"/documents/{quote.origin_document_id}/") or "/attestations/" in origin
        elif quote.origin_entity_id:
            assert the(nodes[derived[0]], PROV + "wasAttributedTo").endswith(
                f"/entities/{quote.origin_entity_id}/"
            )
        else:
            assert derived == []
    team = Entity.objects.get(name="UN Analytical Support and Sanctions Monitoring Team")
    agent = nodes[f"http://testserver/api/v1/entities/{team.pk}/"]
    assert PROV + "Agent" in agent["@type"] and PROV + "Organization" in agent["@type"]
    assert the(agent, PROV + "actedOnBehalfOf").endswith(f"/entities/{team.parent_id}/")


def test_a_relay_of_a_document_that_quotes_the_claim_derives_from_that_quote(
    api_client, make_claim, make_document, make_entity, make_attestation
):
    claim = make_claim()
    minister, reporter, outlet = make_entity("وزير"), make_entity("مراسل"), make_entity("الجزيرة")
    statement = make_document(title="البيان", outlet=outlet)
    article = make_document(title="المقال")
    said = make_attestation(claim=claim, document=statement, speaker=minister)
    relayed = make_attestation(claim=claim, document=article, speaker=reporter, origin_document=statement)

    graph = api_client.get(f"/api/v1/claims/{claim.pk}/provenance/").json()["@graph"]

    nodes = {node["@id"]: node for node in graph}
    relay = nodes[f"http://testserver/api/v1/attestations/{relayed.pk}/"]
    assert relay["prov:wasDerivedFrom"] == {"@id": f"http://testserver/api/v1/attestations/{said.pk}/"}
    assert relay["prov:wasAttributedTo"] == {"@id": f"http://testserver/api/v1/entities/{reporter.pk}/"}
    root = nodes[relay["prov:hadPrimarySource"]["@id"]]
    assert root["prov:wasAttributedTo"] == {"@id": f"http://testserver/api/v1/entities/{minister.pk}/"}
    document = nodes[f"http://testserver/api/v1/documents/{statement.pk}/"]
    assert document["prov:wasAttributedTo"] == [{"@id": f"http://testserver/api/v1/entities/{outlet.pk}/"}]


# --- CSV ---------------------------------------------------------------------------------------


def read_csv(response) -> tuple[bytes, list[dict]]:
    assert isinstance(response, StreamingHttpResponse)
    content = b"".join(response.streaming_content)
    return content, list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_csv_starts_with_a_bom_and_arabic_round_trips(api_client, ties_remain_close):
    response = api_client.get("/api/v1/claims/", {"format": "csv"})

    content, rows = read_csv(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="claims.csv"'
    assert content.startswith(b"\xef\xbb\xbf" + b"claim_id,statement,")
    quotes = {row["attestation_id"]: row for row in rows if row["claim_id"] == str(ties_remain_close.pk)}
    for quote in ties_remain_close.attestations.select_related("document"):
        row = quotes[str(quote.pk)]
        assert row["quote"] == quote.quote and row["document_title"] == quote.document.title
        assert (int(row["start"]), int(row["end"])) == (quote.start, quote.end)
        assert row["pair"] == ties_remain_close.credibility_explanation["pair"]


def test_there_is_a_row_per_quote_of_the_claims_the_filters_select(api_client, seed):
    team = Entity.objects.get(name="UN Analytical Support and Sanctions Monitoring Team")
    claims = Claim.objects.published().filter(credibility_sources__contains=[team.pk])

    _, rows = read_csv(api_client.get("/api/v1/claims/", {"format": "csv", "root": team.pk}))

    assert len(rows) == Attestation.objects.filter(claim__in=claims).count() == 38
    assert {row["claim_id"] for row in rows} == {str(pk) for pk in claims.values_list("pk", flat=True)}
    _, rows = read_csv(api_client.get("/api/v1/attestations/", {"format": "csv", "speaker": 14}))
    assert len(rows) == Attestation.objects.filter(speaker=14, claim__publication="published").count()


def test_a_claim_without_quotes_is_one_row_with_the_quote_columns_empty(api_client, make_claim):
    claim = make_claim("=1+1 Nobody said it yet.")

    _, rows = read_csv(api_client.get("/api/v1/claims/", {"format": "csv"}))

    [row] = rows
    assert row["claim_id"] == str(claim.pk) and row["grade"] == "6" and row["pair"] == "F6"
    assert all(row[column] == "" for column in ("attestation_id", "quote", "start", "end", "root"))
    # a cell a spreadsheet would run as a formula is shown as text
    assert row["statement"] == "'=1+1 Nobody said it yet."


def test_the_csv_is_streamed_in_as_many_queries_for_ten_rows_as_for_all(api_client, seed, monkeypatch):
    monkeypatch.setattr(export, "CHUNK", 7)  # many fetches from the cursor, no more queries

    with CaptureQueriesContext(connection) as few:
        _, some = read_csv(api_client.get("/api/v1/claims/", {"format": "csv", "min_roots": 2}))
    with CaptureQueriesContext(connection) as all_of_them:
        _, every = read_csv(api_client.get("/api/v1/claims/", {"format": "csv"}))

    assert len(some) < 20 and len(every) == Attestation.objects.filter(claim__publication="published").count()
    # one query: the claims LEFT JOIN their quotes, documents, outlets, speakers and origins
    assert len(few) == len(all_of_them) == 1


def test_drafts_are_in_the_csv_only_for_those_who_see_drafts(api_client, editor_api_client, draft_quote):
    _, read = read_csv(api_client.get("/api/v1/attestations/", {"format": "csv"}))
    _, edited = read_csv(editor_api_client.get("/api/v1/attestations/", {"format": "csv"}))

    assert read == []
    assert [row["attestation_id"] for row in edited] == [str(draft_quote.pk)]
    assert edited[0]["publication"] == "draft"


def test_a_refused_filter_is_a_json_400_whatever_the_format(api_client, db):
    response = api_client.get("/api/v1/claims/", {"format": "csv", "min_roots": "many"})

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert set(response.json()) == {"min_roots"}


def test_the_schema_documents_csv_as_text_on_the_two_lists(openapi):
    for path in ("/api/v1/claims/", "/api/v1/attestations/"):
        operation = openapi[path]["GET"].definition.raw
        assert operation["responses"]["200"]["content"]["text/csv"]["schema"]["type"] == "string"
        assert "text/csv" not in operation["responses"]["400"]["content"]
        [fmt] = [p for p in operation["parameters"] if p["name"] == "format"]
        assert "csv" in fmt["schema"]["enum"]


def test_the_admin_downloads_the_selected_claims_as_the_api_gives_them(
    editor_client, editor_api_client, ties_remain_close
):
    response = editor_client.post(
        "/admin/claims/claim/", {"action": "download_csv", ACTION_CHECKBOX_NAME: [ties_remain_close.pk]}
    )

    _, rows = read_csv(response)
    _, api_rows = read_csv(
        editor_api_client.get("/api/v1/attestations/", {"format": "csv", "claim": ties_remain_close.pk})
    )
    assert len(rows) == 6
    assert sorted(rows, key=lambda r: r["attestation_id"]) == sorted(
        api_rows, key=lambda r: r["attestation_id"]
    )
