"""The consumer's script in docs/examples runs against a live server with the seed corpus and a token."""

from __future__ import annotations

import importlib.util

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import PASSWORD
from tests.conftest import ROOT


def load_example():
    spec = importlib.util.spec_from_file_location(
        "pull_claims", ROOT / "docs" / "examples" / "pull_claims.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True)
def test_a_consumer_script_pulls_every_published_claim_filters_them_and_is_told_a_bad_filter(
    seed, consumer, live_server, capsys
):
    token = APIClient().post("/api/v1/auth/token/", {"username": consumer.username, "password": PASSWORD})

    exit_code = load_example().main(["--url", live_server.url, "--token", token.json()["token"]])

    lines = capsys.readouterr().out.splitlines()
    assert exit_code == 0
    assert lines[0] == "155 published claims, 180 quotes from 5 documents"
    counts = {line[4:]: int(line[:3]) for line in lines[1:5]}
    assert counts["about the Taliban"] == 91
    assert counts["said by Mike Pompeo"] == 3
    assert counts["reported in 2021"] == 48
    assert lines[-1] == 'a bad filter: 400 {"reported_after": ["Enter a valid date."]}'
