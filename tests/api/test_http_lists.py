"""Lists to act on: my classes, a roster, a class's lessons, a lesson's entries,
the periods; each scoped like every read, reads and refusals in the access log,
and the ids they give usable to post a lesson sheet and a correction."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.domain.people import LeaveReason, MoveReason
from ledger.records.people import MoveInput
from tests.support.school import WORK
from tests.support.serving import DAY, Served

NINE_A = ["Иванов Пётр Сергеевич", "Кузнецов Олег Павлович", "Смирнова Анна Игоревна"]


def _get(s: Served, path: str, account: str) -> Any:
    return s.client.get(path, headers=s.auth(account))


def _ok(s: Served, path: str, account: str) -> Any:
    answer = _get(s, path, account)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _log(s: Served) -> list[tuple[str, str, str]]:
    rows = _ok(s, "/access-log?limit=100", "auditor")["items"]
    return [(r["account"], r["action"], r["subject"]) for r in rows]


def _courses(found: dict[str, Any]) -> dict[str, list[tuple[str, str | None]]]:
    return {
        c["name"]: [(x["subject"], x["subgroup"]) for x in c["courses"]]
        for c in found["classes"]
    }


# -- my classes ------------------------------------------------------------------------


def test_a_teacher_lists_the_classes_and_courses_they_act_on(served: Served) -> None:
    maths = _ok(served, "/me/classes", "maths")
    assert maths["year"] == "2024/2025"
    # class teacher of 9А: every course there; in 9Б only the one they teach
    assert _courses(maths) == {
        "9А": [("rus", None), ("math", None), ("hist", None), ("eng", "1")],
        "9Б": [("math", None)],
    }
    assert [c["leads"] for c in maths["classes"]] == [True, False]
    assert maths["classes"][0]["class_id"] == str(served.school.klass("9А"))
    english = _ok(served, "/me/classes", "english")
    assert _courses(english) == {"9А": [("eng", "1")]}
    [course] = english["classes"][0]["courses"]
    assert course["subject_name"] == "Английский язык"
    assert course["members"] == [str(p) for p in served.school.pupils[:2]]
    assert course["teacher_name"] == "Учитель английского языка, таб. № english"
    assert _ok(served, "/me/classes", "cover")["classes"] == []


def test_a_substitute_sees_the_class_they_cover(served: Served) -> None:
    s = served.school
    s.records.setup.record_substitution(
        class_id=s.klass("9Б"),
        subject="math",
        substitute=s.staff("cover"),
        starts=date(2024, 10, 2),
        ends=date(2024, 10, 4),
        reason="болезнь учителя",
        signed_by=s.signing("deputy"),
    )
    [klass] = _ok(served, "/me/classes", "cover")["classes"]
    assert klass["name"] == "9Б"
    assert klass["courses"] == []
    [sub] = klass["substitutions"]
    assert sub["substitute"] == str(s.staff("cover"))
    assert sub["absent_teacher"] == str(s.staff("maths"))
    assert (sub["starts"], sub["ends"]) == ("2024-10-02", "2024-10-04")


def test_the_office_lists_every_class_and_pupils_are_refused(served: Served) -> None:
    for account in ("deputy", "director", "secretary", "auditor"):
        found = _ok(served, "/me/classes?year=2024/2025", account)
        assert [c["name"] for c in found["classes"]] == ["1А", "9А", "9Б"]
    for account in ("pupil", "guardian"):
        assert _get(served, "/me/classes", account).status_code == 403
    unknown = _get(served, "/me/classes?year=2030/2031", "maths")
    assert unknown.status_code == 404
    assert unknown.json()["field"] == "query.year"
    assert unknown.json()["allowed"] == "2024/2025"


# -- the roster ------------------------------------------------------------------------


def test_the_roster_is_in_russian_alphabetical_order_with_ids(served: Served) -> None:
    s = served.school
    roster = _ok(served, f"/classes/{s.klass('9А')}/roster", "maths")
    assert roster["name"] == "9А"
    assert [p["name"] for p in roster["pupils"]] == NINE_A
    assert [p["number"] for p in roster["pupils"]] == [1, 2, 3]
    assert [p["personal_file"] for p in roster["pupils"]] == ["И-1", "К-1", "С-1"]
    assert {p["pupil"] for p in roster["pupils"]} == {str(p) for p in s.pupils}
    assert all(p["left"] is None for p in roster["pupils"])


def test_the_roster_shows_who_left_and_when(served: Served) -> None:
    s = served.school
    kuznetsov, smirnova = s.pupils[2], s.pupils[1]
    s.records.people.move(
        [
            MoveInput(
                kuznetsov,
                s.klass("9Б"),
                date(2024, 10, 1),
                MoveReason.PARALLEL,
                "приказ № 40",
            )
        ],
        signed_by=s.signing("secretary"),
    )
    s.records.people.leave(
        smirnova,
        on=date(2024, 10, 1),
        reason=LeaveReason.TRANSFERRED,
        order="приказ № 41",
        signed_by=s.signing("secretary"),
    )
    pupils = _ok(served, f"/classes/{s.klass('9А')}/roster", "deputy")["pupils"]
    left = {p["name"]: (p["left"], p["left_how"], p["moved_to"]) for p in pupils}
    assert left == {
        NINE_A[0]: (None, None, None),
        NINE_A[1]: ("2024-10-01", "moved", "9Б"),
        NINE_A[2]: ("2024-10-01", "transferred", None),
    }
    other = _ok(served, f"/classes/{s.klass('9Б')}/roster", "maths")["pupils"]
    assert [(p["name"], p["joined"]) for p in other] == [
        ("Кузнецов Олег Павлович", "2024-10-01"),
        ("Орлова Вера Ильинична", "2024-09-01"),
    ]


def test_roster_reads_and_refusals_are_in_the_access_log(served: Served) -> None:
    klass = served.school.klass("9А")
    path = f"/classes/{klass}/roster"
    assert _get(served, path, "maths").status_code == 200
    assert _get(served, path, "english").status_code == 200  # teaches a subgroup
    for account in ("cover", "pupil", "guardian"):
        refused = _get(served, path, account)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    missing = _get(served, f"/classes/{served.school.school}/roster", "auditor")
    assert missing.status_code == 404
    assert missing.json()["field"] == "path.class_id"
    about = f"class:{klass}"
    assert _log(served) == [
        ("maths", f"roster {klass}", about),
        ("english", f"roster {klass}", about),
        ("cover", f"refused 403: roster {klass}", about),
        ("pupil", f"refused 403: roster {klass}", about),
        ("guardian", f"refused 403: roster {klass}", about),
        (
            "auditor",
            f"refused 404: roster {served.school.school}",
            f"class:{served.school.school}",
        ),
    ]


# -- lessons and entries: ids to act with ----------------------------------------------


def test_the_ids_listed_post_a_lesson_sheet_and_a_correction(served: Served) -> None:
    [klass, *_] = _ok(served, "/me/classes", "maths")["classes"]
    roster = _ok(served, f"/classes/{klass['class_id']}/roster", "maths")["pupils"]
    sheet = {
        "class_id": klass["class_id"],
        "subject": klass["courses"][1]["subject"],
        "day": DAY.isoformat(),
        "number": 2,
        "topic": "Квадратные уравнения",
        "marks": [
            {"pupil": p["pupil"], "mark": "3", "work_type": WORK} for p in roster
        ],
        "absences": [],
    }
    posted = served.client.post(
        "/lesson-sheets", json=sheet, headers=served.auth("maths")
    )
    assert posted.status_code == 201, posted.text
    lessons_path = f"/classes/{klass['class_id']}/lessons?subject=math&period=Q1"
    lessons = _ok(served, lessons_path, "maths")
    assert lessons["period_name"] == "I четверть"
    assert [(x["day"], x["number"], x["topic"]) for x in lessons["lessons"]] == [
        ("2024-10-01", 1, "Линейные уравнения"),
        ("2024-10-01", 2, "Квадратные уравнения"),
    ]
    assert [x["entries"] for x in lessons["lessons"]] == [4, 3]
    new = lessons["lessons"][1]["lesson"]
    assert new == posted.json()["lesson"]
    entries = _ok(served, f"/lessons/{new}/entries", "maths")["entries"]
    assert [e["entry"] for e in entries] == posted.json()["events"][1:]
    first = next(e for e in entries if e["pupil_name"] == NINE_A[0])
    corrected = served.client.post(
        f"/entries/{first['entry']}/correction",
        json={"mark": "4", "reason": "пересчёт баллов"},
        headers=served.auth("maths"),
    )
    assert corrected.status_code == 201, corrected.text
    voided = served.client.post(
        f"/entries/{first['entry']}/void",
        json={"reason": "работа не того ученика"},
        headers=served.auth("deputy"),
    )
    assert voided.status_code == 201, voided.text
    again = _ok(served, f"/lessons/{new}/entries", "deputy")["entries"]
    shown = next(e for e in again if e["entry"] == first["entry"])
    assert (shown["recorded"], shown["value"], shown["voided"]) == ("3", "4", True)
    history = [
        (h["kind"], h["previous"], h["value"], h["reason"], h["by"])
        for h in shown["history"]
    ]
    assert history == [
        ("correction", "3", "4", "пересчёт баллов", str(served.school.staff("maths"))),
        (
            "void",
            "4",
            None,
            "работа не того ученика",
            str(served.school.staff("deputy")),
        ),
    ]
    assert [h["event"] for h in shown["history"]] == [
        corrected.json()["events"][0],
        voided.json()["events"][0],
    ]


def test_lessons_are_filtered_by_subject_subgroup_and_period(served: Served) -> None:
    klass = served.school.klass("9А")
    english = {
        "class_id": str(klass),
        "subject": "eng",
        "subgroup": "1",
        "day": DAY.isoformat(),
        "topic": "Present Simple",
        "marks": [],
        "absences": [],
    }
    posted = served.client.post(
        "/lesson-sheets", json=english, headers=served.auth("english")
    )
    assert posted.status_code == 201, posted.text
    every = _ok(served, f"/classes/{klass}/lessons", "deputy")
    assert every["period"] == "Y"
    assert [(x["subject"], x["subgroup"]) for x in every["lessons"]] == [
        ("eng", "1"),
        ("math", None),
    ]
    only = _ok(served, f"/classes/{klass}/lessons?subject=eng&subgroup=1", "english")
    assert [x["lesson"] for x in only["lessons"]] == [posted.json()["lesson"]]
    later = _ok(served, f"/classes/{klass}/lessons?period=Q2", "deputy")
    assert later["lessons"] == []
    assert (later["starts"], later["ends"]) == ("2024-11-05", "2024-12-27")


def test_bad_lesson_list_parameters_name_the_field(served: Served) -> None:
    klass = served.school.klass("9А")
    period = _get(served, f"/classes/{klass}/lessons?period=H1", "maths")
    assert period.status_code == 422
    assert period.json()["field"] == "query.period"
    assert period.json()["allowed"] == "Q1, Q2, Q3, Q4, Y"
    subject = _get(served, f"/classes/{klass}/lessons?subject=algebra", "maths")
    assert subject.status_code == 422
    assert subject.json()["field"] == "query.subject"
    assert "math" in subject.json()["allowed"]
    assert [r[1].split(":")[0] for r in _log(served)] == ["refused 422"] * 2


def test_lesson_entries_are_scoped_and_logged(served: Served) -> None:
    path = f"/lessons/{served.lesson}/entries"
    for account in ("maths", "english", "auditor"):
        assert _get(served, path, account).status_code == 200
    for account in ("cover", "pupil"):
        assert _get(served, path, account).status_code == 403
    unknown = _get(served, f"/lessons/{served.school.school}/entries", "auditor")
    assert unknown.status_code == 404
    assert unknown.json()["field"] == "path.lesson"
    rows = _log(served)
    assert [(r[0], r[1].split(": ")[0]) for r in rows] == [
        ("maths", f"lesson entries {served.lesson}"),
        ("english", f"lesson entries {served.lesson}"),
        ("auditor", f"lesson entries {served.lesson}"),
        ("cover", "refused 403"),
        ("pupil", "refused 403"),
        ("auditor", "refused 404"),
    ]
    assert rows[0][2] == f"class:{served.school.klass('9А')}"


# -- the periods -----------------------------------------------------------------------


def test_the_periods_of_the_year_and_their_state(served: Served) -> None:
    for account in ("maths", "pupil", "auditor"):
        found = _ok(served, "/periods", account)
    assert found["today"] == "2024-10-01"
    quarters = found["schemes"][0]
    assert quarters["kind"] == "quarters"
    assert [(p["code"], p["name"], p["state"]) for p in quarters["periods"]] == [
        ("Q1", "I четверть", "open"),
        ("Q2", "II четверть", "upcoming"),
        ("Q3", "III четверть", "upcoming"),
        ("Q4", "IV четверть", "upcoming"),
        ("Y", "год", "open"),
    ]
    served.school.clock.set(date(2024, 11, 1))
    later = _ok(served, "/periods?year=2024/2025", "maths")["schemes"][0]["periods"]
    assert [p["state"] for p in later[:2]] == ["ended", "upcoming"]
    assert all(p["closed_by"] is None for p in later)
    assert _log(served) == []  # no one's records were read


def test_the_schema_explains_the_lesson_number_and_the_lists_tag(
    served: Served,
) -> None:
    schema = served.client.get("/openapi.json").json()
    number = schema["components"]["schemas"]["LessonListed"]["properties"]["number"]
    assert "n-th lesson of this subject" in number["description"]
    [tag] = [t for t in schema["tags"] if t["name"] == "lists"]
    assert "Списки" in tag["description"]
    assert "Lists to act on" in tag["description"]
