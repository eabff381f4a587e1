"""Honours and medals: when an attestat is «с отличием» and a medal is due.

What is implemented (federal rules, the same for every school, hence code):

- Basic attestat with honours (grade 9): every final grade «5» (pass/fail
  subjects «зачёт») and the state exams passed: the compulsory Russian and
  mathematics taken, and the latest result of every exam taken passed, none
  only at a re-sit (for medals too: «без учета результатов, полученных при
  прохождении повторной ГИА», order 315 of 2018, kept by order 546). Source:
  issue 3; «Порядок заполнения, учета и выдачи аттестатов» (order of the
  Ministry of Education of 05.10.2020 № 546).
- Medal «За особые успехи в учении», I degree (grade 11): every final grade
  «5»; state exams passed; ЕГЭ Russian ≥ 70 points and ≥ 70 in one more ЕГЭ
  subject, or «5» in basic mathematics when only Russian and basic mathematics
  were taken; by ГВЭ: «5» in Russian and mathematics. II degree: final grades
  «5» with at most two «4» (none lower); exams passed; ЕГЭ Russian ≥ 60 and ≥ 60
  in one more subject (or «5» in basic mathematics); by ГВЭ: «5» in Russian and
  mathematics. Source: order of the Ministry of Education of 29.09.2023 № 730
  (as published), the seed regulation's «с отличием, награжден медалью»
  (§7.3.6).
- Secondary attestat with honours: with the medal of either degree, and every
  medal with it (since the II-degree medal returned in 2023/2024 the attestat
  with honours has a red cover with the I-degree medal and a blue one with the
  II-degree medal; issue 13 checked the former "I degree only" rule and dropped
  it). Sources: order 730 and the 2023 amendments to order 546, as reported by
  Interfax (29.11.2023, «Золотые медалисты будут получать красные аттестаты»).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from ledger.domain.errors import HonoursError
from ledger.domain.exams import ExamKind, ExamResult
from ledger.domain.grading import EXCELLENT, GOOD, PASSED
from ledger.domain.school import Level


class Medal(StrEnum):
    """The medal «За особые успехи в учении» (order of 29.09.2023 № 730)."""

    FIRST = "I"
    SECOND = "II"


@dataclass(frozen=True)
class GraduateResults:
    """What honours and medals are decided on: a pupil's final grades for the
    attestat of a level (subject → grade) and the latest result of each state
    exam taken (subject → result)."""

    final_grades: Mapping[str, str] = field(default_factory=dict)
    exams: Mapping[str, ExamResult] = field(default_factory=dict)
    resat: frozenset[str] = frozenset()  # subjects passed only at a re-sit

    def check_honours(
        self, level: Level, *, with_honours: bool, medal: Medal | None
    ) -> None:
        """:func:`check_honours` on these results."""
        check_honours(
            level,
            self.final_grades,
            self.exams,
            with_honours=with_honours,
            medal=medal,
            resat=self.resat,
        )


RUSSIAN = "rus"
BASIC_MATHS = "math_base"
COMPULSORY = {
    Level.BASIC: (("rus",), ("math",)),
    Level.SECONDARY: (("rus",), ("math_base", "math_prof")),
}
MEDAL_SCORE = {Medal.FIRST: 70, Medal.SECOND: 60}
MAX_GOOD = {Medal.FIRST: 0, Medal.SECOND: 2}


def check_honours(
    level: Level,
    grades: Mapping[str, str],
    exams: Mapping[str, ExamResult],
    *,
    with_honours: bool,
    medal: Medal | None,
    resat: frozenset[str] = frozenset(),
) -> None:
    """Raise :class:`HonoursError` unless the honours and medal asked for hold;
    exams passed only at a re-sit (``resat``) do not count for them."""
    if (with_honours or medal is not None) and resat:
        msg = (
            "honours and medals count the state exams passed without re-sits "
            "(«без учета результатов, полученных при прохождении повторной ГИА», "
            f"order 546); re-sat: {sorted(resat)}"
        )
        raise HonoursError(msg)
    if level is Level.BASIC:
        if with_honours:
            _check_excellent(
                grades, allowed_good=0, what="a basic attestat with honours"
            )
            _check_exams_passed(level, exams, "a basic attestat with honours")
        return
    if with_honours != (medal is not None):
        msg = (
            "a secondary attestat with honours goes with the medal «За особые "
            "успехи в учении» of either degree, and the medal with it (red cover "
            "with the I degree, blue with the II: orders 546 and 730 as amended "
            "in 2023); record both or neither"
        )
        raise HonoursError(msg)
    if medal is not None:
        check_medal(medal, grades, exams)


def check_medal(
    medal: Medal, grades: Mapping[str, str], exams: Mapping[str, ExamResult]
) -> None:
    what = f"the {medal.value}-degree medal"
    _check_excellent(grades, allowed_good=MAX_GOOD[medal], what=what)
    _check_exams_passed(Level.SECONDARY, exams, what)
    if not _medal_exams(medal, exams):
        threshold = MEDAL_SCORE[medal]
        msg = (
            f"{what} needs ЕГЭ Russian ≥ {threshold} and ≥ {threshold} in one more "
            f"ЕГЭ subject (or «5» in basic mathematics), or «5» in Russian and "
            f"mathematics by ГВЭ; results: {_scores(exams)}"
        )
        raise HonoursError(msg)


def _check_excellent(
    grades: Mapping[str, str], *, allowed_good: int, what: str
) -> None:
    good = sorted(s for s, g in grades.items() if g == GOOD)
    below = sorted(s for s, g in grades.items() if g not in (EXCELLENT, GOOD, PASSED))
    if below or len(good) > allowed_good:
        allowance = (
            "every final grade «5»"
            if not allowed_good
            else (f"final grades «5» with at most {allowed_good} «4»")
        )
        msg = (
            f"{what} needs {allowance}; «4» in {good or 'none'}, lower in "
            f"{below or 'none'}"
        )
        raise HonoursError(msg)


def _check_exams_passed(
    level: Level, exams: Mapping[str, ExamResult], what: str
) -> None:
    missing = [
        "/".join(options)
        for options in COMPULSORY[level]
        if not any(o in exams for o in options)
    ]
    failed = sorted(s for s, r in exams.items() if not r.passed)
    if missing or failed:
        msg = (
            f"{what} needs the state exams passed: compulsory exams missing "
            f"{missing or 'none'}, failed {failed or 'none'}"
        )
        raise HonoursError(msg)


def _medal_exams(medal: Medal, exams: Mapping[str, ExamResult]) -> bool:
    russian = exams.get(RUSSIAN)
    if russian is None:
        return False
    if russian.exam is ExamKind.GVE:
        maths = [r for s, r in exams.items() if s.startswith("math")]
        return russian.mark == EXCELLENT and any(m.mark == EXCELLENT for m in maths)
    threshold = MEDAL_SCORE[medal]
    if (russian.score or 0) < threshold:
        return False
    others = [r for s, r in exams.items() if s != RUSSIAN]
    if any(r.exam is ExamKind.EGE and (r.score or 0) >= threshold for r in others):
        return True
    basic = exams.get(BASIC_MATHS)
    return basic is not None and basic.mark == EXCELLENT


def _scores(exams: Mapping[str, ExamResult]) -> str:
    shown = [
        f"{s} {r.score if r.score is not None else '«' + str(r.mark) + '»'}"
        for s, r in sorted(exams.items())
    ]
    return ", ".join(shown) or "none"
