"""Drive a live server from threads, as racing clients do: each with its own session, all at once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import requests

# seconds; a request the server never answers fails the test instead of hanging it
TIMEOUT = 30

Call = Callable[[requests.Session], requests.Response]


@dataclass(frozen=True)
class LiveAPI:
    """The API of a live server, as one client holding a token sees it."""

    base: str
    token: str

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.token}"
        return session

    def etag(self, path: str) -> str:
        """GET the row and return its ETag, as a careful client does before it writes."""
        with self.session() as session:
            response = session.get(self.base + path, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return response.headers["ETag"]

    def call(self, method: str, path: str, *, json: Any = None, if_match: str | None = None) -> Call:
        """Make a request that `race` sends on a thread's own session."""
        url, headers = self.base + path, {"If-Match": if_match} if if_match else {}

        def send(session: requests.Session) -> requests.Response:
            return session.request(method, url, json=json, headers=headers, timeout=TIMEOUT)

        return send

    def race(self, calls: Sequence[Call]) -> list[requests.Response]:
        """Send the calls from as many threads, released together by a barrier; answer in order."""
        barrier = threading.Barrier(len(calls))
        responses: list[requests.Response | None] = [None] * len(calls)
        errors: list[BaseException] = []

        def run(index: int, call: Call) -> None:
            with self.session() as session:
                try:
                    barrier.wait(timeout=TIMEOUT)
                    responses[index] = call(session)
                except BaseException as error:  # re-raised on the test's thread below
                    errors.append(error)
                    barrier.abort()

        threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return responses


def login(base: str, username: str, password: str) -> str:
    """The token POST /api/v1/auth/token/ gives for these credentials."""
    response = requests.post(
        f"{base}/api/v1/auth/token/", json={"username": username, "password": password}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return response.json()["token"]


def statuses(responses: Iterable[requests.Response]) -> dict[int, int]:
    """How many responses had each status code, lowest code first."""
    return dict(sorted(Counter(response.status_code for response in responses).items()))


def server_errors(responses: Iterable[requests.Response]) -> list[str]:
    """Each 5xx response as `METHOD path: status body`, for an assertion's message."""
    return [
        f"{r.request.method} {r.request.path_url}: {r.status_code} {r.text[:300]}"
        for r in responses
        if r.status_code >= 500
    ]
