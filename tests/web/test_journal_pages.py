"""The teacher's start page and who opens which journal (SQLite, PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from uuid import uuid4

from fastapi.testclient import TestClient

from api.server.accounts import Account
from api.server.app import create_app
from ledger.application import Signing
from simulation.builder import SchoolBuilder
from tests.support.journal_web import events, fill, journal_path, lesson_form, post
from tests.support.school import SimClock, plan
from tests.support.serving import PASSWORD, settings_for
from tests.support.stores import Store
from tests.support.web import Web, csrf_of, sign_in

PUPIL_ROW = re.compile(r'<th class="pupil" scope="row">([^<]*)')


def test_the_start_page_lists_my_classes_subjects_and_lessons(web: Web) -> None:
    s = web.school
    sign_in(web.client, "maths")
    page = web.client.get("/app/teacher")
    assert page.status_code == 200
    text = page.text
    # the layout names the person as the records do, not by the login
    assert '<span class="name">Сотрудник maths</span>' in text
    assert "Сегодня, 01.10.2024 (вторник)" in text
    assert "Эта неделя: 30.09.2024 – 06.10.2024" in text
    assert "Линейные уравнения" in text  # the lesson recorded today
    assert journal_path(s, "9А", "math") in text
    assert journal_path(s, "9Б", "math") in text
    # the class teacher of 9А sees its other subjects and who teaches them
    assert "ведёт Сотрудник english" in text
    assert f"{journal_path(s, '9А', 'eng')}?subgroup=1" in text
    assert 'href="/app/teacher"' in text  # the menu's section


def test_a_day_outside_the_year_offers_no_lesson_to_record(web: Web) -> None:
    """After the year's last day the page says lessons are not recorded then,
    instead of offering a form whose save the rules would refuse."""
    web.school.clock.set(date(2025, 7, 15))
    sign_in(web.client, "maths")
    text = web.client.get("/app/teacher").text
    assert "Сегодня, 15.07.2025 (вторник)" in text
    assert "вне 2024/2025 учебного года (02.09.2024 – 26.05.2025)" in text
    assert "Записать урок" not in text
    assert journal_path(web.school, "9А", "math") in text  # still read


def test_before_any_year_is_opened_the_page_says_so(store: Store) -> None:
    """A new school whose year is not opened yet: the page explains, no error."""
    app = store.open()
    clock = SimClock(datetime(2024, 8, 20, 9, tzinfo=UTC))
    registering = SchoolBuilder(
        app, "school-1", seal=store.key_directory.log_key(), clock=clock, data_keys=None
    )
    profile = plan("school-1").profile
    registering.register_school(
        profile, at=clock(), signed_by=Signing(registering.seal)
    )
    app.close()
    with TestClient(create_app(settings_for(store), clock=clock)) as client:
        office = client.app.state.office  # type: ignore[attr-defined]
        teacher = Account("teacher", ("teacher",), uuid4())
        office.accounts.add(teacher, PASSWORD)
        sign_in(client, "teacher")
        page = client.get("/app/teacher")
        office.close()
    assert page.status_code == 200, page.text
    assert "Учебный год в школе ещё не открыт" in page.text
    assert "Записать урок" not in page.text


def test_a_teacher_without_classes_is_told_so(web: Web) -> None:
    sign_in(web.client, "cover")
    page = web.client.get("/app/teacher").text
    assert "у вас нет классов" in page
    assert "нет предметов" in page


def test_the_office_and_families_do_not_open_the_teachers_page(web: Web) -> None:
    for login in ("secretary", "pupil", "guardian"):
        client = web.new_client()
        sign_in(client, login)
        answer = client.get("/app/teacher")
        assert answer.status_code == 403, login
        assert "Нет доступа" in answer.text


def test_a_teacher_opening_a_class_they_do_not_teach_is_refused(web: Web) -> None:
    s = web.school
    sign_in(web.client, "english")
    for path in (journal_path(s, "9Б", "math"), journal_path(s, "9А", "math")):
        answer = web.client.get(path)
        assert answer.status_code == 403, path
        assert "Нет доступа" in answer.text
        assert "Иванов" not in answer.text
    cover = web.new_client()
    sign_in(cover, "cover")
    assert cover.get(journal_path(s, "9А", "math")).status_code == 403
    # nor may they post a lesson there: refused before anything is written
    maths = web.new_client()
    sign_in(maths, "maths")
    action, form = lesson_form(maths, journal_path(s))
    token = csrf_of(web.client.get("/app/teacher").text)
    before = events(web.app)
    answer = post(web.client, action, {**fill(form, marks={0: "5"}), "csrf": token})
    assert answer.status_code == 403
    assert events(web.app) == before
    # the refusals are in the access log
    log = web.app.state.office.access
    refused = [
        (r.account, r.subject)
        for r in log.page(0, log.count())
        if r.action.startswith("refused 403")
    ]
    assert ("english", f"class:{s.klass('9А')}") in refused
    assert ("cover", f"class:{s.klass('9А')}") in refused


def test_the_english_teacher_sees_only_her_subgroup(web: Web) -> None:
    s = web.school
    sign_in(web.client, "english")
    page = web.client.get(journal_path(s, "9А", "eng"))
    assert page.status_code == 200
    assert "подгруппа 1" in page.text
    assert PUPIL_ROW.findall(page.text) == [
        "Иванов Пётр Сергеевич",
        "Смирнова Анна Игоревна",
    ]
    assert "Кузнецов" not in page.text
    assert 'name="subgroup" value="1"' in page.text
    assert web.client.get(journal_path(s, "9А", "eng", subgroup="2")).status_code == 403
    # a pupil outside the subgroup is refused on their row, nothing written
    action, form = lesson_form(web.client, journal_path(s, "9А", "eng"))
    typed = fill(form, marks={1: "5"}, fields={"marks.1.pupil": str(s.pupils[2])})
    before = events(web.app)
    answer = post(web.client, action, typed)
    assert answer.status_code == 422
    assert "не числится в классе (или в подгруппе)" in answer.text
    assert events(web.app) == before


def test_the_class_teacher_reads_a_colleagues_journal_without_the_form(
    web: Web,
) -> None:
    sign_in(web.client, "maths")
    page = web.client.get(journal_path(web.school, "9А", "eng", subgroup="1"))
    assert page.status_code == 200
    assert 'id="lesson-form"' in page.text  # the grid sits in the form …
    assert 'name="topic"' not in page.text  # … but there is nothing to enter


def test_a_substitute_keeps_the_journal_on_their_days(web: Web) -> None:
    s = web.school
    s.records.setup.record_substitution(
        class_id=s.klass("9Б"),
        subject="math",
        substitute=s.staff("cover"),
        starts=date(2024, 10, 1),
        ends=date(2024, 10, 4),
        reason="болезнь учителя",
        signed_by=s.signing("deputy"),
    )
    sign_in(web.client, "cover")
    home = web.client.get("/app/teacher").text
    assert "замещение 01.10–04.10 (сегодня)" in home
    action, form = lesson_form(web.client, journal_path(s, "9Б", "math"))
    assert "вы замещаете 01.10.2024 – 04.10.2024" in web.client.get(action).text
    saved = post(web.client, action, fill(form, marks={0: "4"}, number="1"))
    assert saved.status_code == 303, saved.text
    page = web.client.get(saved.headers["location"]).text
    assert "Орлова Вера Ильинична" in page
    assert '<span class="badge">замещение</span>' in page
    subs = web.client.get("/app/substitutions").text
    assert "вести журнал" in subs
    assert "Замещение записывает директор или заместитель директора" in subs


def test_a_deputy_records_a_substitution_through_the_command(web: Web) -> None:
    s = web.school
    sign_in(web.client, "deputy")
    page = web.client.get("/app/substitutions")
    assert page.status_code == 200
    token = csrf_of(page.text)
    submission = re.search(r'name="submission" value="([^"]+)"', page.text)
    assert submission
    form = {
        "csrf": token,
        "submission": submission.group(1),
        "class_id": str(s.klass("9Б")),
        "subject": "math",
        "subgroup": "",
        "substitute": str(s.staff("cover")),
        "starts": "2023-10-02",  # not in the class's year
        "ends": "2024-10-04",
        "reason": "<b>курсы</b>",
    }
    before = events(web.app)
    refused = post(web.client, "/app/substitutions", form)
    assert refused.status_code == 422
    assert 'id="starts-error"' in refused.text
    assert 'value="&lt;b&gt;курсы&lt;/b&gt;"' in refused.text
    assert events(web.app) == before
    saved = post(web.client, "/app/substitutions", {**form, "starts": "2024-10-02"})
    assert saved.status_code == 303
    assert events(web.app) == before + 1
    listed = web.client.get(saved.headers["location"]).text
    assert "Замещение записано" in listed
    assert "02.10.2024 – 04.10.2024" in listed
    # a teacher may not: the form is not offered, and a post is refused
    teacher = web.new_client()
    sign_in(teacher, "maths")
    answer = post(
        teacher,
        "/app/substitutions",
        {**form, "csrf": csrf_of(teacher.get("/app/teacher").text)},
    )
    assert answer.status_code == 403
    assert events(web.app) == before + 1
