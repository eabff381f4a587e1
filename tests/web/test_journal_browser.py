"""A teacher keeps the journal in a real browser (Debian's Chromium), on
SQLite and PostgreSQL: a lesson typed from the keyboard, saved, seen in the
grid, one of its marks corrected from the cell with a reason. Screenshots of
the start page and the grid (a 1366×768 laptop and a 390×844 phone) are kept
as test artefacts."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
)

from api.server.web.journal_forms import first_values
from api.server.web.journal_sheet import body_of
from tests.support.browser import screenshot_path
from tests.support.school import TEST, WORK
from tests.support.serving import PASSWORD
from tests.support.web import Site

LAPTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}
FORM = "document.getElementById('lesson-form')"


def _watch(page: Page, problems: list[str]) -> None:
    """Script errors, refused assets (the CSP) and failed requests."""

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "requestfailed",
        lambda r: None if "ABORTED" in (r.failure or "") else problems.append(r.url),
    )


def _signed_in(browser: Browser, site: Site, problems: list[str]) -> Page:
    context = browser.new_context(viewport=LAPTOP, locale="ru-RU")
    page = context.new_page()
    _watch(page, problems)
    page.goto(site.url + "/app/login?next=/app/teacher")
    page.fill("input[name=username]", "maths")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site.url + "/app/teacher")
    return page


def _focused(page: Page) -> str:
    name: str = page.evaluate("document.activeElement.name || ''")
    return name


def test_a_teacher_enters_a_lesson_from_the_keyboard_and_corrects_a_mark(
    site: Site, browser: Browser
) -> None:
    problems: list[str] = []
    page = _signed_in(browser, site, problems)
    kind = site.store.kind
    page.screenshot(path=screenshot_path(f"teacher-home-{kind}"), full_page=True)
    page.locator("a", has_text="9А · Математика").first.click()
    page.wait_for_selector("#lesson-form")
    assert page.input_value("input[name=day]") == "2024-10-01"
    assert page.input_value("input[name=number]") == "2"
    page.fill("input[name=topic]", "Квадратные уравнения")
    page.fill("input[name=homework]", "№ 5, 7")

    # rows: 0 Иванов, 1 Кузнецов, 2 Смирнова (journal order)
    page.focus("input[name='marks.0.mark']")
    page.keyboard.type("5")  # a complete mark moves to the next pupil
    assert _focused(page) == "marks.1.mark"
    page.keyboard.type("4")
    assert _focused(page) == "marks.2.mark"
    page.keyboard.press("ArrowRight")  # past the (empty) text: the work type
    assert _focused(page) == "marks.2.work_type"
    page.keyboard.press("ArrowRight")
    assert _focused(page) == "absences.2.pupil"
    page.keyboard.press("Space")  # Смирнова is absent
    page.keyboard.press("ArrowUp")
    assert _focused(page) == "absences.1.pupil"
    page.keyboard.press("ArrowLeft")
    assert _focused(page) == "marks.1.work_type"
    page.keyboard.press("ArrowDown")  # in the list: the next kind of work
    page.keyboard.press("ArrowDown")
    assert page.input_value("select[name='marks.1.work_type']") == TEST
    assert _focused(page) == "marks.1.work_type"
    page.keyboard.press("Shift+Tab")
    assert _focused(page) == "marks.1.mark"
    page.keyboard.press("Enter")  # one row down, the form is not sent
    assert _focused(page) == "marks.2.mark"

    # the body the page would sign is the body the server reads from the form
    signed = page.evaluate(f"window.LetopisJournal.bodyOf({FORM})")
    entries: list[Any] = page.evaluate(f"[...new FormData({FORM}).entries()]")
    assert signed == body_of(first_values([tuple(e) for e in entries]))[0]
    assert [(m["mark"], m["work_type"]) for m in signed["marks"]] == [
        ("5", WORK),
        ("4", TEST),
    ]
    assert len(signed["absences"]) == 1

    page.click("button:has-text('Сохранить урок')")
    page.wait_for_url("**saved=**")
    notice = page.inner_text("p.notice")
    assert "записан и подписан: отметок — 2, отсутствующих — 1" in notice
    kuznetsov = page.locator("tr", has_text="Кузнецов")
    assert kuznetsov.locator(f"a.entry[title^='{TEST}']").inner_text() == "4"
    page.screenshot(path=screenshot_path(f"journal-grid-{kind}"), full_page=True)
    _phone(browser, page.context, page.url, kind, problems)

    kuznetsov.locator(f"a.entry[title^='{TEST}']").click()
    page.wait_for_selector("select[name=mark]")
    page.select_option("select[name=mark]", "5")
    page.fill("form[action$='/correction'] textarea[name=reason]", "описка при вводе")
    page.click("button:has-text('Исправить')")
    page.wait_for_url("**done=correction")
    assert "Исправлено: «4» → «5»" in page.inner_text("main")
    assert "Причина: описка при вводе" in page.inner_text("main")
    page.click("text=← К журналу")
    page.wait_for_selector("#lesson-form")
    corrected = page.locator("tr", has_text="Кузнецов").locator("a.entry.corrected")
    assert corrected.inner_text() == "5"
    assert "исправлено: 4 → 5" in (corrected.get_attribute("title") or "")
    assert problems == []
    page.context.close()


def _phone(
    browser: Browser, signed: BrowserContext, url: str, kind: str, problems: list[str]
) -> None:
    """The same grid on a phone: it scrolls sideways, nothing is cut off."""
    phone = browser.new_context(
        viewport=PHONE, locale="ru-RU", storage_state=signed.storage_state()
    )
    page = phone.new_page()
    _watch(page, problems)
    page.goto(url)
    page.wait_for_selector("#lesson-form")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page itself must not scroll sideways"
    page.screenshot(path=screenshot_path(f"journal-grid-phone-{kind}"), full_page=True)
    phone.close()
