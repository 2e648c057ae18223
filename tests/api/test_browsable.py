"""The browsable API opens for every GET the schema documents, for every role, in both paginations."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.claims.models import Attestation, Claim, ClaimRelation
from apps.credibility.models import Regrade, SourceRating
from apps.documents.models import Document
from apps.entities.models import Entity

ROLES = ["anonymous", "consumer", "fact-checker", "editor"]


def get_paths() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [path for path, ops in schema["paths"].items() if "get" in ops and path.startswith("/api/v1/")]


@pytest.fixture
def ids(seed) -> dict[str, int]:
    """A published row of each resource, for the detail paths."""
    claim = Claim.objects.published().order_by("pk").first()
    entity = Entity.objects.order_by("pk").first()
    if not SourceRating.objects.exists():
        SourceRating.objects.create(entity=entity, grade="B", rationale="Usually reliable.")
    return {
        "claims": claim.pk,
        "attestations": Attestation.objects.filter(claim=claim).order_by("pk").first().pk,
        "documents": Document.objects.order_by("pk").first().pk,
        "entities": entity.pk,
        "relations": ClaimRelation.objects.filter(
            from_claim__publication="published", to_claim__publication="published"
        )
        .order_by("pk")
        .first()
        .pk,
        "source-ratings": SourceRating.objects.order_by("pk").first().pk,
        "regrades": Regrade.objects.create(claim=claim, from_grade=3, to_grade=2, reason="E5: …").pk,
    }


def urls(ids: dict[str, int]) -> list[str]:
    found = []
    for path in get_paths():
        resource = path.split("/")[3]
        url = re.sub(r"\{\w+\}", str(ids.get(resource, 1)), path)
        found.append(url)
        if "{" not in path:  # a list: its cursor pages too
            found.append(f"{url}?cursor=")
    return found


def test_every_get_of_the_schema_opens_as_a_page_for_every_role(client_as, ids, unthrottled):
    # one test for the four roles: the seed corpus loads once
    for role in ROLES:
        client = client_as(role)
        answered = {}

        for url in urls(ids):
            response = client.get(url, HTTP_ACCEPT="text/html")
            answered[url] = response.status_code
            assert response.status_code < 500, (role, url, response.status_code)
            if response.status_code == 200:
                assert response["Content-Type"].startswith("text/html"), (role, url)
                assert "<html" in response.content.decode()[:500].lower(), (role, url)

        opened = [url for url, code in answered.items() if code == 200]
        # everything but the history, which only those who see drafts read
        assert all("history" in url for url in answered if url not in opened), (role, answered)
        assert any("cursor" in url for url in opened) and any(url.endswith("/conflicts/") for url in opened)


def test_a_list_page_in_the_browser_links_to_its_next_page(api_client, seed, unthrottled):
    response = api_client.get("/api/v1/claims/?format=api&page_size=5")

    assert response.status_code == 200
    assert "page=2" in response.content.decode()


ID_FILTERS = {
    "/api/v1/claims/": ["subject", "speaker", "outlet", "document", "origin", "root"],
    "/api/v1/attestations/": ["claim", "document", "speaker"],
    "/api/v1/documents/": ["outlet"],
    "/api/v1/relations/": ["claim", "from_claim", "to_claim"],
    "/api/v1/regrades/": ["claim"],
}


@pytest.mark.parametrize("path", ID_FILTERS)
def test_a_filter_by_id_is_a_box_for_ids_not_a_list_of_every_row(api_client, seed, unthrottled, path):
    """A list of every entity, document or claim (tens of thousands on a real corpus) in each filter
    of the page's form would make the page as large as the table, and most of its time."""
    Entity.objects.bulk_create(
        Entity(name=f"Unlisted council {n}", kind=Entity.Kind.ORGANIZATION) for n in range(3)
    )
    page = api_client.get(path, HTTP_ACCEPT="text/html").content.decode()
    form = page[page.index("Field filters") :]
    form = form[: form.index("</form>")]

    assert "Unlisted council" not in page
    for name in ID_FILTERS[path]:
        assert f'<select name="{name}"' not in form, name
        assert re.search(rf'<input type="text" name="{name}"[^>]*inputmode="numeric"', form), name
        # shown where it stands, under its label, not among the hidden fields at the form's end
        assert re.search(rf'<label for="id_{name}(_0)?">', form), name


def test_the_id_boxes_show_the_ids_asked_for_and_one_more_for_another(api_client, seed, unthrottled):
    subjects = list(Entity.objects.order_by("pk").values_list("pk", flat=True)[:2])
    query = "&".join(f"subject={pk}" for pk in subjects)

    page = api_client.get(f"/api/v1/claims/?{query}", HTTP_ACCEPT="text/html").content.decode()

    boxes = re.findall(r'<input type="text" name="subject"[^>]*>', page)
    values = [re.search(r'value="(\d+)"', box) for box in boxes]
    assert [int(v.group(1)) for v in values if v] == subjects and len(boxes) == 3
