"""Fixtures of the web pages: the small school served, on SQLite and PostgreSQL.

``web`` gives a TestClient on the application (pages, forms, cookies);
``site`` serves it over real HTTP for the browser tests, and ``browser`` is
Debian's Chromium driven by Playwright (see ``tests/support/browser``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from api.server.tables import API_TABLES
from tests.support.browser import live, require_chromium
from tests.support.browser_signing import People
from tests.support.serving import school_app
from tests.support.stores import Store, initialised_store
from tests.support.web import Site, Web


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from initialised_store(request, tmp_path, API_TABLES)


@pytest.fixture
def web(store: Store) -> Iterator[Web]:
    with school_app(store) as (app, school, lesson), TestClient(app) as client:
        yield Web(app, client, school, lesson, store)


@pytest.fixture
def site(store: Store) -> Iterator[Site]:
    with school_app(store) as (app, school, lesson), live(app) as url:
        yield Site(url, app, school, lesson, store)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def people(site: Site, browser: Browser) -> Iterator[People]:
    """People in browsers of their own on ``site``; no script error allowed."""
    crowd = People(site.url, browser)
    try:
        yield crowd
    finally:
        crowd.close()
    assert crowd.failures == [], crowd.failures
