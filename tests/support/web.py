"""The web pages from a test: the served school, signing in, a form's CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from tests.support.school import SmallSchool
from tests.support.serving import PASSWORD
from tests.support.stores import Store


@dataclass
class Web:
    """The application on the small school, a client, and the school."""

    app: FastAPI
    client: TestClient
    school: SmallSchool
    lesson: UUID
    store: Store

    def new_client(self) -> TestClient:
        """Another browser: its own cookies."""
        return TestClient(self.app)


@dataclass
class Site:
    """The application served over HTTP at ``url``."""

    url: str
    app: FastAPI
    school: SmallSchool
    lesson: UUID
    store: Store


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token of the first form on ``page``."""
    found = _CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, login: str, password: str = PASSWORD) -> Response:
    """Signs ``client`` in through the sign-in form (its cookies keep the session)."""
    form = client.get("/app/login")
    answer: Response = client.post(
        "/app/login",
        data={"username": login, "password": password, "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return answer
