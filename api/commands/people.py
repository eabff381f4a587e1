"""People: staff members, and pupils' personal files (§7.3.4): enrolment,
moves between classes, leaving.

Names and identity fields are sealed under each person's data key by the
services (152-ФЗ); the events carry only pseudonymous ids.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import StringConstraints, model_validator

from api.commands import Body, Command
from api.commands.checks import FieldError, about, check_distinct
from api.commands.values import Line, both
from ledger.application import Signing
from ledger.domain.errors import (
    AlreadyRecordedError,
    InvalidRecordError,
    UnknownRecordError,
)
from ledger.domain.people import LeaveReason, MoveReason
from ledger.records.office import SchoolRecords
from ledger.records.people import EnrolmentInput, Identity, MoveInput

OFFICE = ("director", "secretary")

TAGS = {
    "staff": (
        "Сотрудники школы (ФИО хранится зашифрованным).",
        "Staff members (the full name is kept sealed).",
    ),
    "pupils": (
        "Личные дела: зачисление, перевод в другой класс, выбытие (§7.3.4).",
        "Personal files: enrolment, moves between classes, leaving (§7.3.4).",
    ),
}

Name = Annotated[str, StringConstraints(min_length=1, max_length=60)]
Order = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class StaffIn(Body):
    """A staff member: personnel number, position, full name."""

    personnel_number: Annotated[
        str,
        both(
            "Табельный номер",
            "Personnel number",
            pattern=r"^[A-Za-z0-9А-Яа-яЁё._-]{1,30}$",
        ),
    ]
    position: Annotated[
        Line, both("Должность", "Position", examples=["Учитель математики"])
    ]
    full_name: Annotated[Line, both("ФИО (шифруется)", "Full name (sealed)")]


class StaffListIn(Body):
    """Staff members registered in one save."""

    staff: Annotated[
        list[StaffIn], both("Сотрудники", "Staff", min_length=1, max_length=300)
    ]


def _register_staff(
    records: SchoolRecords, body: StaffListIn, signing: Signing
) -> list[str]:
    check_distinct(
        (m.personnel_number for m in body.staff),
        field="body.staff",
        what="staff member",
    )
    with about("body.staff", body.staff, ("personnel_number",)):
        made = records.setup.register_staff(
            [(m.personnel_number, m.position, m.full_name) for m in body.staff],
            signed_by=signing,
        )
    return [str(m) for m in made]


class PupilIn(Body):
    """A pupil to enrol: identity (sealed), class, date and admission order."""

    surname: Annotated[Name, both("Фамилия", "Surname")]
    name: Annotated[Name, both("Имя", "Name")]
    patronymic: Annotated[
        str, both("Отчество (если есть)", "Patronymic, if any", max_length=60)
    ] = ""
    birth_date: Annotated[date, both("Дата рождения", "Date of birth")]
    sex: Annotated[
        str, both("Пол: «М» или «Ж»", "Sex: «М» or «Ж»", pattern=r"^(М|Ж)?$")
    ] = ""
    snils: Annotated[
        str,
        both(
            "СНИЛС «123-456-789 01»",
            "SNILS «123-456-789 01»",
            pattern=r"^([0-9]{3}-[0-9]{3}-[0-9]{3} [0-9]{2})?$",
        ),
    ] = ""
    citizenship: Annotated[
        str, both("Гражданство (ОКСМ)", "Citizenship", max_length=60)
    ] = ""
    class_id: Annotated[UUID, both("Класс (id)", "The class's id")]
    on: Annotated[date, both("Дата зачисления", "Enrolled on")]
    order: Annotated[Order, both("Приказ о зачислении", "Admission order")]

    def identity(self) -> Identity:
        return Identity(
            surname=self.surname,
            name=self.name,
            patronymic=self.patronymic,
            birth_date=self.birth_date,
            sex=self.sex,
            snils=self.snils,
            citizenship=self.citizenship,
        )


class EnrolmentIn(Body):
    """Pupils enrolled in one save; each gets a personal file number («К-25»)."""

    pupils: Annotated[
        list[PupilIn], both("Ученики", "Pupils", min_length=1, max_length=400)
    ]


def _enrol(records: SchoolRecords, body: EnrolmentIn, signing: Signing) -> list[str]:
    pupils = body.pupils
    check_distinct(
        (
            (
                p.surname.casefold(),
                p.name.casefold(),
                p.patronymic.casefold(),
                p.birth_date,
            )
            for p in pupils
        ),
        field="body.pupils",
        what="pupil",
    )
    with about("body.pupils", pupils, ("snils", "class_id", "on", "surname")):
        inputs = [
            EnrolmentInput(p.identity(), p.class_id, p.on, p.order) for p in pupils
        ]
        made = records.people.enrol(inputs, signed_by=signing)
    return [str(m) for m in made]


class MoveIn(Body):
    """A pupil moved to another class on a day, and on what basis."""

    pupil: Annotated[UUID, both("Ученик (id)", "The pupil's id")]
    class_id: Annotated[UUID, both("Новый класс (id)", "The new class's id")]
    on: Annotated[date, both("Дата перевода", "Moved on")]
    reason: Annotated[MoveReason, both("Основание перевода", "Why")]
    basis: Annotated[Order, both("Приказ или решение", "Order or decision")]


class MovesIn(Body):
    """Moves between classes, in one save."""

    moves: Annotated[
        list[MoveIn], both("Переводы", "Moves", min_length=1, max_length=400)
    ]


def _move(records: SchoolRecords, body: MovesIn, signing: Signing) -> None:
    check_distinct((m.pupil for m in body.moves), field="body.moves", what="pupil")
    with about("body.moves", body.moves, ("pupil", "class_id", "on")):
        records.people.move(
            [
                MoveInput(m.pupil, m.class_id, m.on, m.reason, m.basis)
                for m in body.moves
            ],
            signed_by=signing,
        )


class HandoverIn(Body):
    """The parents' written request to hand them the personal file."""

    request_date: Annotated[date, both("Дата заявления", "The request's date")]
    request_number: Annotated[
        str,
        both("Номер заявления", "The request's number", min_length=1, max_length=30),
    ]


class LeavingIn(Body):
    """A pupil leaves the school: transferred, graduated or expelled."""

    pupil: Annotated[UUID, both("Ученик (id)", "The pupil's id")]
    on: Annotated[date, both("Дата выбытия", "Left on")]
    reason: Annotated[LeaveReason, both("Причина выбытия", "Why")]
    order: Annotated[Order, both("Приказ об отчислении", "The order")]
    file_handover: Annotated[
        HandoverIn | None,
        both(
            "Личное дело выдано родителям по заявлению (только при переводе)",
            "Personal file handed to the parents on their request (transfers only)",
        ),
    ] = None

    @model_validator(mode="after")
    def _handover_on_transfer(self) -> LeavingIn:
        transfer = self.reason is LeaveReason.TRANSFERRED
        if self.file_handover is not None and not transfer:
            msg = (
                "file_handover: the personal file is handed to the parents only on a "
                "transfer to another school (reason «transferred», §7.3.4)"
            )
            raise ValueError(msg)
        return self


def _leave(records: SchoolRecords, body: LeavingIn, signing: Signing) -> None:
    handover = body.file_handover
    if handover is not None and handover.request_date > body.on:
        msg = (
            f"the parents' request of {handover.request_date} is dated after the "
            f"pupil left ({body.on}); the file is handed over on a request made "
            "on or before leaving (§7.3.4)"
        )
        raise FieldError(
            msg,
            field="body.file_handover.request_date",
            allowed=f"a date on or before {body.on}",
        )
    with about("body", body, ("pupil", "on")):
        records.people.leave(
            body.pupil,
            on=body.on,
            reason=body.reason,
            order=body.order,
            file_handed_to_guardian=handover is not None,
            guardian_request=handover.request_date if handover else None,
            guardian_request_number=handover.request_number if handover else "",
            signed_by=signing,
        )


COMMANDS: tuple[Command[Any], ...] = (
    Command(
        name="staff.register",
        resource="staff",
        path="/staff",
        body=StaffListIn,
        roles=OFFICE,
        run=_register_staff,
        summary_ru="Зарегистрировать сотрудников",
        summary_en="Register staff members",
        fields=((AlreadyRecordedError, "body.staff"),),
    ),
    Command(
        name="pupils.enrol",
        resource="pupils",
        path="/pupils",
        body=EnrolmentIn,
        roles=OFFICE,
        run=_enrol,
        summary_ru="Зачислить учеников (личные дела)",
        summary_en="Enrol pupils (personal files)",
        fields=(
            (UnknownRecordError, "body.pupils"),
            (InvalidRecordError, "body.pupils"),
        ),
    ),
    Command(
        name="pupils.move",
        resource="pupils",
        path="/pupils/moves",
        body=MovesIn,
        roles=OFFICE,
        run=_move,
        summary_ru="Перевести учеников в другой класс",
        summary_en="Move pupils to another class",
        fields=((UnknownRecordError, "body.moves"), (InvalidRecordError, "body.moves")),
    ),
    Command(
        name="pupils.leave",
        resource="pupils",
        path="/pupils/leaving",
        body=LeavingIn,
        roles=OFFICE,
        run=_leave,
        summary_ru="Записать выбытие ученика (и выдачу личного дела)",
        summary_en="Record a pupil's leaving (and the personal file's hand-over)",
        fields=((UnknownRecordError, "body.pupil"), (InvalidRecordError, "body.on")),
    ),
)
