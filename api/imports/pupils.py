"""Pupils («Ученики»): enrolment through ``people.enrol``.

A row is a pupil's identity (sealed at enrolment as the service does), the
class of the import's year and the admission order. The same person twice in
the file, or already enrolled in the school (the same surname, name,
patronymic and birth date), is a duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from api.imports.columns import DATE_FORM, Column
from api.imports.kind import HeldImporter, domain_problem
from api.imports.lookups import IdentityKey, identity_key
from api.imports.problems import Problems
from ledger.domain.errors import DomainError
from ledger.records.people import SNILS_FORM, EnrolmentInput, Identity


class PupilsImport(HeldImporter[EnrolmentInput]):
    """Pupils to enrol: identity, class, date and order of admission."""

    name = "pupils"
    title = "Ученики"
    columns: ClassVar[tuple[Column, ...]] = (
        Column("surname", "Фамилия", "фамилия кириллицей, как в свидетельстве"),
        Column("given", "Имя", "имя"),
        Column("patronymic", "Отчество", "отчество, если есть", required=False),
        Column("born", "Дата рождения", DATE_FORM, "date"),
        Column("sex", "Пол", "«М» или «Ж»", required=False, choices=("М", "Ж")),
        Column("snils", "СНИЛС", SNILS_FORM, required=False),
        Column(
            "citizenship", "Гражданство", "страна по ОКСМ: «Россия»", required=False
        ),
        Column("klass", "Класс", "класс, открытый в этом году: «5А»"),
        Column("on", "Дата зачисления", f"{DATE_FORM}, не позже конца года", "date"),
        Column(
            "order",
            "Приказ о зачислении",
            "номер и дата приказа: «№ 12-у от 30.08.2024»",
        ),
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.seen: dict[IdentityKey, int] = {}

    def check(self, row: int, values: dict[str, Any], problems: Problems) -> None:
        identity = self._identity(row, values, problems)
        klass = self.look.klass(values["klass"])
        if klass is None:
            problems.add(
                row,
                self.column("klass"),
                f"класс «{values['klass']}» не открыт в {self.source.year}",
                "класс, открытый в этом году: «5А»",
            )
            return
        year = self.look.ctx.year_of(klass)
        if not domain_problem(
            problems,
            row,
            self.column("on"),
            "дата не позже конца учебного года",
            lambda: year.check_joinable(values["on"], klass.name),
        ):
            return
        if identity is None:
            return
        key = identity_key(
            identity.surname, identity.name, identity.patronymic, identity.birth_date
        )
        if key in self.seen:
            problems.add(
                row,
                self.column("surname"),
                f"повтор ученика (строка {self.seen[key]})",
                "каждый ученик один раз",
            )
            return
        self.seen[key] = row
        if self.look.pupils_named(key):
            problems.add(
                row,
                self.column("surname"),
                "ученик с такими ФИО и датой рождения уже зачислен в школу",
                "ученик, ещё не зачисленный",
            )
            return
        self.items.append(
            EnrolmentInput(identity, klass.id, values["on"], values["order"])
        )

    def _identity(
        self, row: int, values: dict[str, Any], problems: Problems
    ) -> Identity | None:
        try:
            identity = Identity(
                values["surname"],
                values["given"],
                values.get("patronymic") or "",
                values["born"],
                sex=values.get("sex") or "",
                snils=values.get("snils") or "",
                citizenship=values.get("citizenship") or "",
            )
        except DomainError as e:
            column = "snils" if "СНИЛС" in str(e) else "sex"
            problems.add(row, self.column(column), str(e), self.columns_hint(column))
            return None
        if not domain_problem(
            problems,
            row,
            self.column("surname"),
            "фамилия кириллицей",
            lambda: identity.letter,
        ):
            return None
        return identity

    def columns_hint(self, key: str) -> str:
        return next(c.hint for c in self.columns if c.key == key)

    def save(self, items: Sequence[EnrolmentInput]) -> None:
        self.records.people.enrol(items, signed_by=self.signing)
