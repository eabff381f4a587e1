"""The charts: their geometry and words from given numbers, the class's counts
under the grading policy, and the chart pages on SQLite and PostgreSQL (who
may open which, the numbers they show, bad input)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from api.server.web.charts import (
    Slot,
    YearSlots,
    distribution_chart,
    periods_chart,
    pupil_panel,
)
from api.server.web.charts_data import SubjectDynamics, distribution
from tests.support.diary_school import DiarySchool, diary_app, module_store
from tests.support.school import POLICY
from tests.support.web import sign_in


def quarters(
    year: str, grades: tuple[str | None, ...], averages: tuple[str | None, ...]
) -> YearSlots:
    titles = ("I", "II", "III", "IV", "год")
    return YearSlots(
        f"{year}, 9А",
        tuple(
            Slot(
                label,
                f"{label} {year}",
                grade,
                Decimal(average) if average else None,
                year=label == "год",
            )
            for label, grade, average in zip(titles, grades, averages, strict=True)
        ),
    )


def test_a_pupils_panel_draws_each_period_over_two_years() -> None:
    years = (
        quarters(
            "2023/2024", ("4", "5", "4", "н/а", "4"), ("4.2", "4.6", None, "3.9", "4.1")
        ),
        quarters(
            "2024/2025", ("5", None, None, None, None), ("4.8", "4.5", None, None, None)
        ),
    )
    chart = pupil_panel("Математика", years)
    assert chart.width == 30 + 54 * 10 + 14
    grades = [m for m in chart.marks if "grade" in m.css]
    assert [(m.css, m.text) for m in grades] == [
        ("grade", "4"),
        ("grade", "5"),
        ("grade", "4"),
        ("grade unscored", "н/а"),
        ("year-grade", "4"),
        ("grade", "5"),
    ]
    five, four = grades[1], grades[0]
    assert five.y < four.y  # higher marks higher up
    assert grades[3].y == max(m.y for m in grades)  # «н/а» on the lowest line
    # the line joins the periods' averages, broken by a period without marks
    # and by the year's slot (its average is a dot of its own)
    # y = 10 + (5 − value) / 3 × 110: 4,20 → 39.3; the IV quarter's 3,90 stands
    # alone (no marks in III, and the year's average is a dot of its own)
    assert chart.paths == ("57.0,39.3 111.0,24.7", "327.0,17.3 381.0,28.3")
    assert len([m for m in chart.marks if m.css == "average"]) == 6
    assert [line.x1 for line in chart.lines if line.css == "year-bound"] == [300]
    assert [t.text for t in chart.texts if t.css == "year"] == [
        "2023/2024, 9А",
        "2024/2025, 9А",
    ]
    assert len(chart.bands) == 2  # the two years' «год» slots
    assert chart.desc.startswith(
        "Математика, I 2023/2024: отметка 4, средний балл 4,20; "
        "Математика, II 2023/2024: отметка 5, средний балл 4,60; "
        "Математика, III 2023/2024: отметка 4; "
        "Математика, IV 2023/2024: отметка н/а, средний балл 3,90; "
        "Математика, год 2023/2024: годовая отметка 4, средний балл 4,10"
    )


def test_a_subject_graded_pass_or_fail_is_charted_in_the_table_only() -> None:
    passed = quarters("2024/2025", ("зачёт",) * 5, (None,) * 5)
    assert not SubjectDynamics("orkse", "ОРКСЭ", (passed,)).scored
    marked = quarters(
        "2024/2025", ("зачёт", None, None, None, None), ("4.5",) + (None,) * 4
    )
    assert SubjectDynamics("math", "Математика", (marked,)).scored


def test_a_class_is_counted_under_the_grading_policy() -> None:
    counted = distribution("История", ["5", "4", "4", "3", "2", "н/а"], POLICY)
    assert [(s.result, s.count) for s in counted.shares] == [
        ("5", 1),
        ("4", 2),
        ("3", 1),
        ("2", 1),
        ("н/а", 1),
    ]
    assert counted.total == 6
    assert counted.average == Decimal("3.60")  # of the five numeric grades
    assert counted.quality == Decimal("50.0")  # «5», «4», «4» of six
    assert counted.failures == 2  # «2» and «н/а» leave a debt
    assert counted.success == Decimal("66.7")
    passed = distribution("Физкультура", ["зачёт", "зачёт", "незачёт"], POLICY)
    assert [s.result for s in passed.shares if s.count] == ["зачёт", "незачёт"]
    assert passed.average is None
    assert passed.quality is None
    assert passed.failures == 1
    none = distribution("Химия", [], POLICY)
    assert (none.total, none.average, none.quality, none.success) == (
        0,
        None,
        None,
        None,
    )


def test_a_class_chart_draws_bars_that_add_up() -> None:
    rows = (
        distribution("Алгебра", ["5", "5", "4", "3"], POLICY),
        distribution("Химия", [], POLICY),
    )
    chart = distribution_chart("9А", "I четверть", rows)
    algebra = [b for b in chart.bars if b.title.startswith("Алгебра")]
    assert [b.css for b in algebra] == ["result r-5", "result r-4", "result r-3"]
    assert sum(b.width for b in algebra) == pytest.approx(420, abs=0.2)
    assert algebra[0].x == 16 + 7 * len("Алгебра")  # the labels' column fits them
    assert algebra[0].title == "Алгебра: «5» — 2 из 4 (50 %)"
    assert [b.css for b in chart.bars if b.title.startswith("Химия")] == ["empty"]
    assert "Алгебра: «5» — 2, «4» — 1, «3» — 1; средний балл 4,25" in chart.desc
    long = distribution("Основы безопасности и защиты Родины", ["5"], POLICY)
    label = distribution_chart("9А", "год", (long,)).texts[1]
    assert (label.css, label.text) == ("subject", "Основы безопасности и защиты…")
    columns = periods_chart("9А", (("I", rows[0]), ("II", rows[1])))
    assert [(b.css, b.text) for b in columns.bars] == [
        ("success", "100"),
        ("quality", "75"),
    ]


# -- the pages -------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def diary(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DiarySchool]:
    path = tmp_path_factory.mktemp("charts")
    with module_store(request.param, path) as store, diary_app(store) as d:
        yield d


def client_of(d: DiarySchool, login: str) -> TestClient:
    client = TestClient(d.app)
    sign_in(client, login)
    return client


def test_a_pupils_chart_for_the_family_and_the_class_teacher(
    diary: DiarySchool,
) -> None:
    for login in ("guardian", "pupil", "maths", "deputy"):
        page = client_of(diary, login).get(f"/app/charts/pupil/{diary.ivanov}")
        assert page.status_code == 200, login
    html = page.text
    assert html.count('<svg class="chart"') == 4  # Russian, maths, history, English
    assert '<title id="subject-2-title">Математика: динамика отметок</title>' in html
    assert "Математика, I четверть 2024/2025: отметка 5, средний балл" in html
    assert "Математика, II четверть 2024/2025: отметка 5" in html
    assert re.search(r'<th scope="row">Математика</th>\s*<td class="num">5 <span', html)
    refused = client_of(diary, "pupil").get(f"/app/charts/pupil/{diary.smirnova}")
    assert refused.status_code == 403
    assert (
        client_of(diary, "cover").get(f"/app/charts/pupil/{diary.ivanov}").status_code
        == 403
    )


def test_the_class_chart_counts_the_quarters_grades(diary: DiarySchool) -> None:
    deputy = client_of(diary, "deputy")
    klass = diary.school.klass("9А")
    page = deputy.get(f"/app/charts/class/{klass}?period=Q1")
    assert page.status_code == 200
    html = page.text
    assert "9А: отметки за I четверть по предметам" in html
    assert (
        "Русский язык: «5» — 1, «4» — 1, «2» — 1; средний балл 3,67, "
        "«4» и «5» — 67 %, неуспевающих 1" in html
    )
    assert "История: «5» — 1, «4» — 1, «н/а» — 1; средний балл 4,50" in html
    assert (
        "Английский язык: «5» — 1, «4» — 1; средний балл 4,50, «4» и «5» — 100 %"
        in html
    )
    default = deputy.get(f"/app/charts/class/{klass}")
    assert (
        "9А: отметки за II четверть по предметам" in default.text
    )  # the latest graded
    assert (
        "I: успеваемость 82 %, «4» и «5» 73 %; II: успеваемость 100 %" in default.text
    )
    assert (
        client_of(diary, "maths").get(f"/app/charts/class/{klass}").status_code == 200
    )


def test_who_may_open_a_classs_chart(diary: DiarySchool) -> None:
    klass = diary.school.klass("9А")
    for login, status in (
        ("guardian", 403),
        ("pupil", 403),
        ("english", 403),  # a teacher, not a class teacher
        ("secretary", 403),
        ("director", 200),
    ):
        page = client_of(diary, login).get(f"/app/charts/class/{klass}")
        assert page.status_code == status, login
    other = client_of(diary, "maths").get(
        f"/app/charts/class/{diary.school.klass('1А')}"
    )
    assert other.status_code == 403
    assert "Вы не ведёте этот класс" in other.text


def test_a_bad_class_or_period_is_refused_with_what_exists(diary: DiarySchool) -> None:
    deputy = client_of(diary, "deputy")
    missing = deputy.get("/app/charts/class/not-a-class")
    assert missing.status_code == 404
    assert "Такого класса нет в этой школе" in missing.text
    klass = diary.school.klass("9А")
    bad = deputy.get(f"/app/charts/class/{klass}?period=T9")
    assert bad.status_code == 422
    assert "У 9А класса нет периода «T9»; периоды: Q1 (I четверть)" in bad.text


def test_the_charts_index_lists_what_each_person_may_chart(diary: DiarySchool) -> None:
    lead = client_of(diary, "maths").get("/app/charts").text
    assert "9А класс" in lead
    assert "9Б класс" not in lead  # maths teaches 9Б but does not lead it
    assert f'href="/app/charts/pupil/{diary.kuznetsov}">Кузнецов Олег Павлович' in lead
    deputy = client_of(diary, "deputy").get("/app/charts").text
    assert all(f"{name} класс" in deputy for name in ("1А", "9А", "9Б"))
    assert "Кузнецов" not in deputy
    family = client_of(diary, "parent2").get("/app/charts").text
    assert "Иванов Пётр Сергеевич" in family
    assert "Смирнова Анна Игоревна" in family
    assert "9А класс" not in family
