"""The choices a form's selects offer, read from the school's records as they
are now: classes, a class's pupils by journal number, subjects, staff, years,
periods, and the academic debts a retake may name.

Read through the same view and the same functions as the API's lists
(:mod:`api.server.listing`): the records view caught up to the log's last
event. Pupils' names are sealed (152-ФЗ): they are opened only for the pupils
a form shows, and every such opening is in the access log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from api.server.accounts import Account
from api.server.listing import (
    LiveRecords,
    Placed,
    SchoolFacts,
    current_year,
    period_title,
    placed_in,
    year_periods,
)
from api.server.office import Office
from api.server.tokens import utcnow
from api.server.web.forms import Option
from api.server.web.forms_labels import ENUM_NAMES
from ledger.domain.attestation import MAX_RETAKES
from ledger.domain.decisions import DecisionKind

RESULT_TYPES = (
    "attestation.IntermediateAttestationRecorded",
    "attestation.RetakeRecorded",
)
CORRECTED = "attestation.AttestationResultCorrected"
DECIDED = ("decisions.CouncilDecisionRecorded", "decisions.CouncilDecisionCorrected")


@dataclass(frozen=True)
class Debt:
    """An academic debt a retake may name: the latest failed result."""

    event: str
    pupil: str
    subject: str
    year: str
    attempt: int
    result: str


class SchoolChoices:
    """What the forms of one request may offer, read once."""

    def __init__(self, office: Office, account: Account) -> None:
        self.office = office
        self.account = account
        self.live = LiveRecords(office.app)
        with office.reading() as ctx:
            self.today: date = ctx.today()

    @cached_property
    def facts(self) -> SchoolFacts:
        return self.live.facts()

    @cached_property
    def year(self) -> str | None:
        """The year today falls in (else the latest begun)."""
        return current_year(self.facts, self.today)

    # -- classes ------------------------------------------------------------------

    def class_list(self, *, led_only: bool = False) -> list[dict[str, Any]]:
        """The classes of this year in grade order; ``led_only``: those the
        account is the class teacher of."""
        me = str(self.account.staff) if self.account.staff else None
        found = [
            k
            for k in self.facts.classes.values()
            if k["year"] == self.year and (not led_only or k["class_teacher"] == me)
        ]
        return sorted(found, key=lambda k: (k["grade"], k["name"]))

    def classes(self, *, led_only: bool = False) -> list[Option]:
        return [Option(k["id"], k["name"]) for k in self.class_list(led_only=led_only)]

    def every_class(self) -> list[Option]:
        """The classes of every year, this year's first (a move may go to the
        next year's class)."""
        ordered = sorted(
            self.facts.classes.values(),
            key=lambda k: (k["year"] != self.year, k["year"], k["grade"], k["name"]),
        )
        return [Option(k["id"], k["name"], f"{k['year']} уч. год") for k in ordered]

    def klass(self, class_id: str) -> dict[str, Any] | None:
        return self.facts.classes.get(class_id)

    # -- pupils -------------------------------------------------------------------

    def placed(self, class_id: str) -> list[Placed]:
        """The pupils placed in the class this year, by journal number (the
        names opened; the reading is in the access log)."""
        found = placed_in(self.live, class_id, self.office.reads.data_keys)
        self.office.access.record(
            self.account, f"web form pupils {class_id}", f"class:{class_id}", utcnow()
        )
        return found

    def pupil_ids(self, class_id: str) -> set[str]:
        """Every pupil ever placed in the class (no name opened)."""
        rows = self.live.rows("view_people", "class_id = ?", (class_id,))
        return {r.pupil for r in rows if r.pupil is not None}

    def pupils_of(self, class_id: str) -> list[Option]:
        """The class's present pupils: «3. Кузнецов Олег Павлович (л/д К-3)»."""
        return [
            Option(p.pupil, f"{n}. {p.name} (л/д {p.personal_file})")
            for n, p in enumerate(self.placed(class_id), start=1)
            if p.left is None
        ]

    def school_pupils(self) -> list[Option]:
        """Every present pupil of this year, class by class."""
        found = []
        for klass in self.class_list():
            for option in self.pupils_of(klass["id"]):
                found.append(Option(option.value, option.label, klass["name"]))
        return found

    # -- the curriculum, staff, years, periods --------------------------------------

    def subjects(self, class_id: str | None = None) -> list[Option]:
        """The curriculum's subjects; for a class, those taught in it."""
        taught = None
        if class_id is not None:
            taught = {d["subject"] for d in self.facts.courses.get(class_id, [])}
        return [
            Option(code, name)
            for code, name in self.facts.subjects.items()
            if taught is None or code in taught
        ]

    def staff(self) -> list[Option]:
        """Staff as the records name them: position and personnel number (the
        full name is sealed in the log)."""
        rows = self.live.rows(
            "view_school", "type = ?", ("people.StaffMemberRegistered",)
        )
        return [
            Option(r.stream, f"{d['position']}, таб. № {d['personnel_number']}")
            for r in rows
            for d in [r.data]
        ]

    def years(self) -> list[Option]:
        return [Option(y, y) for y in sorted(self.facts.years, reverse=True)]

    def periods(self, grade: int | None = None) -> list[Option]:
        """The periods of this year (of a grade, or of every grade), and «Y»."""
        if self.year is None:
            return []
        year = self.facts.years[self.year]
        every = sorted({g for s in year["schemes"] for g in s["grades"]})
        grades = [grade] if grade else every
        codes: dict[str, None] = {}
        for g in grades:
            for p in year_periods(year, g):
                codes[p["code"]] = None
        return [Option(code, period_title(code)) for code in codes]

    # -- academic debts ---------------------------------------------------------------

    def debts(self, class_id: str) -> list[Debt]:
        """The class's open academic debts this year: each subject record's
        latest result, when it failed and may still be retaken."""
        rows = self.live.rows(
            "view_grades",
            "class_id = ? AND year = ? AND type = ?",
            (class_id, self.year, RESULT_TYPES[0]),
        )
        found = []
        for first in rows:
            history = self.live.rows("view_grades", "stream = ?", (first.stream,))
            results = [r for r in history if r.type in RESULT_TYPES]
            debt = {r.event: bool(r.data["debt"]) for r in results}
            for r in history:
                if r.type == CORRECTED and r.data["corrects"] in debt:
                    debt[r.data["corrects"]] = bool(r.data["debt"])
            latest = results[-1]
            attempt = int(latest.data.get("attempt", 0))
            if debt[latest.event] and attempt < MAX_RETAKES:
                found.append(
                    Debt(
                        latest.event,
                        first.data["pupil"],
                        first.data["subject"],
                        first.data["year"],
                        attempt,
                        latest.data["result"],
                    )
                )
        return found

    def debt_options(self, class_id: str) -> list[Option]:
        names = {o.value: o.label for o in self.pupils_of(class_id)}
        subjects = self.facts.subjects
        found = []
        for d in self.debts(class_id):
            subject = subjects.get(d.subject, d.subject)
            text = f"{names.get(d.pupil, d.pupil)} — {subject}, «{d.result}»"
            if d.attempt:
                text += f", пересдача {d.attempt}"
            found.append(Option(d.event, text))
        return found

    # -- council decisions ------------------------------------------------------------

    def decisions(self, class_id: str) -> list[tuple[str, str, Option]]:
        """The council's decisions about the class's pupils this year, the
        corrections too (a correction names the decision as it stands):
        (event, pupil, choice), in the log's order."""
        names = {o.value: o.label for o in self.pupils_of(class_id)}
        rows = self.live.rows(
            "view_grades",
            f"class_id = ? AND year = ? AND type IN ({', '.join('?' * len(DECIDED))})",
            (class_id, self.year, *DECIDED),
        )
        found = []
        for r in rows:
            d = r.data
            kind = ENUM_NAMES[DecisionKind].get(d["decision"], d["decision"])
            protocol = d["protocol"]
            on = ".".join(reversed(str(protocol["on"]).split("-")))
            text = (
                f"{names.get(d['pupil'], d['pupil'])} — {kind} (протокол "
                f"№ {protocol['number']} от {on})"
            )
            found.append((r.event, d["pupil"], Option(r.event, text)))
        return found
