"""Attestat book commands («книга выдачи аттестатов», §7.3.5; Приказ № 546):
blanks taken into stock, a class's attestats, the class's entries certified, a
duplicate, the director's correction of an entry, a spoiled blank.

Each runs one service of :class:`ledger.records.attestats.AttestatOffice` in one
signed save. An attestat entry, a duplicate and a class's certification need
the director's co-signature (the signing policy's ``[cosign]``): ``run`` passes
the :class:`Signing` it is given, which carries the co-signer when the
co-signature workflow has collected it, and the store refuses the save without
it. A blank is written as printed («10224000012345», or «09 0000123» for an
older form) and read by the domain's own :meth:`Blank.parse` when the body is,
so a malformed one is a body error naming its field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    StrictInt,
    field_validator,
    model_validator,
)

from api.commands import Body, Command
from api.commands.attestation import ClassId, ProtocolIn, PupilId, unique
from api.commands.checks import about
from ledger.application import Signing
from ledger.domain.attestat import (
    CORRECTABLE,
    Blank,
    BlankKind,
    DuplicateCause,
    Recipient,
)
from ledger.domain.blanks import ALLOWED_FORMS, blank_range
from ledger.domain.errors import (
    AlphabeticalOrderError,
    AlreadyRecordedError,
    AttestatError,
    AuthorityError,
    BlankError,
    BlankStockError,
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
KINDS = (
    "Вид бланка: attestat (титул), supplement (приложение) / the blank's kind: "
    "the title or the supplement"
)
Order = Annotated[ProtocolIn, Field(description="Приказ о выдаче / the order of issue")]


def _a_blank(text: str) -> str:
    """The blank as the domain reads it (its form's rule), or ValueError."""
    try:
        return Blank.parse(text).key
    except InvalidRecordError as e:
        raise ValueError(str(e)) from e


BlankText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=30,
        description="Номер бланка: 14 цифр («10224000012345») или серия и номер "
        f"старого образца («09 0000123») / a blank as printed: {ALLOWED_FORMS}",
    ),
    AfterValidator(_a_blank),
]
RecipientName = Annotated[
    str,
    Field(
        max_length=200,
        description="ФИО получившего, если не выпускник / who received it, when "
        "not the graduate",
    ),
]
ProxyDocument = Annotated[
    str,
    Field(
        max_length=200,
        description="Доверенность (номер, дата), если по доверенности / the power "
        "of attorney, when received by proxy",
    ),
]
Supplement = Annotated[
    BlankText | None,
    Field(description="Бланк приложения / the supplement's blank"),
]


class AttestatEntryIn(Body):
    """One graduate's attestat: the blank, who received it, and the number the
    class teacher expects (checked against the book's next one)."""

    pupil: PupilId
    blank: Annotated[BlankText, Field(description="Бланк титула / the title blank")]
    supplement: Supplement = None
    received_by: Receiver = Recipient.GRADUATE
    recipient_name: RecipientName = ""
    proxy_document: ProxyDocument = ""
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
            self.pupil,
            Blank.parse(self.blank),
            self.received_by,
            self.number,
            _parsed(self.supplement),
            self.recipient_name,
            self.proxy_document,
        )


def _parsed(blank: str | None) -> Blank | None:
    return Blank.parse(blank) if blank is not None else None


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
            description="Выпускники класса в алфавитном порядке (бланки по "
            "возрастанию) / the class's graduates in alphabetical order (blanks "
            "ascending)",
        ),
    ]
    late_reason: Annotated[
        str,
        Field(
            max_length=500,
            description="Почему запись после уже внесённых записей класса / why "
            "they come after the class's entries already in the book",
        ),
    ] = ""

    @field_validator("entries")
    @classmethod
    def _each_once(cls, entries: list[AttestatEntryIn]) -> list[AttestatEntryIn]:
        unique([e.pupil for e in entries], "pupil")
        unique([e.blank for e in entries], "blank")
        return entries


def _issue(
    records: SchoolRecords, body: AttestatIssueIn, signing: Signing
) -> dict[str, Any]:
    with about("body.entries", body.entries, ("pupil", "blank", "supplement")):
        numbers = records.attestats.issue(
            class_id=body.class_id,
            requests=[e.request() for e in body.entries],
            order=body.order.protocol(),
            issued_on=body.issued_on,
            signed_by=signing,
            late_reason=body.late_reason,
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
    blank: Annotated[BlankText, Field(description="Бланк дубликата / its blank")]
    supplement: Supplement = None
    cause: Annotated[
        DuplicateCause,
        Field(
            description="Причина: lost (утрата), damaged (порча), error (ошибка в "
            "подлиннике: исправленные отметки), name_changed (смена ФИО) / cause"
        ),
    ] = DuplicateCause.LOST
    reason: Reason
    order: Order
    issued_on: IssuedOn
    received_by: Receiver = Recipient.GRADUATE
    recipient_name: RecipientName = ""
    proxy_document: ProxyDocument = ""


def _duplicate(
    records: SchoolRecords, body: DuplicateIn, signing: Signing
) -> dict[str, Any]:
    number = records.attestats.issue_duplicate(
        level=body.level,
        original=body.original,
        blank=Blank.parse(body.blank),
        reason=body.reason,
        order=body.order.protocol(),
        issued_on=body.issued_on,
        received_by=body.received_by,
        signed_by=signing,
        cause=body.cause,
        supplement=_parsed(body.supplement),
        recipient_name=body.recipient_name,
        proxy_document=body.proxy_document,
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
    kind: Annotated[BlankKind, Field(description=KINDS)] = BlankKind.TITLE
    blank: Annotated[BlankText, Field(description="Испорченный бланк / the blank")]
    reason: Reason


def _spoil(
    records: SchoolRecords, body: SpoiledBlankIn, signing: Signing
) -> dict[str, Any]:
    blank = Blank.parse(body.blank)
    records.attestats.spoil_blank(
        level=body.level,
        blank=blank,
        reason=body.reason,
        signed_by=signing,
        kind=body.kind,
    )
    return {"blank": blank.key}


class BlankRangeIn(Body):
    """A pack of blanks as the invoice lists it: the first and the last."""

    first: Annotated[BlankText, Field(description="Первый бланк / the first")]
    last: Annotated[BlankText, Field(description="Последний бланк / the last")]


class BlanksReceivedIn(Body):
    """Blanks of strict accounting taken into the school's stock by an invoice
    or act (Приказ № 546): listed one by one, or as ranges."""

    level: BookLevel
    kind: Annotated[BlankKind, Field(description=KINDS)] = BlankKind.TITLE
    blanks: Annotated[
        tuple[BlankText, ...],
        Field(max_length=1000, description="Бланки поштучно / blanks one by one"),
    ] = ()
    ranges: Annotated[
        tuple[BlankRangeIn, ...],
        Field(max_length=50, description="Диапазоны номеров / ranges of numbers"),
    ] = ()
    invoice: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="Накладная или акт (номер, дата) / the invoice or act",
        ),
    ]
    received_on: Annotated[
        dt.date, Field(description="Дата получения / the day they came")
    ]

    @model_validator(mode="after")
    def _some_blanks(self) -> BlanksReceivedIn:
        if not self.blanks and not self.ranges:
            msg = "a receipt lists its blanks: name them in blanks or ranges"
            raise ValueError(msg)
        return self

    def all_blanks(self) -> list[Blank]:
        """The listed blanks, then each range's, in order."""
        ranged = [
            b
            for r in self.ranges
            for b in blank_range(Blank.parse(r.first), Blank.parse(r.last))
        ]
        return [*(Blank.parse(b) for b in self.blanks), *ranged]


def _receive(
    records: SchoolRecords, body: BlanksReceivedIn, signing: Signing
) -> dict[str, Any]:
    with about("body.ranges", body.ranges, ("first", "last")):
        blanks = body.all_blanks()
    records.attestats.receive_blanks(
        level=body.level,
        kind=body.kind,
        blanks=blanks,
        invoice=body.invoice,
        received_on=body.received_on,
        signed_by=signing,
    )
    return {"received": len(blanks)}


class CertificationIn(Body):
    """A class's entries certified by its class teacher and the director."""

    class_id: ClassId
    certified_on: Annotated[
        dt.date, Field(description="Дата заверения / the day they are certified")
    ]


def _certify(
    records: SchoolRecords, body: CertificationIn, signing: Signing
) -> dict[str, Any]:
    numbers = records.attestats.certify(
        class_id=body.class_id, certified_on=body.certified_on, signed_by=signing
    )
    return {"entries": list(numbers)}


COMMANDS: list[Command[Any]] = [
    Command(
        name="attestats.receive-blanks",
        resource="attestats",
        path="/attestats/blanks",
        body=BlanksReceivedIn,
        roles=("director", "secretary"),
        run=_receive,
        summary_ru="Приход бланков аттестатов (накладная, акт)",
        summary_en="Attestat blanks taken into stock (an invoice or act)",
        fields=(
            (BlankError, "body.blanks"),
            (InvalidRecordError, "body.invoice"),
        ),
    ),
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
            (AlphabeticalOrderError, "body.late_reason"),
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
        name="attestats.certify",
        resource="attestats",
        path="/attestats/certifications",
        body=CertificationIn,
        roles=("class_teacher",),
        run=_certify,
        summary_ru="Заверение записей класса в книге (с подписью директора)",
        summary_en="A class's book entries certified (director co-signs)",
        fields=(
            (AuthorityError, "body.class_id"),
            (AttestatError, "body.class_id"),
            (InvalidRecordError, "body.certified_on"),
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
            (BlankStockError, "body.blank"),
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
