"""A journal cell's history, its correction or void, and the period grades
sheet with the weighted average beside each pupil (SQLite, PostgreSQL)."""

from __future__ import annotations

import re
from datetime import date

from ledger.records.journal import LessonInput, MarkInput
from tests.support.forms import form_fields
from tests.support.journal_web import events, journal_path, post
from tests.support.school import TEST, WORK
from tests.support.web import Web, sign_in
from tests.support.web_forms import logged, position

OWN = "самостоятельная работа"


def _entry_form(web: Web, entry: str, kind: str) -> tuple[str, dict[str, str]]:
    page = web.client.get(f"/app/journal/entries/{entry}")
    assert page.status_code == 200, page.text
    action = f"/app/journal/entries/{entry}/{kind}"
    return action, form_fields(page.text, action)


def test_a_mark_is_corrected_from_its_cell_with_a_reason(web: Web) -> None:
    entry = f"{web.lesson}:2"  # Иванов's «4» of the day's first lesson
    sign_in(web.client, "maths")
    grid = web.client.get(journal_path(web.school)).text
    assert f'href="/app/journal/entries/{entry}"' in grid
    action, form = _entry_form(web, entry, "correction")
    reason = 'ошибка при вводе <script>alert("r")</script>'
    typed = {**form, "mark": "5", "reason": reason}
    before = events(web.app)
    first = post(web.client, action, typed)
    again = post(web.client, action, typed)  # sent twice: appended once
    assert first.status_code == again.status_code == 303
    assert events(web.app) == before + 1
    page = web.client.get(first.headers["location"]).text
    assert "Отметка исправлена" in page
    assert "Исправлено: «4» → «5»" in page
    assert "&lt;script&gt;alert(&#34;r&#34;)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "Сотрудник maths" in page
    key = web.school.keys["maths"].key_id
    assert page.count(key) == 2  # the entry and its correction, signed by maths
    grid = web.client.get(journal_path(web.school)).text
    assert "исправлено: 4 → 5" in grid
    assert "corrected" in grid


def test_a_refused_correction_says_why_and_writes_nothing(web: Web) -> None:
    entry = f"{web.lesson}:2"
    sign_in(web.client, "maths")
    action, form = _entry_form(web, entry, "correction")
    before = events(web.app)
    no_reason = post(web.client, action, {**form, "mark": "5", "reason": " "})
    assert no_reason.status_code == 422
    assert 'id="c-reason-error"' in no_reason.text
    same = post(web.client, action, {**form, "mark": "4", "reason": "проверка"})
    assert same.status_code == 422
    assert 'id="mark-error"' in same.text
    assert "проверка</textarea>" in same.text  # the reason typed stays
    off_scale = post(web.client, action, {**form, "mark": "6", "reason": "проверка"})
    assert off_scale.status_code == 422
    assert "нет в положении об оценивании" in off_scale.text
    assert events(web.app) == before


def test_only_the_author_or_the_deputy_changes_an_entry(web: Web) -> None:
    entry = f"{web.lesson}:2"
    sign_in(web.client, "maths")
    action, form = _entry_form(web, entry, "void")
    english = web.new_client()
    sign_in(english, "english")  # she teaches in 9А, so she may read the entry
    page = english.get(f"/app/journal/entries/{entry}")
    assert page.status_code == 200
    assert "может её автор (Сотрудник maths)" in page.text
    assert f'action="{action}"' not in page.text
    token = form_fields(english.get("/app/teacher").text, "/app/logout")["csrf"]
    before = events(web.app)
    refused = post(english, action, {**form, "csrf": token, "reason": "не моя"})
    assert refused.status_code == 422
    assert "только её автор или заместитель директора" in refused.text
    assert events(web.app) == before
    outsider = web.new_client()
    sign_in(outsider, "cover")
    assert outsider.get(f"/app/journal/entries/{entry}").status_code == 403


def test_a_void_strikes_the_entry_and_leaves_the_average(web: Web) -> None:
    entry = f"{web.lesson}:5"  # Иванов's absence
    sign_in(web.client, "maths")
    action, form = _entry_form(web, entry, "void")
    assert "correction" not in web.client.get(f"/app/journal/entries/{entry}").text
    saved = post(web.client, action, {**form, "reason": "был на уроке"})
    assert saved.status_code == 303
    page = web.client.get(saved.headers["location"]).text
    assert "Аннулировано (было «н»)" in page
    assert "Причина: был на уроке" in page
    grid = web.client.get(journal_path(web.school)).text
    assert re.search(r'class="entry absence voided"[^>]*>н</a>', grid)


def _marks(web: Web) -> None:
    """Иванов: «4» (answer, weight 1) on 1 October, then «5» for a test
    (weight 3) and «3» for independent work (weight 2): (4 + 15 + 6) / 6."""
    s = web.school
    s.records.journal.record_lessons(
        [
            LessonInput(
                s.klass("9А"),
                "math",
                date(2024, 10, 2),
                "Контрольная работа",
                marks=(MarkInput(s.pupils[0], "5", TEST),),
            ),
            LessonInput(
                s.klass("9А"),
                "math",
                date(2024, 10, 3),
                "Самостоятельная работа",
                marks=(
                    MarkInput(s.pupils[0], "3", OWN),
                    MarkInput(s.pupils[1], "5", WORK),
                ),
            ),
        ],
        signed_by=s.signing("maths"),
    )


def test_the_grid_shows_the_weighted_average_of_the_grading_policy(web: Web) -> None:
    s = web.school
    s.clock.set(date(2024, 10, 4))
    _marks(web)
    sign_in(web.client, "maths")
    grid = web.client.get(journal_path(s, period="Q1")).text
    assert '4,17 <span class="hint">→ 4</span>' in grid  # 25 / 6, rounded at .6
    assert "мало отм." in grid  # two marks: fewer than the policy's three
    assert f'<span class="entry mark wt-2">5</span> {TEST} (вес 3)' in grid


def test_period_grades_are_entered_beside_the_average(web: Web) -> None:
    s = web.school
    s.clock.set(date(2024, 10, 4))
    _marks(web)
    sign_in(web.client, "maths")
    path = f"/app/journal/{s.klass('9А')}/math/grades?period=Q1"
    early = web.client.get(path).text
    assert "выставляют после его последнего дня, с 26.10.2024" in early
    assert 'name="grades.0.grade"' not in early
    s.clock.set(date(2024, 10, 28))
    page = web.client.get(path)
    form = form_fields(page.text, path)
    assert form["grades.0.grade"] == "4"  # the suggestion is chosen
    assert form["grades.1.grade"] == ""  # too few marks: nothing suggested
    before = events(web.app)
    refused = post(web.client, path, {**form, "grades.2.grade": "7"})
    assert refused.status_code == 422
    assert 'id="g2-error"' in refused.text
    assert events(web.app) == before
    typed = {**form, "grades.1.grade": "5", "grades.2.grade": "н/а"}
    saved = post(web.client, path, typed)
    again = post(web.client, path, typed)
    assert saved.status_code == again.status_code == 303
    assert events(web.app) == before + 3
    done = web.client.get(saved.headers["location"]).text
    assert "Отметки за период записаны" in done
    assert done.count('<span class="hint small">записана</span>') == 3
    grid = web.client.get(journal_path(s, period="Q1")).text
    assert re.search(r'<td class="grade num">4</td>', grid)


def _graded(web: Web) -> str:
    """Иванов's first-quarter grade «4» recorded by the course's teacher on
    28 October; the grades page's path."""
    s = web.school
    s.clock.set(date(2024, 10, 4))
    _marks(web)
    s.clock.set(date(2024, 10, 28))
    sign_in(web.client, "maths")
    path = f"/app/journal/{s.klass('9А')}/math/grades?period=Q1"
    form = form_fields(web.client.get(path).text, path)
    saved = post(web.client, path, {**form, "grades.0.grade": "4"})
    assert saved.status_code == 303, saved.text
    return path


def test_a_period_grade_is_corrected_from_the_sheet_with_a_reason(web: Web) -> None:
    s = web.school
    path = _graded(web)
    sheet = web.client.get(path).text
    fix = f"/app/journal/{s.klass('9А')}/math/grades/correction"
    found = re.search(rf'href="({re.escape(fix)}\?[^"]+)"', sheet)
    assert found, "the recorded grade offers its correction"
    action = found.group(1).replace("&amp;", "&")
    page = web.client.get(action)
    assert page.status_code == 200
    assert "Отметка сейчас" in page.text
    assert "Приказ" not in page.text  # a teacher before closing: no order asked
    shown = re.search(r'<dd class="mono small">([0-9a-f-]{36}:[0-9]+)</dd>', page.text)
    assert shown
    original = shown.group(1)
    form = form_fields(page.text, action)
    before = events(web.app)
    # refused, nothing written, what was typed kept: no reason; the same grade
    empty = post(web.client, action, {**form, "grade": "5", "reason": ""})
    assert empty.status_code == 422
    assert 'id="reason-error"' in empty.text
    assert '<option value="5" selected>' in empty.text
    same = post(web.client, action, {**form, "grade": "4", "reason": "описка"})
    assert same.status_code == 422
    assert "Ничего не записано" in same.text
    assert events(web.app) == before
    reason = 'описка в ведомости <script>alert("g")</script>'
    typed = {**form, "grade": "5", "reason": reason}
    first = post(web.client, action, typed)
    again = post(web.client, action, typed)  # sent twice: appended once
    assert first.status_code == again.status_code == 303, first.text
    assert events(web.app) == before + 1
    done = web.client.get(first.headers["location"]).text
    assert "Отметка за период исправлена" in done
    history = web.client.get(action).text
    assert "Выставлена «4»" in history
    assert "Исправлена на «5»" in history
    assert (
        "описка в ведомости &lt;script&gt;alert(&#34;g&#34;)&lt;/script&gt;" in history
    )
    assert "<script>alert" not in history
    assert "Сотрудник maths" in history
    assert re.search(r"<strong>5</strong> <span class=\"hint small\">записана", done)
    [stored] = logged(web.app, position(web.app) - 1)
    assert stored["type"] == "attestation.PeriodGradeCorrected"
    assert stored["data"]["grade"] == "5"
    assert stored["data"]["reason"] == reason
    assert stored["data"]["corrects"] == original  # names the grade it corrects


def test_only_the_courses_teacher_or_the_deputy_corrects_a_period_grade(
    web: Web,
) -> None:
    s = web.school
    _graded(web)
    action = (
        f"/app/journal/{s.klass('9А')}/math/grades/correction?period=Q1"
        f"&pupil={s.pupils[0]}"
    )
    form = form_fields(web.client.get(action).text, action)
    other = web.new_client()
    sign_in(other, "english")  # teaches 9А, not mathematics
    before = events(web.app)
    refused = post(other, action, {**form, "grade": "5", "reason": "не мой предмет"})
    assert refused.status_code == 403  # she does not teach mathematics in 9А
    assert events(web.app) == before
    deputy = web.new_client()
    sign_in(deputy, "deputy")
    page = deputy.get(action).text
    assert "Приказ" in page  # the deputy answers for closed periods
    form = form_fields(page, action)
    by_order = {
        **form,
        "grade": "3",
        "reason": "по итогам проверки",
        "order.number": "112-о",
        "order.date": "2024-10-28",
    }
    assert post(deputy, action, by_order).status_code == 303
    assert events(web.app) == before + 1
    history = deputy.get(action).text
    assert "Исправлена на «3»" in history
    assert "Приказ № 112-о от 28.10.2024" in history
    assert "Сотрудник deputy" in history
    none = web.client.get(
        f"/app/journal/{s.klass('9А')}/math/grades/correction?period=Q1"
        f"&pupil={s.pupils[2]}"
    )
    assert none.status_code == 404  # no grade: nothing to correct
    assert "нечего" in none.text


def test_after_closing_the_teacher_is_sent_to_the_deputy(web: Web) -> None:
    """A closed period's grade is corrected by the deputy or director with an
    order: the teacher gets no form that the rules would refuse."""
    s = web.school
    _graded(web)
    s.records.closing.close_period(
        year="2024/2025", period="Q1", signed_by=s.signing("deputy")
    )
    action = (
        f"/app/journal/{s.klass('9А')}/math/grades/correction?period=Q1"
        f"&pupil={s.pupils[0]}"
    )
    page = web.client.get(action).text
    assert "Период закрыт: отметку за него исправляет заместитель директора" in page
    assert 'name="grade"' not in page
    deputy = web.new_client()
    sign_in(deputy, "deputy")
    assert 'name="order.number"' in deputy.get(action).text
