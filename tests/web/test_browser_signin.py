"""Signing in with a real browser (Debian's Chromium), on SQLite and PostgreSQL."""

from __future__ import annotations

from playwright.sync_api import Browser, Route

from tests.support.browser import screenshot_path
from tests.support.serving import PASSWORD
from tests.support.web import Site


def test_a_person_signs_in_and_out_in_the_browser(site: Site, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    failed: list[str] = []
    # a request cut short by the next navigation (net::ERR_ABORTED) is no fault
    page.on(
        "requestfailed",
        lambda r: None if "ABORTED" in (r.failure or "") else failed.append(r.url),
    )
    page.on("pageerror", lambda e: failed.append(str(e)))
    page.goto(site.url + "/")
    assert page.url.endswith("/app/login?next=%2Fapp%2F") or "/app/login" in page.url
    page.fill("input[name=username]", "maths")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "Неверное имя или пароль." in page.inner_text("main")
    assert page.input_value("input[name=username]") == "maths"
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site.url + "/app/")
    assert "Здравствуйте" in page.inner_text("h1")
    page.screenshot(path=screenshot_path(f"home-{site.store.kind}"), full_page=True)
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["letopis_session"]
    assert session["httpOnly"]
    assert session["sameSite"] == "Strict"
    page.click("text=Выйти")
    page.wait_for_url(site.url + "/app/login")
    page.goto(site.url + "/app/")
    assert "/app/login" in page.url
    assert failed == []
    page.close()


def test_the_api_documentation_renders_without_the_internet(
    site: Site, browser: Browser
) -> None:
    context = browser.new_context()
    outside: list[str] = []

    def only_here(route: Route) -> None:
        if route.request.url.startswith(site.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    page = context.new_page()
    page.goto(site.url + "/docs")
    page.wait_for_selector("text=Letopis", timeout=15_000)
    page.wait_for_selector(".opblock", timeout=15_000)
    assert outside == []
    context.close()
