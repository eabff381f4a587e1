"""The diary school in Chromium: signed-in pages that keep what went wrong."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize

from tests.support.browser import live
from tests.support.diary_school import DiarySchool, diary_app, module_store
from tests.support.serving import PASSWORD


@dataclass
class Visit:
    """A browser tab signed in as one account, and the script errors it saw."""

    page: Page
    faults: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.faults.append(message.text)


def signed_in(
    browser: Browser, url: str, login: str, width: int = 1366, height: int = 768
) -> Visit:
    """A new tab (a 1366×768 school laptop's unless told) signed in through
    the sign-in form."""
    page = browser.new_page(viewport=ViewportSize(width=width, height=height))
    visit = Visit(page)
    page.on("pageerror", lambda e: visit.faults.append(str(e)))
    page.on("console", visit.console)
    page.goto(url + "/app/login")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/app/")
    return visit


@contextmanager
def diary_site(kind: str, path: Path) -> Iterator[tuple[str, DiarySchool]]:
    """The diary school (``tests.support.diary_school``) served over HTTP."""
    with (
        module_store(kind, path) as store,
        diary_app(store) as d,
        live(d.app) as url,
    ):
        yield url, d
