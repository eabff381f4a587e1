"""The grading policy's arithmetic: weighted averages, rounding, scales."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.errors import InvalidRecordError, ScaleError
from ledger.domain.grading import (
    NOT_ATTESTED,
    Assessment,
    GradingPolicy,
    WorkType,
    weighted_average,
)

POLICY = GradingPolicy(
    effective_from=date(2024, 9, 1),
    marks=(5, 4, 3, 2),
    passing=3,
    work_types=(WorkType("ответ", 1), WorkType("контрольная", 3)),
    rounding_threshold=Decimal("0.6"),
    min_marks=3,
    unmarked_grades=(1,),
)


def test_weighted_average_counts_each_mark_by_its_weight() -> None:
    assert weighted_average([(5, 1), (4, 3), (5, 1)]) == Decimal("4.40")


@pytest.mark.parametrize(
    ("threshold", "average", "grade"),
    [
        ("0.5", "4.50", "5"),
        ("0.6", "4.50", "4"),
        ("0.6", "4.60", "5"),
        ("0.5", "2.49", "2"),
    ],
)
def test_rounding_threshold_decides_the_suggested_grade(
    threshold: str, average: str, grade: str
) -> None:
    policy = replace(POLICY, rounding_threshold=Decimal(threshold))
    assert policy.rounded(Decimal(average)) == grade


def test_too_few_marks_suggest_not_attested() -> None:
    suggestion = POLICY.suggest([("5", 1), ("5", 1)], Assessment.FIVE_POINT)
    assert (suggestion.grade, suggestion.average, suggestion.marks_counted) == (
        NOT_ATTESTED,
        None,
        2,
    )


def test_not_attested_marks_do_not_count() -> None:
    suggestion = POLICY.suggest(
        [("5", 1), ("н/а", 3), ("4", 1), ("3", 1)], Assessment.FIVE_POINT
    )
    assert suggestion.average == Decimal("4.00")
    assert suggestion.marks_counted == 3


def test_pass_fail_subject_suggests_pass_when_most_marks_pass() -> None:
    marks = [("зачёт", 1), ("зачёт", 1), ("незачёт", 1)]
    assert POLICY.suggest(marks, Assessment.PASS_FAIL).grade == "зачёт"


def test_year_grade_is_the_plain_average_of_period_grades() -> None:
    suggestion = POLICY.suggest_year(["5", "4", "4", "4"], Assessment.FIVE_POINT)
    assert (suggestion.average, suggestion.grade) == (Decimal("4.25"), "4")


def test_marks_off_the_scale_name_the_allowed_ones() -> None:
    with pytest.raises(ScaleError, match=r"allowed: 5, 4, 3, 2, н/а"):
        POLICY.check_mark("1", Assessment.FIVE_POINT, 5)
    with pytest.raises(ScaleError, match=r"allowed: зачёт, незачёт, н/а"):
        POLICY.check_mark("5", Assessment.PASS_FAIL, 4)
    with pytest.raises(ScaleError, match="taught without marks"):
        POLICY.check_mark("5", Assessment.FIVE_POINT, 1)


@pytest.mark.parametrize(
    ("result", "failing"),
    [("2", True), ("3", False), ("н/а", True), ("незачёт", True), ("зачёт", False)],
)
def test_failing_results_leave_a_debt(result: str, failing: bool) -> None:
    assert POLICY.is_failing(result) is failing


def test_an_unusable_policy_is_refused_with_every_problem() -> None:
    bad = replace(POLICY, passing=1, rounding_threshold=Decimal("1.5"))
    with pytest.raises(
        InvalidRecordError, match=r"passing mark 1 .*; rounding threshold 1.5"
    ):
        bad.check()


@given(
    st.lists(st.tuples(st.integers(2, 5), st.integers(1, 3)), min_size=1, max_size=30)
)
def test_the_average_lies_between_the_lowest_and_highest_mark(
    pairs: list[tuple[int, int]],
) -> None:
    average = weighted_average(pairs)
    assert min(m for m, _ in pairs) <= average <= max(m for m, _ in pairs)
    assert POLICY.rounded(average) in {"2", "3", "4", "5"}
