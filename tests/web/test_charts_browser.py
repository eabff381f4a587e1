"""The charts in Chromium, on SQLite and PostgreSQL: drawn without a script,
readable on a laptop and a phone, and kept for the print."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.support.browser import screenshot_path
from tests.support.diary_browser import diary_site, signed_in
from tests.support.diary_school import DiarySchool


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, DiarySchool]]:
    with diary_site(request.param, tmp_path_factory.mktemp("charts-browser")) as site:
        yield site


def test_a_class_teacher_opens_a_pupils_chart(
    site: tuple[str, DiarySchool], browser: Browser
) -> None:
    url, d = site
    visit = signed_in(browser, url, "maths")
    page = visit.page
    page.click("nav.sections >> text=Успеваемость")
    page.click("text=Иванов Пётр Сергеевич")
    page.wait_for_url(f"{url}/app/charts/pupil/{d.ivanov}")
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 4
    box = charts.first.bounding_box()
    assert box is not None
    assert box["width"] > 250
    assert box["height"] > 150
    page.screenshot(path=screenshot_path("chart-pupil"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator("svg.chart").first.is_visible()
    assert not page.locator("nav.tabs").is_visible()
    page.screenshot(path=screenshot_path("chart-pupil-print"), full_page=True)
    assert visit.faults == []
    page.close()


def test_the_deputy_director_opens_a_classs_results(
    site: tuple[str, DiarySchool], browser: Browser
) -> None:
    url, _ = site
    for width, height, name in (
        (1366, 768, "chart-class"),
        (390, 844, "chart-class-phone"),
    ):
        visit = signed_in(browser, url, "deputy", width=width, height=height)
        page = visit.page
        page.goto(url + "/app/charts")
        page.click("section:has-text('9А класс') >> text=Результаты класса")
        page.click("nav.tabs >> text=I четверть")
        assert "I четверть: отметки по предметам" in page.inner_text("main")
        bars = page.locator("#distribution g.result")
        assert (
            bars.count() == 11
        )  # «5», «4» and one more in three subjects; English two
        assert (
            bars.nth(2).locator("title").text_content()
            == "Русский язык: «2» — 1 из 3 (33 %)"
        )
        page.screenshot(path=screenshot_path(name), full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"the page is {wide} px wide in a {width} px window"
        assert visit.faults == []
        page.close()
