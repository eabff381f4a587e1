"""The journal page's new-lesson form: one signed lesson sheet, or a refusal
next to the cell with the input kept and nothing written (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from api.server.routers.journal import LessonSheet
from api.server.web.journal_sheet import body_of
from tests.support.journal_web import (
    events,
    field_errors,
    fill,
    journal_path,
    lesson_form,
    post,
    rows_of,
)
from tests.support.school import WORK
from tests.support.serving import PASSWORD
from tests.support.web import Web, csrf_of, sign_in

TEST = "контрольная работа"


def test_a_lesson_with_marks_and_absences_is_saved_as_one_signed_sheet(
    web: Web,
) -> None:
    s = web.school
    sign_in(web.client, "maths")
    action, form = lesson_form(web.client, journal_path(s))
    assert form["day"] == "2024-10-01"  # today, in the page's period
    assert form["number"] == "2"  # lesson 1 of today is recorded already
    rows = rows_of(form)
    first, third = rows[str(s.pupils[0])], rows[str(s.pupils[2])]
    typed = fill(
        form,
        marks={first: "5", third: "3"},
        absent=(rows[str(s.pupils[1])],),
        homework="№ 12, 14",
        fields={f"marks.{third}.work_type": TEST},
    )
    before = events(web.app)
    saved = post(web.client, action, typed)
    assert saved.status_code == 303, saved.text
    assert events(web.app) == before + 4  # the lesson, two marks, an absence
    page = web.client.get(saved.headers["location"])
    assert "записан и подписан: отметок — 2, отсутствующих — 1" in page.text
    assert "№ 12, 14" in page.text
    assert f'title="{TEST}, вес 3">3</a>' in page.text
    lessons = web.client.get(
        f"/classes/{s.klass('9А')}/lessons?subject=math&period=Q1",
        headers={"Authorization": "Bearer " + _token(web, "maths")},
    ).json()["lessons"]
    assert [(x["number"], x["entries"]) for x in lessons] == [(1, 4), (2, 3)]


def test_the_form_makes_the_body_the_api_takes(web: Web) -> None:
    s = web.school
    sign_in(web.client, "maths")
    _, form = lesson_form(web.client, journal_path(s))
    typed = fill(form, topic="  Тема  ", marks={0: " 4 "}, absent=(2,))
    body, marks, absent = body_of(typed)
    assert (marks, absent) == ([0], [2])
    assert body == {
        "class_id": str(s.klass("9А")),
        "subject": "math",
        "subgroup": None,
        "day": "2024-10-01",
        "number": 2,
        "topic": "Тема",
        "homework": "",
        "marks": [{"pupil": form["marks.0.pupil"], "mark": "4", "work_type": WORK}],
        "absences": [{"pupil": form["marks.2.pupil"]}],
    }
    # the API's own model reads it as it is
    assert LessonSheet.model_validate(body).model_dump(mode="json")["number"] == 2


@pytest.mark.parametrize(
    ("change", "where", "says"),
    [
        ({"marks.0.mark": "7"}, "marks.0", "нет в положении об оценивании"),
        ({"marks.1.work_type": "диктант"}, "marks.1", "нет в положении об оценивании"),
        ({"day": "2024-10-02"}, "day", "не позже сегодняшнего дня"),
        ({"day": "2024-09-29"}, "day", "уроков нет"),  # a Sunday
        ({"day": "2024-11-05"}, "day", "Дата вне периода"),
        ({"number": "3"}, "", "Запись не соответствует правилам школы"),
        ({"number": "1"}, "number", "Это уже записано"),
        ({"number": "9"}, "number", "Не больше 8"),
        ({"topic": ""}, "topic", "Заполните это поле"),
    ],
)
def test_a_refused_sheet_shows_why_beside_the_field_and_writes_nothing(
    web: Web, change: dict[str, str], where: str, says: str
) -> None:
    sign_in(web.client, "maths")
    action, form = lesson_form(web.client, journal_path(web.school))
    typed = {**fill(form, marks={0: "5", 1: "4"}), **change}
    before = events(web.app)
    answer = post(web.client, action, typed)
    assert answer.status_code == 422, answer.text
    assert events(web.app) == before
    assert "Ничего не записано" in answer.text
    assert says in answer.text
    if where.startswith("marks."):
        row = where.split(".")[1]
        assert f'aria-describedby="row-{row}-error"' in answer.text
        assert any("положении об оценивании" in e for e in field_errors(answer.text))
    elif where:
        assert f'id="{where}-error"' in answer.text
    # what was typed stays in the form
    assert f'name="topic" value="{typed["topic"]}"' in answer.text
    assert f'name="marks.0.mark" value="{typed["marks.0.mark"]}"' in answer.text
    assert f'name="day" value="{typed["day"]}"' in answer.text


def test_a_pupil_not_in_the_class_is_refused_on_their_row(web: Web) -> None:
    s = web.school
    sign_in(web.client, "maths")
    action, form = lesson_form(web.client, journal_path(s))
    typed = fill(
        form, marks={0: "5", 1: "4"}, fields={"marks.1.pupil": str(s.other_pupil)}
    )
    before = events(web.app)
    answer = post(web.client, action, typed)
    assert answer.status_code == 422
    assert events(web.app) == before
    assert 'aria-describedby="row-1-error"' in answer.text
    assert "не числится в классе" in answer.text


def test_a_closed_period_takes_no_new_lesson(web: Web) -> None:
    s = web.school
    s.clock.set(date(2024, 10, 28))
    s.records.closing.close_period(
        year="2024/2025",
        period="Q1",
        class_id=s.klass("9А"),
        subject="math",
        signed_by=s.signing("deputy"),
    )
    sign_in(web.client, "maths")
    action, form = lesson_form(web.client, journal_path(s, period="Q1"))
    typed = fill(form, marks={0: "5"}, day="2024-10-25", number="1")
    before = events(web.app)
    answer = post(web.client, action, typed)
    assert answer.status_code == 422
    assert events(web.app) == before
    assert "Период закрыт" in answer.text


def test_a_form_sent_twice_is_appended_once(web: Web) -> None:
    sign_in(web.client, "maths")
    action, form = lesson_form(web.client, journal_path(web.school))
    typed = fill(form, marks={0: "5", 1: "5", 2: "4"})
    before = events(web.app)
    first = post(web.client, action, typed)
    second = post(web.client, action, typed)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert events(web.app) == before + 4
    # the same form with other data is refused, not appended again
    other = post(web.client, action, {**typed, "topic": "Другая тема"})
    assert other.status_code == 422
    assert "уже отправлена" in other.text
    assert events(web.app) == before + 4


def test_a_form_without_or_with_a_foreign_csrf_token_writes_nothing(
    web: Web,
) -> None:
    sign_in(web.client, "maths")
    action, form = lesson_form(web.client, journal_path(web.school))
    typed = fill(form, marks={0: "5"})
    other = web.new_client()
    sign_in(other, "maths")
    foreign = csrf_of(other.get("/app/teacher").text)
    before = events(web.app)
    missing = post(web.client, action, {k: v for k, v in typed.items() if k != "csrf"})
    assert missing.status_code == 403
    assert "CSRF" in missing.text
    wrong = post(web.client, action, {**typed, "csrf": foreign})
    assert wrong.status_code == 403
    assert events(web.app) == before


def test_html_in_a_topic_and_homework_is_shown_as_text(web: Web) -> None:
    sign_in(web.client, "maths")
    action, form = lesson_form(web.client, journal_path(web.school))
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    typed = fill(form, topic=attack, homework=attack, marks={0: "5"})
    saved = post(web.client, action, typed)
    assert saved.status_code == 303
    page = web.client.get(saved.headers["location"]).text
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    # and on the start page's list of the week's lessons
    home = web.client.get("/app/teacher").text
    assert "<script>alert" not in home
    assert "&lt;script&gt;" in home


def _token(web: Web, login: str) -> str:
    answer = web.client.post("/token", data={"username": login, "password": PASSWORD})
    token: str = answer.json()["access_token"]
    return token
