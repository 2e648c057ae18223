"""No lost updates through the API: ETag on read, If-Match on write, 428 without it, 412 when stale."""

from __future__ import annotations

import pytest
from django.db import transaction

from apps.claims.models import Claim


@pytest.mark.parametrize("resource", ["claims", "attestations", "documents", "entities"])
def test_a_read_of_one_row_carries_its_version_as_an_etag(editor_api_client, make_attestation, resource):
    attestation = make_attestation()
    row = {
        "claims": attestation.claim,
        "attestations": attestation,
        "documents": attestation.document,
        "entities": None,
    }[resource]
    if row is None:
        from apps.entities.models import Entity

        row = Entity.objects.create(name="Taliban", kind="organization")

    response = editor_api_client.get(f"/api/v1/{resource}/{row.pk}/")

    assert response.headers["ETag"] == f'"{row._meta.model_name}-{row.pk}-v1"'


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_a_write_without_if_match_is_a_428_and_changes_nothing(editor_api_client, make_claim, method):
    claim = make_claim("Unchanged.")

    response = getattr(editor_api_client, method)(
        f"/api/v1/claims/{claim.pk}/", {"statement": "Changed."}, format="json", HTTP_IF_MATCH=""
    )

    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    claim.refresh_from_db()
    assert (claim.statement, claim.version) == ("Unchanged.", 1)


def test_two_editors_racing_on_one_claim_lose_nothing(editor_api_client, make_claim):
    claim = make_claim("Ties remain close.")
    url = f"/api/v1/claims/{claim.pk}/"
    read_by_both = editor_api_client.get(url).headers["ETag"]

    first = editor_api_client.patch(url, {"status_note": "First"}, format="json", HTTP_IF_MATCH=read_by_both)
    second = editor_api_client.patch(
        url, {"status_note": "Second"}, format="json", HTTP_IF_MATCH=read_by_both
    )
    stale_delete = editor_api_client.delete(url, HTTP_IF_MATCH=read_by_both)

    claim.refresh_from_db()
    assert first.status_code == 200 and first.headers["ETag"] == f'"claim-{claim.pk}-v2"'
    assert (second.status_code, stale_delete.status_code) == (412, 412)
    assert f'"claim-{claim.pk}-v2"' in second.json()["detail"]
    assert (claim.status_note, claim.version) == ("First", 2)


def test_a_write_that_loses_the_race_after_its_check_is_a_412(editor_api_client, make_claim, monkeypatch):
    claim = make_claim()
    url = f"/api/v1/claims/{claim.pk}/"
    etag = editor_api_client.get(url).headers["ETag"]
    real_save = Claim.save

    def someone_saves_first(self, *args, **kwargs):
        # between the If-Match check and this request's UPDATE, another request's lands
        monkeypatch.setattr(Claim, "save", real_save)
        with transaction.atomic():
            Claim.objects.filter(pk=self.pk).update(status_note="Theirs", version=2)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Claim, "save", someone_saves_first)
    response = editor_api_client.patch(url, {"status_note": "Mine"}, format="json", HTTP_IF_MATCH=etag)

    claim.refresh_from_db()
    assert response.status_code == 412
    assert claim.status_note != "Mine"


def test_if_match_star_writes_whatever_the_version(editor_api_client, make_claim):
    claim = make_claim()

    response = editor_api_client.patch(
        f"/api/v1/claims/{claim.pk}/", {"status_note": "Forced"}, format="json", HTTP_IF_MATCH="*"
    )

    assert response.status_code == 200
