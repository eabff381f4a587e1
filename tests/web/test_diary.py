"""The diary pages of pupils and guardians, on SQLite and PostgreSQL: whose
diary a person may open (152-ФЗ), what a week shows, the personal file and
the portfolio, bad input, and HTML in the records escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.server.web.diary import parse_week
from api.server.web.diary_read import monday_of
from tests.support.diary_school import (
    INJECTED_HOMEWORK,
    INJECTED_TOPIC,
    DiarySchool,
    diary_app,
    module_store,
)
from tests.support.web import sign_in

WEEK = "2024-09-30"  # the week with the corrected and the voided mark


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def diary(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DiarySchool]:
    """One school for the module's tests (they only read; each test signs in
    afresh)."""
    path = tmp_path_factory.mktemp("diary")
    with module_store(request.param, path) as store, diary_app(store) as d:
        yield d


def client_of(d: DiarySchool, login: str) -> TestClient:
    client = TestClient(d.app)
    sign_in(client, login)
    return client


def text_of(html: str) -> str:
    """The page's words: tags dropped, entities left as they are."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def accesses(d: DiarySchool, login: str) -> list[tuple[str, str]]:
    rows = d.office.access.page(0, 1000)
    return [(r.action, r.subject) for r in rows if r.account == login]


def test_a_pupil_reads_their_own_diary_and_no_one_elses(diary: DiarySchool) -> None:
    pupil = client_of(diary, "pupil")
    start = pupil.get("/app/diary", follow_redirects=False)
    assert start.status_code == 303
    assert start.headers["location"] == f"/app/diary/{diary.ivanov}"
    own = pupil.get(start.headers["location"])
    assert own.status_code == 200
    assert "Дневник: Иванов Пётр Сергеевич" in own.text
    by_file_number = pupil.get("/app/diary/" + quote("И-1"))
    assert by_file_number.status_code == 200
    other = str(diary.smirnova)
    for path in (
        f"/app/diary/{other}",
        f"/app/diary/{other.upper()}",
        "/app/diary/" + quote("С-1"),
        f"/app/diary/{other}/file",
        f"/app/diary/{other}/portfolio",
        f"/app/charts/pupil/{other}",
    ):
        refused = pupil.get(path)
        assert refused.status_code == 403, path
        assert "Нет доступа" in refused.text
        assert "обучающийся видит только свои записи" in refused.text
        assert "Смирнова" not in refused.text
    log = accesses(diary, "pupil")
    assert ("diary this week", f"pupil:{diary.ivanov}") in log
    refusals = [a for a in log if a[0].startswith("refused 403:")]
    assert len(refusals) == 6
    assert {s for _, s in refusals} == {f"pupil:{other}"}


def test_a_guardian_chooses_among_their_children(diary: DiarySchool) -> None:
    parent = client_of(diary, "parent2")
    chooser = parent.get("/app/diary")
    assert chooser.status_code == 200
    links = re.findall(
        r'href="/app/diary/([0-9a-f-]{36})"><strong>([^<]+)', chooser.text
    )
    assert links == [
        (str(diary.ivanov), "Иванов Пётр Сергеевич"),
        (str(diary.smirnova), "Смирнова Анна Игоревна"),
    ]
    assert parent.get(f"/app/diary/{diary.smirnova}").status_code == 200
    assert parent.get(f"/app/diary/{diary.kuznetsov}").status_code == 403
    guardian = client_of(diary, "guardian")
    assert guardian.get(f"/app/diary/{diary.smirnova}").status_code == 403
    staff = client_of(diary, "maths")
    assert staff.get("/app/diary", follow_redirects=False).status_code == 403


def test_a_week_shows_lessons_homework_marks_absences_and_grades(
    diary: DiarySchool,
) -> None:
    page = client_of(diary, "guardian").get(
        f"/app/diary/{diary.ivanov}?week=2024-10-02"
    )
    assert page.status_code == 200
    html = page.text
    words = text_of(html)
    assert "Неделя 30.09.2024 – 06.10.2024" in words
    for day in ("понедельник 30.09.2024", "пятница 04.10.2024", "суббота 05.10.2024"):
        assert day in words
    assert "воскресенье" not in words  # no lessons on Sunday
    assert "Линейные уравнения" in words  # school_app's lesson of 1 October
    assert "Тема 17: math 02.10 Д/з: Упражнения 17, 18" in words
    assert "Английский язык (группа 1)" in words
    corrected = f'href="/app/proof/{diary.corrected}"'
    assert re.search(corrected + r"[^>]*>3→5</a>", html)
    assert "исправлена: описка" in html
    assert re.search(
        f'href="/app/proof/{diary.voided}"' + r"[^>]*>\(2\) анн\.</a>", html
    )
    assert (
        "аннулирована: выставлена ошибочно: &#34;&lt;i&gt;повтор&lt;/i&gt;&#34;" in html
    )
    marks = re.findall(r'href="/app/proof/([0-9a-f-]{36}:\d+)"', html)
    in_week = [
        m.entry
        for m in diary.ivanovs
        if date(2024, 9, 30) <= m.day <= date(2024, 10, 6)
    ]
    assert set(in_week) <= set(marks)
    assert 'class="entry absence"' in html  # «н» on 1 October (school_app's)
    periods = html[html.index("Отметки за периоды") :]
    row = re.search(r"Математика</th>(.*?)</tr>", periods, re.S)
    assert row is not None
    assert re.findall(r'<td class="num">([^<]+)</td>', row.group(1))[:3] == [
        "5",
        "5",
        "—",
    ]


def test_a_pupil_sees_only_the_lessons_of_their_own_subgroup(
    diary: DiarySchool,
) -> None:
    teacher = client_of(diary, "maths")  # class teacher of 9А: reads its pupils
    kuznetsov = teacher.get(f"/app/diary/{diary.kuznetsov}?week={WEEK}")
    assert kuznetsov.status_code == 200
    assert (
        "Английский язык" not in text_of(kuznetsov.text).split("Отметки за периоды")[0]
    )
    ivanov = teacher.get(f"/app/diary/{diary.ivanov}?week={WEEK}")
    assert "Английский язык (группа 1)" in text_of(ivanov.text)


def test_html_in_topics_and_homework_is_shown_as_text(diary: DiarySchool) -> None:
    page = client_of(diary, "guardian").get(f"/app/diary/{diary.ivanov}?week={WEEK}")
    html = page.text
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<i>" not in html  # a void's reason, in the mark's tooltip
    assert "&lt;script&gt;alert(&#34;тема&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert INJECTED_TOPIC.startswith("<script>")
    assert INJECTED_HOMEWORK.startswith("<img")
    assert "script-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("asked", ["31.02.2024", "на прошлой неделе", "2024-13-01"])
def test_a_bad_week_is_refused_next_to_the_field(
    diary: DiarySchool, asked: str
) -> None:
    page = client_of(diary, "guardian").get(
        f"/app/diary/{diary.ivanov}", params={"week": asked}
    )
    assert page.status_code == 422
    assert f'value="{asked}"' in page.text
    assert 'aria-invalid="true"' in page.text
    error = re.search(
        r'<span class="field-error" id="week-error">([^<]+)</span>', page.text
    )
    assert error is not None
    assert error.group(1) == (
        f"«{asked}» — не дата; нужна дата в виде ДД.ММ.ГГГГ или ГГГГ-ММ-ДД, "
        "например 01.10.2024"
    )
    assert "Неделя 13.01.2025 – 19.01.2025" in text_of(page.text)  # this week


def test_a_week_is_asked_for_by_any_of_its_days() -> None:
    assert parse_week("02.10.2024") == date(2024, 10, 2)
    assert parse_week(" 2024-10-02 ") == date(2024, 10, 2)
    assert parse_week("") is None
    assert parse_week(None) is None
    assert monday_of(date(2024, 10, 6)) == date(2024, 9, 30)
    with pytest.raises(ValueError, match=r"«1\.2» — не дата"):
        parse_week("1.2")


def test_the_personal_file_and_the_portfolio(diary: DiarySchool) -> None:
    guardian = client_of(diary, "guardian")
    file = guardian.get(f"/app/diary/{diary.ivanov}/file")
    assert file.status_code == 200
    words = text_of(file.text)
    assert "Личное дело № И-1" in words
    assert "Движение обучающегося" in words
    assert "Итоговые результаты по годам обучения" in words
    folio = guardian.get(f"/app/diary/{diary.ivanov}/portfolio")
    assert folio.status_code == 200
    words = text_of(folio.text)
    assert "Портфолио достижений: Иванов Пётр Сергеевич" in words
    assert "Школьный этап всероссийской олимпиады по математике" in words
    assert "победитель" in words
    assert "протокол № 3 от 15.10.2024" in words
    assert (
        "personal file",
        f"pupil:{diary.ivanov}",
    ) in accesses(diary, "guardian")


def test_the_diary_needs_a_signed_in_person(diary: DiarySchool) -> None:
    anonymous = TestClient(diary.app)
    page = anonymous.get(f"/app/diary/{diary.ivanov}", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/app/login?next=")
