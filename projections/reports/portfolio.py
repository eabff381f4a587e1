"""A pupil's portfolio of achievements («портфолио», §3.2.2).

Olympiads, contests, sport and the rest with level, result and the document
that proves them; a withdrawn achievement stays listed, marked with the reason
and the withdrawal event (nothing in the log is erased).
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from ledger.domain.ids import portfolio_id
from projections.reports.common import (
    DASH,
    Inputs,
    check_parameters,
    day,
    director_signature,
)
from projections.reports.model import Report, Table

NAME = "portfolio"
PARAMETERS = ("pupil", "year")
REQUIRED = ("pupil",)
KINDS = {
    "olympiad": "олимпиада",
    "contest": "конкурс",
    "sport": "спорт",
    "gto": "ГТО",
    "conference": "конференция",
    "volunteering": "волонтерство",
    "creative_work": "творческая работа",
    "project": "проект",
    "metasubject": "метапредметный результат",
}
LEVELS = {
    "school": "школьный",
    "municipal": "муниципальный",
    "regional": "региональный",
    "national": "всероссийский",
    "international": "международный",
}
RESULTS = {"winner": "победитель", "prize": "призер", "participant": "участник"}


def build(inputs: Inputs, params: Mapping[str, str]) -> Report:
    check_parameters(NAME, params, PARAMETERS, REQUIRED)
    school, source = inputs.school, inputs.source
    pupil = school.pupil(params.get("pupil"))
    year = school.year(params["year"]) if params.get("year") else None
    rows = source.rows(
        "view_portfolio",
        "stream IN (SELECT stream FROM {view_portfolio} WHERE pupil = ?)",
        (pupil.id,),
    )
    if year is not None:
        stream = str(portfolio_id(UUID(pupil.id), year.label))
        rows = [r for r in rows if r.stream == stream]
    withdrawn = {
        r.target: r for r in rows if r.type == "portfolio.AchievementWithdrawn"
    }
    recorded = sorted(
        (r for r in rows if r.type == "portfolio.AchievementRecorded"),
        key=lambda r: (r.data["on"], r.position),
    )

    def status(event: str) -> str:
        w = withdrawn.get(event)
        return f"отозвано: {w.data['reason']} ({w.event})" if w else "действует"

    return Report(
        name=NAME,
        title=f"Портфолио достижений: {pupil.name}",
        header=(
            ("Школа", school.name),
            ("Обучающийся", pupil.name),
            ("Личное дело №", pupil.personal_file),
            ("Учебный год", year.label if year else "все годы"),
        ),
        provenance=source.provenance,
        tables=(
            Table(
                "Достижения",
                (
                    "Дата",
                    "Вид",
                    "Название",
                    "Уровень",
                    "Результат",
                    "Документ",
                    "Статус",
                    "Событие",
                ),
                tuple(
                    (
                        day(r.data["on"]),
                        KINDS.get(r.data["kind"], r.data["kind"]),
                        r.data["title"],
                        LEVELS.get(r.data["level"], r.data["level"]),
                        RESULTS.get(r.data["result"], r.data["result"]),
                        r.data["document"] or DASH,
                        status(r.event),
                        r.event,
                    )
                    for r in recorded
                ),
            ),
        ),
        notes=("Портфолио не подлежит обязательному архивному хранению (§7.3.7).",),
        parameters={
            "pupil": pupil.personal_file,
            **({"year": year.label} if year else {}),
        },
        signatures=(director_signature(school),),
        seal=True,
    )
