"""The auditor's console from a test: start a verification, wait for work
that runs in the background (its page refreshes itself until it is done)."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from tests.support.web import csrf_of

REFRESH = 'http-equiv="refresh"'


def finished(client: TestClient, url: str, seconds: float = 120) -> str:
    """The page at ``url`` once it stops refreshing itself (the work is done)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = client.get(url)
        page: str = answer.text
        assert answer.status_code == 200, page
        if REFRESH not in page:
            return page
        assert time.monotonic() < deadline, f"the work at {url} did not finish"
        time.sleep(0.2)


def start_verification(client: TestClient, school: str = "", **form: str) -> str:
    """Start a run from the console (of ``school``, else the auditor's own);
    the run page's address."""
    query = f"?school={school}" if school else ""
    csrf = csrf_of(client.get(f"/app/audit/verify{query}").text)
    answer = client.post(
        f"/app/audit/verify{query}",
        data={"csrf": csrf, **form},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    location: str = answer.headers["location"]
    assert re.fullmatch(
        rf"/app/audit/verify/[0-9a-f]{{16}}{re.escape(query)}", location
    )
    return location
