"""Achievements in the portfolio: olympiad stages, contests and ГТО badges,
and one result withdrawn."""

from __future__ import annotations

from datetime import date

from ledger.domain.portfolio import AchievementKind, AchievementLevel, AchievementResult
from simulation.curriculum import HOURS, subject_name
from simulation.state import SchoolState


def olympiad(sim: SchoolState, on: date, level: AchievementLevel, share: float) -> None:
    """All-Russian olympiad stages, contests and ГТО badges (§3.2.2)."""
    sim.clock.at(on, 16)
    kind = (
        AchievementKind.GTO
        if level is AchievementLevel.SCHOOL and on.month >= 4
        else AchievementKind.OLYMPIAD
    )
    for klass in sim.classes.values():
        if klass.grade < 4:
            continue
        for pupil in klass.pupils:
            if pupil.ability not in ("excellent", "good") or sim.rng.random() >= share:
                continue
            subject = sim.rng.choice(list(HOURS[klass.grade]))
            result = (
                AchievementResult.WINNER
                if sim.rng.random() < 0.3
                else AchievementResult.PRIZE
            )
            title = (
                "Знак отличия ГТО"
                if kind is AchievementKind.GTO
                else f"ВсОШ, {level.value} этап: {subject_name(subject)}"
            )
            name = sim.records.portfolio.record_achievement(
                pupil=pupil.id,
                kind=kind,
                title=title,
                level=level,
                result=result,
                on=on,
                document=f"диплом № {sim.rng.randint(100, 9999)}",
                signed_by=klass.teacher.signing(),
            )
            sim.achievements.append(name)
            sim.commands += 1


def withdraw_one(sim: SchoolState, on: date) -> None:
    """One achievement withdrawn: the olympiad's result was annulled."""
    if not sim.achievements:
        return
    sim.clock.at(on, 16)
    name = sim.achievements[len(sim.achievements) // 2]
    sim.records.portfolio.withdraw_achievement(
        name,
        reason="результат аннулирован оргкомитетом олимпиады",
        signed_by=sim.deputy.signing(),
    )
    sim.commands += 1
