"""The OpenAPI schema is generated without a warning and validates; its UI is served."""

from io import StringIO

import yaml
from django.core.management import call_command


def test_the_schema_generates_with_zero_warnings_and_validates(db):
    out = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)

    schema = yaml.safe_load(out.getvalue())
    assert schema["openapi"].startswith("3.")
    for resource in ["entities", "documents", "claims", "attestations", "relations", "source-ratings"]:
        assert f"/api/v1/{resource}/" in schema["paths"]
    assert "/api/v1/claims/{id}/conflicts/" in schema["paths"]


def test_the_schema_and_its_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
