"""The teacher's journal page signs a lesson in the browser with the key the
teacher enrolled there (Debian's Chromium, SQLite and PostgreSQL): the page
calls ``LetopisSigning.submit("lesson-sheet", LetopisJournal.bodyOf(form))``
and every stored envelope of the lesson verifies under that key.

The journal page is built beside this work (branch h-journal); until it is
in this tree the test is skipped, saying so."""

from __future__ import annotations

import importlib.util

import pytest

from api.server.office import Office
from ledger.envelope import parse
from tests.support.browser import screenshot_path
from tests.support.browser_keys import check_signed_by, events, registration
from tests.support.browser_signing import (
    People,
    approve_in_browser,
    enrol_in_browser,
)
from tests.support.web import Site

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("api.server.web.journal") is None,
    reason="NO JOURNAL PAGE in this tree yet (api.server.web.journal, h-journal)",
)


def test_the_journal_page_signs_a_lesson_with_the_browsers_key(
    site: Site, people: People
) -> None:
    office: Office = site.app.state.office
    teacher = people.signed_in("maths")
    key = enrol_in_browser(teacher, site.url, "Ноутбук, кабинет 12")
    approve_in_browser(people.signed_in("director"), site.url, key)
    public_key = bytes.fromhex(registration(office, key).data["public_key"])

    teacher.goto(site.url + "/app/teacher")
    teacher.locator("a", has_text="9А · Математика").first.click()
    teacher.wait_for_selector("#lesson-form")
    assert teacher.evaluate("LetopisSigning.ready()") is True
    teacher.fill("input[name=topic]", "Квадратные уравнения")
    teacher.fill("input[name=homework]", "№ 5, 7")
    teacher.focus("input[name='marks.0.mark']")
    teacher.keyboard.type("5")  # a complete mark moves to the next pupil
    teacher.keyboard.type("4")
    before = events(office)
    with teacher.expect_navigation():
        teacher.click("button:has-text('Сохранить урок')")
    teacher.wait_for_selector("#lesson-form")
    teacher.screenshot(
        path=screenshot_path(f"journal-signed-in-browser-{site.store.kind}"),
        full_page=True,
    )

    assert events(office) == before + 3  # the lesson and its two marks
    rows = office.app.recorder.select_notifications(start=before + 1, limit=10)
    lesson = parse(rows[0].state)
    assert lesson.type == "journal.LessonHeld"
    assert lesson.data["topic"] == "Квадратные уравнения"
    for row in rows:
        envelope = parse(row.state)  # read back from the store
        assert [s.key for s in envelope.sigs] == [key]
        check_signed_by(envelope, public_key)
