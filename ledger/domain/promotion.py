"""Promotion and class moves as the council decided (273-ФЗ art. 58 p. 8–9).

- A pupil with open academic debts is not «переведён» outright: the council
  promotes them conditionally («переведён условно»), listing exactly the debts
  the ledger holds for the year (no more, no fewer).
- A move up a grade («переведён в … класс», §7.3.4) follows the council's
  decision of the year just ended: a promotion (outright or conditional), or
  in grade 9 the basic attestat for a pupil who stays for grade 10; never a
  pupil the council retained. A conditional move names itself as such while
  the debts are open. A move up is to the next grade of a later year.
- Retention keeps the grade and needs the council's «оставлен на повторное
  обучение»; a move to a parallel class keeps the grade too.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ledger.domain.admission import Debt
from ledger.domain.decisions import DecisionKind
from ledger.domain.errors import PromotionError
from ledger.domain.people import MoveReason

_UP = (
    DecisionKind.PROMOTED,
    DecisionKind.PROMOTED_CONDITIONALLY,
    DecisionKind.ATTESTAT_BASIC,
)


def check_promotion(
    kind: DecisionKind, debts: Sequence[str], held: Sequence[Debt]
) -> None:
    """A council promotion against the debts the ledger ``held`` for the year:
    none for «переведён», exactly those for «переведён условно»."""
    owed = sorted({d.subject for d in held})
    if kind is DecisionKind.PROMOTED and owed:
        msg = (
            f"the pupil has open academic debts ({', '.join(map(str, held))}); "
            "such a pupil is promoted conditionally with those debts listed "
            "(273-ФЗ art. 58 p. 8), or retained"
        )
        raise PromotionError(msg)
    if kind is DecisionKind.PROMOTED_CONDITIONALLY and sorted(set(debts)) != owed:
        msg = (
            f"a conditional promotion lists exactly the debts the ledger holds: "
            f"{', '.join(owed) or 'none'}; listed: {', '.join(debts) or 'none'}"
        )
        raise PromotionError(msg)


def check_move(
    reason: MoveReason,
    *,
    from_class: str,
    from_grade: int,
    from_year: str,
    to_class: str,
    to_grade: int,
    to_year: str,
    decided: Collection[DecisionKind],
    debts: Sequence[Debt],
) -> None:
    """A move of a pupil from ``from_class`` to ``to_class`` for ``reason``,
    against the council's decisions (``decided``) of ``from_year`` and the
    debts the ledger holds for it."""
    what = f"move {from_class} ({from_year}) → {to_class} ({to_year}) «{reason}»"
    if reason in (MoveReason.PARALLEL, MoveReason.RETAINED) and to_grade != from_grade:
        msg = f"{what}: a {reason.value} move keeps the grade ({from_grade})"
        raise PromotionError(msg)
    if reason is MoveReason.PARALLEL:
        return
    if to_year <= from_year:
        msg = f"{what}: promotion and retention move to a class of the next year"
        raise PromotionError(msg)
    if reason is MoveReason.RETAINED:
        if DecisionKind.RETAINED not in decided:
            msg = f"{what}: the council did not retain the pupil in {from_year}"
            raise PromotionError(msg)
        return
    _check_up(reason, what, from_grade, to_grade, decided, debts)


def _check_up(
    reason: MoveReason,
    what: str,
    from_grade: int,
    to_grade: int,
    decided: Collection[DecisionKind],
    debts: Sequence[Debt],
) -> None:
    if to_grade != from_grade + 1:
        msg = f"{what}: a promotion moves to grade {from_grade + 1}"
        raise PromotionError(msg)
    found = [k.value for k in _UP if k in decided]
    if DecisionKind.RETAINED in decided or not found:
        msg = (
            f"{what}: the pupil was not promoted by the council (decisions: "
            f"{', '.join(sorted(k.value for k in decided)) or 'none'}); a move up "
            "needs «переведён» or «переведён условно» (in grade 9, the basic "
            "attestat), and not «оставлен на повторное обучение»"
        )
        raise PromotionError(msg)
    conditional = DecisionKind.PROMOTED_CONDITIONALLY in decided
    if reason is MoveReason.PROMOTED_CONDITIONALLY and not conditional:
        msg = f"{what}: the council promoted the pupil outright ({', '.join(found)})"
        raise PromotionError(msg)
    if reason is MoveReason.PROMOTED and debts:
        msg = (
            f"{what}: academic debts are still open ({', '.join(map(str, debts))}); "
            "the move is «promoted_conditionally» until they are retaken"
        )
        raise PromotionError(msg)
