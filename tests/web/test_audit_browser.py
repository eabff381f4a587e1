"""The auditor runs a verification in a real browser (Debian's Chromium), on
SQLite and PostgreSQL: from the console's start page to the verdict, with
the progress page refreshing itself (no script), and nothing the page asks
for refused by its content security policy."""

from __future__ import annotations

from playwright.sync_api import Browser, ConsoleMessage

from api.server.office import Office
from projections.reports import render
from tests.support.browser import screenshot_path
from tests.support.serving import PASSWORD
from tests.support.web import Site

JOURNAL = {"class": "9А", "subject": "math", "period": "Q1"}


def test_the_auditor_runs_a_verification(site: Site, browser: Browser) -> None:
    office: Office = site.app.state.office
    render(office.app, "journal", JOURNAL, "html")  # the report views are built
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", console)
    page.goto(site.url + "/app/audit")
    page.fill("input[name=username]", "auditor")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site.url + "/app/audit")
    assert "Состояние журнала" in page.inner_text("h1")
    assert "Запечатывание работает" in page.inner_text("main")
    page.screenshot(
        path=screenshot_path(f"audit-home-{site.store.kind}"), full_page=True
    )
    page.click("nav.audit-tabs >> text=Проверки")
    page.wait_for_url(site.url + "/app/audit/verify")
    page.check("input[name=full]")
    page.click("text=Начать проверку")
    page.wait_for_url(site.url + "/app/audit/verify/*")
    verdict = page.wait_for_selector("p.verdict.good, p.verdict.bad", timeout=120_000)
    assert verdict is not None
    assert verdict.inner_text().startswith("ЖУРНАЛ ЦЕЛ: проверено записей")
    main = page.inner_text("main")
    assert "Электронный журнал" in main
    assert "совпадают с журналом" in main
    page.screenshot(
        path=screenshot_path(f"audit-verify-{site.store.kind}"), full_page=True
    )
    page.click("text=Все проверки")
    assert "цел" in page.inner_text("table.data")
    assert problems == []
    page.close()
