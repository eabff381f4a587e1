"""People in browsers of their own, for the signing tests: each signs in
through the form in a new context (own cookies, own IndexedDB, so own keys);
a script error on any of their pages is kept, and fails the test."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Browser, BrowserContext, Page

from tests.support.serving import PASSWORD

#: the key id of this browser's key for the signed-in person
LOCAL_KEY = "LetopisSigning.localKey().then((k) => k && k.keyId)"


@dataclass
class People:
    """Browsers of their own for one test, at ``url``; closed by ``close``."""

    url: str
    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def signed_in(self, login: str) -> Page:
        context = self.browser.new_context(viewport={"width": 1366, "height": 768})
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda e: self.failures.append(f"{login}: {e}"))
        page.goto(self.url + "/app/login")
        page.fill("input[name=username]", login)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(self.url + "/app/")
        page.set_default_timeout(15_000)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def grouped(key: str) -> str:
    """A key id as the pages show it («ab12 cd34 …»)."""
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def enrol_in_browser(page: Page, url: str, device: str) -> str:
    """Make a key in ``page``'s browser on the keys page; its key id."""
    page.goto(url + "/app/keys")
    page.wait_for_selector("#browser-key:has-text('ключа подписи нет')")
    page.fill("#device", device)
    page.click("#enrol-button")
    page.wait_for_url(url + "/app/keys?enrolled=1")
    page.wait_for_selector("#browser-key:has-text('ждёт подтверждения')")
    key: str = page.evaluate(LOCAL_KEY)
    return key


def approve_in_browser(page: Page, url: str, key: str) -> None:
    """Sign the request of ``key`` on the key requests page."""
    page.goto(url + "/app/keys/requests")
    card = page.locator("li.card", has_text=grouped(key))
    card.get_by_role("button", name="Подписать").click()
    page.wait_for_url(url + "/app/keys/requests?done=signed")
