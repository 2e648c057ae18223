"""Pull every published claim with its quotes and sources, then filter: what a consumer's script does.

Only the standard library. Against `make run` (a consumer token from POST /api/v1/auth/token/):

    python docs/examples/pull_claims.py --url http://127.0.0.1:8000 --token "$TOKEN"
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request


class Api:
    def __init__(self, url: str, token: str | None) -> None:
        self.root = url.rstrip("/") + "/api/v1/"
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Token {token}"

    def get(self, url: str, **params) -> tuple[int, dict]:
        """GET a path under /api/v1/ or a full `next` URL; an HTTP error is returned, not raised."""
        if not url.startswith("http"):
            url = self.root + url
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params, doseq=True)
        request = urllib.request.Request(url, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def pull(self, resource: str, **params) -> list[dict]:
        """Every row, following cursor pages until `next` is null."""
        rows, url = (
            [],
            f"{resource}/?" + urllib.parse.urlencode({"cursor": "", "page_size": 200, **params}, doseq=True),
        )
        while url:
            status, page = self.get(url)
            if status != 200:
                raise SystemExit(f"GET {url}: {status} {page}")
            rows += page["results"]
            url = page["next"]
        return rows

    def entity_id(self, name: str) -> int:
        """The id of the entity called `name` (an alias in any script will do)."""
        status, page = self.get("entities/", name=name)
        matches = [
            row for row in page["results"] if name in (row["name"], *(a["name"] for a in row["aliases"]))
        ]
        if status != 200 or len(matches) != 1:
            raise SystemExit(f"No single entity is called {name!r}.")
        return matches[0]["id"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", help="a consumer's API token (anonymous without one)")
    args = parser.parse_args(argv)
    api = Api(args.url, args.token)

    claims = api.pull("claims")
    quotes = [a for claim in claims for a in claim["attestations"]]
    documents = {a["document"]["id"] for a in quotes}
    print(f"{len(claims)} published claims, {len(quotes)} quotes from {len(documents)} documents")

    filters = {
        "about the Taliban": {"subject": api.entity_id("Taliban")},
        "said by Mike Pompeo": {"speaker": api.entity_id("مايك بومبيو")},
        "published by the UN Monitoring Team (the seed articles' outlets are unknown)": {
            "outlet": api.entity_id("UN Analytical Support and Sanctions Monitoring Team")
        },
        "reported in 2021": {"reported_after": "2021-01-01", "reported_before": "2021-12-31"},
    }
    for label, params in filters.items():
        print(f"{len(api.pull('claims', **params)):>3} {label}")

    status, errors = api.get("claims/", reported_after="yesterday")
    print(f"a bad filter: {status} {json.dumps(errors, ensure_ascii=False)}")
    return 0 if status == 400 else 1


if __name__ == "__main__":
    sys.exit(main())
