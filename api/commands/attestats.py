"""Attestat book commands («книга выдачи аттестатов», §7.3.5): a class's
attestats, a duplicate, the director's correction of an entry, a spoiled blank.

Each runs one service of :class:`ledger.records.attestats.AttestatOffice` in one
signed save. An attestat entry and a duplicate need the director's
co-signature (the signing policy's ``[cosign]``): ``run`` passes the
:class:`Signing` it is given, which carries the co-signer when the co-signature
workflow has collected it, and the store refuses the save without it. Blanks
are checked by the domain's own :class:`Blank` when the body is read, so a
malformed one is a body error naming its field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, StrictInt, field_validator, model_validator

from api.commands import Body, Command
from api.commands.attestation import ClassId, ProtocolIn, PupilId, unique
from ledger.application import Signing
from ledger.domain.attestat import CORRECTABLE, Blank, Recipient
from ledger.domain.errors import (
    AlreadyRecordedError,
    AttestatError,
    AuthorityError,
    BlankError,
    DuplicateOfUnknownError,
    HonoursError,
    InvalidRecordError,
    MissingFinalGradesError,
    NoDecisionError,
    RegistrationNumberError,
    UnknownRecordError,
)
from ledger.domain.school import Level
from ledger.records.attestats import AttestatRequest
from ledger.records.office import SchoolRecords

#: Resource → its OpenAPI tag description, Russian and English.
TAGS = {
    "attestats": (
        "Книга выдачи аттестатов: выдача, дубликат, исправление записи, "
        "испорченный бланк.",
        "The attestat book: issue, duplicate, an entry's correction, a spoiled blank.",
    ),
}

MAX_NUMBER = 10**9
Reason = Annotated[
    str, Field(min_length=1, max_length=500, description="Причина / the reason")
]
BookLevel = Annotated[
    Level,
    Field(
        description="Книга: basic (основное общее), secondary (среднее общее) / "
        "the book's level"
    ),
]
Receiver = Annotated[
    Recipient,
    Field(
        description="Кто получил: graduate (выпускник), guardian (родитель), proxy "
        "(по доверенности) / who received it"
    ),
]
IssuedOn = Annotated[dt.date, Field(description="Дата выдачи / the issue date")]
Order = Annotated[ProtocolIn, Field(description="Приказ о выдаче / the order of issue")]


class BlankIn(Body):
    """A numbered attestat form («бланк»): series and number."""

    series: Annotated[
        str, Field(min_length=1, max_length=20, description="Серия / series")
    ]
    number: Annotated[
        str, Field(min_length=1, max_length=20, description="Номер / number")
    ]

    @model_validator(mode="after")
    def _a_blank(self) -> BlankIn:
        self.blank()  # the domain's rule for a blank's series and number
        return self

    def blank(self) -> Blank:
        try:
            return Blank(self.series, self.number)
        except InvalidRecordError as e:
            raise ValueError(str(e)) from e


class AttestatEntryIn(Body):
    """One graduate's attestat: the blank, who received it, and the number the
    class teacher expects (checked against the book's next one)."""

    pupil: PupilId
    blank: Annotated[BlankIn, Field(description="Бланк аттестата / the blank")]
    received_by: Receiver = Recipient.GRADUATE
    number: Annotated[
        StrictInt | None,
        Field(
            ge=1,
            le=MAX_NUMBER,
            description="Ожидаемый регистрационный номер / the registration number "
            "expected (refused unless the book's next)",
        ),
    ] = None

    def request(self) -> AttestatRequest:
        return AttestatRequest(
            self.pupil, self.blank.blank(), self.received_by, self.number
        )


class AttestatIssueIn(Body):
    """A class's attestats entered in the book, by its class teacher, co-signed
    by the director."""

    class_id: ClassId
    order: Order
    issued_on: IssuedOn
    entries: Annotated[
        list[AttestatEntryIn],
        Field(
            min_length=1,
            max_length=60,
            description="Выпускники в порядке записи (бланки по возрастанию) / the "
            "graduates in book order (blanks ascending)",
        ),
    ]

    @field_validator("entries")
    @classmethod
    def _each_once(cls, entries: list[AttestatEntryIn]) -> list[AttestatEntryIn]:
        unique([e.pupil for e in entries], "pupil")
        unique([(e.blank.series, e.blank.number) for e in entries], "blank")
        return entries


def _issue(
    records: SchoolRecords, body: AttestatIssueIn, signing: Signing
) -> dict[str, Any]:
    numbers = records.attestats.issue(
        class_id=body.class_id,
        requests=[e.request() for e in body.entries],
        order=body.order.protocol(),
        issued_on=body.issued_on,
        signed_by=signing,
    )
    return {
        "entries": {str(e.pupil): n for e, n in zip(body.entries, numbers, strict=True)}
    }


class DuplicateIn(Body):
    """A duplicate of an attestat entry, as its own entry, co-signed by the
    director."""

    level: BookLevel
    original: Annotated[
        StrictInt,
        Field(
            ge=1,
            le=MAX_NUMBER,
            description="Регистрационный номер подлинника / the original's number",
        ),
    ]
    blank: Annotated[BlankIn, Field(description="Бланк дубликата / its blank")]
    reason: Reason
    order: Order
    issued_on: IssuedOn
    received_by: Receiver = Recipient.GRADUATE


def _duplicate(
    records: SchoolRecords, body: DuplicateIn, signing: Signing
) -> dict[str, Any]:
    number = records.attestats.issue_duplicate(
        level=body.level,
        original=body.original,
        blank=body.blank.blank(),
        reason=body.reason,
        order=body.order.protocol(),
        issued_on=body.issued_on,
        received_by=body.received_by,
        signed_by=signing,
    )
    return {"entry": number}


class BookCorrectionIn(Body):
    """The director's correction of a field of a book entry, with the reason."""

    level: BookLevel
    entry: Annotated[
        StrictInt,
        Field(ge=1, le=MAX_NUMBER, description="Номер записи / the entry's number"),
    ]
    field: Annotated[
        str,
        Field(
            min_length=1,
            max_length=40,
            description="Исправляемое поле / the field corrected: "
            + ", ".join(CORRECTABLE),
        ),
    ]
    value: Annotated[
        str,
        Field(min_length=1, max_length=200, description="Новое значение / new value"),
    ]
    reason: Reason

    @field_validator("field")
    @classmethod
    def _correctable(cls, field: str) -> str:
        if field not in CORRECTABLE:
            allowed = ", ".join(CORRECTABLE)
            msg = f"field {field!r} cannot be corrected; allowed: {allowed}"
            raise ValueError(msg)
        return field


def _correct(
    records: SchoolRecords, body: BookCorrectionIn, signing: Signing
) -> dict[str, Any]:
    records.attestats.correct_entry(
        level=body.level,
        entry=body.entry,
        field=body.field,
        value=body.value,
        reason=body.reason,
        signed_by=signing,
    )
    return {"entry": body.entry}


class SpoiledBlankIn(Body):
    """A blank spoiled while being filled in, written off with the reason."""

    level: BookLevel
    blank: Annotated[BlankIn, Field(description="Испорченный бланк / the blank")]
    reason: Reason


def _spoil(
    records: SchoolRecords, body: SpoiledBlankIn, signing: Signing
) -> dict[str, Any]:
    blank = body.blank.blank()
    records.attestats.spoil_blank(
        level=body.level, blank=blank, reason=body.reason, signed_by=signing
    )
    return {"blank": blank.key}


COMMANDS: list[Command[Any]] = [
    Command(
        name="attestats.issue",
        resource="attestats",
        path="/attestats",
        body=AttestatIssueIn,
        roles=("class_teacher",),
        run=_issue,
        summary_ru="Запись аттестатов класса в книгу (с подписью директора)",
        summary_en="A class's attestats entered in the book (director co-signs)",
        fields=(
            (NoDecisionError, "body.entries"),
            (MissingFinalGradesError, "body.entries"),
            (RegistrationNumberError, "body.entries"),
            (BlankError, "body.entries"),
            (AlreadyRecordedError, "body.entries"),
            (HonoursError, "body.entries"),
            (AuthorityError, "body.class_id"),
            (AttestatError, "body.class_id"),  # not a graduating class
            (InvalidRecordError, "body.issued_on"),
            (UnknownRecordError, "body.class_id"),
        ),
    ),
    Command(
        name="attestats.duplicate",
        resource="attestats",
        path="/attestats/duplicates",
        body=DuplicateIn,
        roles=("secretary", "class_teacher"),
        run=_duplicate,
        summary_ru="Дубликат аттестата (с подписью директора)",
        summary_en="A duplicate attestat (director co-signs)",
        fields=(
            (DuplicateOfUnknownError, "body.original"),
            (BlankError, "body.blank"),
            (InvalidRecordError, "body.issued_on"),
        ),
    ),
    Command(
        name="attestats.correct",
        resource="attestats",
        path="/attestats/corrections",
        body=BookCorrectionIn,
        roles=("director",),
        run=_correct,
        summary_ru="Исправление записи книги выдачи директором",
        summary_en="The director's correction of a book entry",
        fields=(
            (AttestatError, "body.entry"),
            (InvalidRecordError, "body.reason"),
        ),
    ),
    Command(
        name="attestats.spoil-blank",
        resource="attestats",
        path="/attestats/spoiled-blanks",
        body=SpoiledBlankIn,
        roles=("director", "secretary"),
        run=_spoil,
        summary_ru="Списание испорченного бланка аттестата",
        summary_en="A spoiled attestat blank written off",
        fields=(
            (BlankError, "body.blank"),
            (InvalidRecordError, "body.reason"),
        ),
    ),
]
