"""The records office's, the deputy's, the director's and the class teacher's
pages in a real browser (Debian's Chromium), on SQLite and PostgreSQL: the
director co-signs an attestat entry the class teacher sent; the secretary
enrols a pupil through the form; each role's main page is kept as a
screenshot; the summary statement fits A4 when printed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, ViewportSize

from tests.support.browser import screenshot_path
from tests.support.school import ISSUED_ON, graduate, stock_blanks
from tests.support.serving import PASSWORD
from tests.support.web import Site
from tests.support.web_forms import logged, position

LAPTOP: ViewportSize = {"width": 1366, "height": 768}
BLANK = "10224000000001"
#: A4 landscape less the 12 mm margins, in CSS pixels (96 per inch)
A4_LANDSCAPE_WIDTH = round((297 - 24) / 25.4 * 96)


@contextmanager
def signed_in(browser: Browser, site: Site, login: str) -> Iterator[Page]:
    """A page of a fresh browser context, signed in as ``login``; it fails the
    test on any script error or failed request of the page."""
    context = browser.new_context(viewport=LAPTOP, locale="ru-RU")
    page = context.new_page()
    failed: list[str] = []
    page.on("pageerror", lambda e: failed.append(str(e)))
    page.on(
        "requestfailed",
        lambda r: None if "ABORTED" in (r.failure or "") else failed.append(r.url),
    )
    page.goto(site.url + "/app/login")
    page.fill("input[name=username]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site.url + "/app/")
    try:
        yield page
    finally:
        context.close()
    assert failed == []


def shot(page: Page, site: Site, name: str) -> None:
    suffix = "" if site.store.kind == "sqlite" else f"-{site.store.kind}"
    page.screenshot(path=screenshot_path(name + suffix), full_page=True)


def test_the_director_co_signs_an_attestat_entry(site: Site, browser: Browser) -> None:
    s = site.school
    graduate(s, s.pupils[0])
    stock_blanks(s, BLANK, "10224000000002")
    s.clock.set(ISSUED_ON)
    with signed_in(browser, site, "maths") as teacher:
        teacher.click("nav.sections >> text=Мой класс")
        teacher.click("text=Запись аттестатов в книгу выдачи")
        teacher.fill("[name='order.number']", "45-о")
        teacher.fill("[name='order.date']", ISSUED_ON.isoformat())
        teacher.fill("[name='issued_on']", ISSUED_ON.isoformat())
        teacher.fill("[name='entries.0.blank']", BLANK)
        before = position(site.app)
        teacher.click("form.record button[type=submit]")
        teacher.wait_for_url(site.url + "/app/class")
        assert "Запись ожидает подписи (директор)" in teacher.inner_text("main")
        assert position(site.app) == before  # not in the log before the director
        shot(teacher, site, "class-teacher-home")
    with signed_in(browser, site, "director") as director:
        director.click("nav.sections >> text=Подпись директора")
        waiting = director.inner_text("#waiting")
        assert "Запись аттестатов класса в книгу" in waiting
        assert "Иванов Пётр Сергеевич" in waiting
        shot(director, site, "director-queue")
        director.click("text=Открыть и подписать")
        shot(director, site, "director-request")
        preview = director.inner_text("#preview")
        for seen in ("Иванов Пётр Сергеевич", BLANK, "Русский язык — 5", "9А"):
            assert seen in preview, seen
        director.click("button[name=sign]")
        director.wait_for_url(site.url + "/app/director")
        assert "Подписано. В журнал записано: 1" in director.inner_text("main")
    [entry] = logged(site.app, before)
    assert entry["type"] == "attestat.AttestatIssued"
    keys = [sig["key"] for sig in entry["sigs"]]
    assert keys == [s.keys["maths"].key_id, s.keys["director"].key_id]


def test_the_secretary_enrols_a_pupil_through_the_form(
    site: Site, browser: Browser
) -> None:
    with signed_in(browser, site, "secretary") as page:
        page.click("nav.sections >> text=Канцелярия")
        shot(page, site, "office-home")
        page.click("text=Зачисление в школу")
        page.fill("[name='pupils.0.surname']", "Петрова")
        page.fill("[name='pupils.0.name']", "Мария")
        page.fill("[name='pupils.0.birth_date']", "2010-04-12")
        page.select_option("[name='pupils.0.sex']", "Ж")
        page.fill("[name='pupils.0.snils']", "123 456")
        page.select_option("[name='pupils.0.class_id']", label="9А")
        page.fill("[name='pupils.0.order']", "№ 15-у от 01.10.2024")
        before = position(site.app)
        page.click("form.record button[type=submit]")
        error = page.locator("#e-pupils\\.0\\.snils")
        assert error.inner_text() == "СНИЛС пишется так: 123-456-789 01."
        assert page.input_value("[name='pupils.0.surname']") == "Петрова"
        assert page.get_attribute("[name='pupils.0.snils']", "aria-invalid") == "true"
        shot(page, site, "office-enrol-refused")
        assert position(site.app) == before
        page.fill("[name='pupils.0.snils']", "123-456-789 64")
        page.click("form.record button[type=submit]")
        page.wait_for_url(site.url + "/app/office")
        assert "Записано в журнал: 1 запись." in page.inner_text("main")
    [event] = logged(site.app, before)
    assert event["type"] == "people.StudentEnrolled"


def test_the_deputys_page_and_a_summary_that_fits_a4(
    site: Site, browser: Browser
) -> None:
    with signed_in(browser, site, "deputy") as page:
        page.click("nav.sections >> text=Учебная часть")
        assert "Закрытие периодов" in page.inner_text("main")
        shot(page, site, "deputy-home")
        page.click("text=Закрытие периодов и учебного года")
        assert "I четверть" in page.inner_text("main")
        shot(page, site, "deputy-periods")
    with signed_in(browser, site, "maths") as page:
        page.click("nav.sections >> text=Мой класс")
        page.click("text=Сводная ведомость учёта успеваемости")
        assert "Сводная ведомость" in page.inner_text("h1")
        page.set_viewport_size({"width": A4_LANDSCAPE_WIDTH, "height": 700})
        page.emulate_media(media="print")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= A4_LANDSCAPE_WIDTH, width
        assert not page.locator("nav.sections").is_visible()  # no menus on paper
        shot(page, site, "class-summary-print")
