"""The class teacher's pages: the roster, the summary statement and personal
files as printable pages, final grades recorded through the form, and only
the class the person leads."""

from __future__ import annotations

from tests.support.school import ALL_FIVES, admit, pass_exams
from tests.support.web import Web, sign_in
from tests.support.web_forms import field_errors, logged, position, send


def test_the_roster_lists_the_class_by_journal_number(web: Web) -> None:
    sign_in(web.client, "maths")
    page = web.client.get("/app/class")
    assert page.status_code == 200
    text = page.text
    names = [
        "Иванов Пётр Сергеевич",
        "Кузнецов Олег Павлович",
        "Смирнова Анна Игоревна",
    ]
    assert [text.index(n) for n in names] == sorted(text.index(n) for n in names)
    assert "9А класс" in text
    assert "Орлова" not in text  # 9Б is not this teacher's class
    klass = web.school.klass("9А")
    assert f"/app/class/{klass}/summary" in text
    assert f"/app/class/{klass}/forms/attestats" in text  # grade 9 graduates
    office = web.app.state.office
    entries = office.access.page(0, office.access.count())
    actions = [a.action for a in entries if a.account == "maths"]
    assert any(a.startswith("roster") for a in actions)


def test_the_summary_statement_and_a_personal_file_print_as_pages(web: Web) -> None:
    sign_in(web.client, "maths")
    klass = web.school.klass("9А")
    summary = web.client.get(f"/app/class/{klass}/summary")
    assert summary.status_code == 200
    assert "Сводная ведомость" in summary.text
    assert "Смирнова Анна Игоревна" in summary.text
    assert 'class="report landscape"' in summary.text  # A4 landscape when printed
    assert "Контрольная точка" in summary.text  # the checkpoint it was built at
    assert "/app/static/office.css" in summary.text
    pupil = web.school.pupils[1]
    file = web.client.get(f"/app/class/{klass}/pupils/{pupil}")
    assert file.status_code == 200
    assert "Личное дело" in file.text
    assert "Итоговые результаты по годам обучения" in file.text  # yearly entries
    assert "Решения педагогического совета" in file.text


def test_another_class_and_its_pupils_stay_closed(web: Web) -> None:
    sign_in(web.client, "maths")
    other = web.school.klass("9Б")
    for path in (
        f"/app/class/{other}/summary",
        f"/app/class/{other}/forms/final-grades",
        f"/app/class/{other}/pupils/{web.school.other_pupil}",
    ):
        answer = web.client.get(path)
        assert answer.status_code == 403, path
        assert "Это не ваш класс" in answer.text
    mine = web.school.klass("9А")
    stranger = web.client.get(f"/app/class/{mine}/pupils/{web.school.other_pupil}")
    assert stranger.status_code == 404
    english = web.new_client()
    sign_in(english, "english")  # a teacher, no class teacher
    assert english.get("/app/class").status_code == 403
    assert english.get(f"/app/class/{mine}/summary").status_code == 403


def test_final_grades_through_the_form(web: Web) -> None:
    s = web.school
    admit(s, s.pupils[0])
    pass_exams(s, s.pupils[0])
    sign_in(web.client, "maths")
    path = f"/app/class/{s.klass('9А')}/forms/final-grades"
    before = position(web.app)
    grades = {
        "pupil": str(s.pupils[0]),
        "grades.0.grade": ALL_FIVES["rus"],
        "grades.1.grade": "7",
        "grades.2.grade": "5",
    }
    refused = send(web.client, path, grades)
    assert refused.status_code == 422
    errors = field_errors(refused.text)
    assert list(errors) == ["grades.1.grade"], errors
    assert position(web.app) == before
    recorded = send(web.client, path, {**grades, "grades.1.grade": "5"})
    assert recorded.status_code == 303, field_errors(recorded.text)
    events = logged(web.app, before)
    assert {e["type"] for e in events} == {"attestation.FinalGradeRecorded"}
    assert sorted(e["data"]["subject"] for e in events) == ["hist", "math", "rus"]
