"""Honours and medal criteria (ledger.domain.honours), case by case."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.domain.decisions import Medal
from ledger.domain.errors import HonoursError
from ledger.domain.exams import ExamKind, ExamResult
from ledger.domain.honours import check_honours
from ledger.domain.school import Level

DAY = date(2025, 6, 3)


def oge(subject: str, mark: str) -> ExamResult:
    return ExamResult(ExamKind.OGE, subject, DAY, 30, None, mark, mark != "2")


def ege(subject: str, score: int) -> ExamResult:
    return ExamResult(ExamKind.EGE, subject, DAY, score // 2, score, None, score >= 36)


FIVES = {"rus": "5", "alg": "5", "hist": "5", "pe": "зачёт"}


def test_basic_honours_hold_with_all_fives_and_exams_passed() -> None:
    exams = {"rus": oge("rus", "4"), "math": oge("math", "5")}
    check_honours(Level.BASIC, FIVES, exams, with_honours=True, medal=None)


def test_basic_honours_need_the_compulsory_exams() -> None:
    with pytest.raises(HonoursError, match=r"compulsory exams missing \['math'\]"):
        check_honours(
            Level.BASIC, FIVES, {"rus": oge("rus", "5")}, with_honours=True, medal=None
        )


def test_no_honours_asked_means_no_check() -> None:
    check_honours(Level.BASIC, {"rus": "3"}, {}, with_honours=False, medal=None)


def _eleven(**scores: int) -> dict[str, ExamResult]:
    return {s: ege(s, n) for s, n in scores.items()}


def test_first_degree_medal_needs_70_in_russian_and_one_more_subject() -> None:
    check_honours(
        Level.SECONDARY,
        FIVES,
        _eleven(rus=72, math_prof=70),
        with_honours=True,
        medal=Medal.FIRST,
    )
    with pytest.raises(HonoursError, match="ЕГЭ Russian ≥ 70 and ≥ 70 in one more"):
        check_honours(
            Level.SECONDARY,
            FIVES,
            _eleven(rus=72, math_prof=68),
            with_honours=True,
            medal=Medal.FIRST,
        )


def test_first_degree_medal_by_basic_mathematics_needs_a_five() -> None:
    exams = {
        "rus": ege("rus", 80),
        "math_base": ExamResult(ExamKind.EGE, "math_base", DAY, 18, None, "5", True),
    }
    check_honours(Level.SECONDARY, FIVES, exams, with_honours=True, medal=Medal.FIRST)


def test_second_degree_medal_allows_two_fours_and_60_points() -> None:
    grades = {**FIVES, "alg": "4", "hist": "4"}
    check_honours(
        Level.SECONDARY,
        grades,
        _eleven(rus=61, phys=60, math_prof=50),
        with_honours=True,
        medal=Medal.SECOND,
    )
    with pytest.raises(
        HonoursError, match=r"at most 2 «4»; «4» in \['alg', 'bio', 'hist'\]"
    ):
        check_honours(
            Level.SECONDARY,
            {**grades, "bio": "4"},
            _eleven(rus=90, phys=90, math_prof=90),
            with_honours=True,
            medal=Medal.SECOND,
        )


def test_secondary_honours_go_with_a_medal_of_either_degree() -> None:
    exams = _eleven(rus=90, phys=90, math_prof=90)
    for medal in Medal:
        check_honours(Level.SECONDARY, FIVES, exams, with_honours=True, medal=medal)
    with pytest.raises(HonoursError, match=r"with the medal .* of either degree"):
        check_honours(Level.SECONDARY, FIVES, exams, with_honours=True, medal=None)
    with pytest.raises(HonoursError, match="record both or neither"):
        check_honours(
            Level.SECONDARY, FIVES, exams, with_honours=False, medal=Medal.SECOND
        )


def test_a_failed_exam_rules_out_a_medal() -> None:
    exams = {**_eleven(rus=90, math_prof=90), "chem": ege("chem", 20)}
    with pytest.raises(HonoursError, match=r"failed \['chem'\]"):
        check_honours(
            Level.SECONDARY, FIVES, exams, with_honours=True, medal=Medal.FIRST
        )


def test_state_final_exam_route_needs_fives_in_russian_and_mathematics() -> None:
    gve = {
        s: ExamResult(ExamKind.GVE, s, DAY, 20, None, m, True)
        for s, m in (("rus", "5"), ("math_base", "5"))
    }
    check_honours(Level.SECONDARY, FIVES, gve, with_honours=True, medal=Medal.FIRST)
    gve["rus"] = ExamResult(ExamKind.GVE, "rus", DAY, 20, None, "4", True)
    with pytest.raises(HonoursError, match="by ГВЭ"):
        check_honours(Level.SECONDARY, FIVES, gve, with_honours=True, medal=Medal.FIRST)


def test_exams_passed_only_at_a_re_sit_rule_out_honours_and_medals() -> None:
    exams = {"rus": oge("rus", "5"), "math": oge("math", "4")}
    check_honours(Level.BASIC, FIVES, exams, with_honours=False, medal=None)
    with pytest.raises(HonoursError, match=r"without re-sits .*re-sat: \['math'\]"):
        check_honours(
            Level.BASIC,
            FIVES,
            exams,
            with_honours=True,
            medal=None,
            resat=frozenset({"math"}),
        )
    check_honours(
        Level.BASIC,
        {"rus": "3"},
        exams,
        with_honours=False,
        medal=None,
        resat=frozenset({"math"}),
    )
