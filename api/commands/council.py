"""Teachers' council commands: a protocol's decisions about a class's pupils
(§7.3.6), with the protocol's date and number.

One command, :data:`COMMANDS` ``council.decide``: the decisions of one
protocol about pupils of one class (promoted, promoted with debts, retained,
admitted to state exams, an attestat with or without honours and medal, a
certificate). The body names the class so a decision about a pupil of another
class is refused (the service finds each pupil's class by itself); the rules
of each decision (it fits the grade, debts are subjects, honours only when
the criteria hold, once a year) are :class:`ledger.records.council.Council`'s.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictBool, field_validator

from api.commands import Body, Command
from api.commands.attestation import (
    EVENT,
    SUBJECT,
    ClassId,
    ProtocolIn,
    PupilId,
    unique,
)
from api.commands.checks import about
from ledger.application import Signing
from ledger.domain.decisions import DecisionKind, Medal
from ledger.domain.errors import (
    AlreadyRecordedError,
    CorrectionError,
    DecisionError,
    HonoursError,
    InvalidRecordError,
    NotEnrolledError,
    UnknownRecordError,
)
from ledger.domain.ids import council_record_id
from ledger.records.council import DecisionInput
from ledger.records.office import SchoolRecords

#: Resource → its OpenAPI tag description, Russian and English.
TAGS = {
    "council": (
        "Решения педагогического совета с датой и номером протокола.",
        "The teachers' council's decisions, with the protocol's date and number.",
    ),
}

KINDS = (
    "promoted — переведён; promoted_conditionally — переведён условно (с "
    "задолженностями); retained — оставлен на повторное обучение; "
    "admitted_to_state_exams — допущен к ГИА; attestat_basic, attestat_secondary — "
    "выдать аттестат об основном (среднем) общем образовании; "
    "certificate_of_study — свидетельство об обучении; study_certificate — "
    "справка об обучении"
)


class DecisionIn(Body):
    """One line of the protocol: the decision about one pupil."""

    pupil: PupilId
    kind: Annotated[DecisionKind, Field(description=f"Решение / decision: {KINDS}")]
    to_class: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=20,
            description="Класс перевода («8А»), при переводе / the class the pupil "
            "goes to, when promoted",
        ),
    ] = None
    debts: Annotated[
        tuple[Annotated[str, Field(pattern=SUBJECT)], ...],
        Field(
            max_length=30,
            description="Предметы академической задолженности (коды), только при "
            "условном переводе / the subjects owed (codes), only for a conditional "
            "promotion",
        ),
    ] = ()
    with_honours: Annotated[
        StrictBool,
        Field(description="Аттестат с отличием / an attestat with honours"),
    ] = False
    medal: Annotated[
        Medal | None,
        Field(
            description="Медаль «За особые успехи в учении»: I или II степени (11 "
            "класс) / the medal, I or II degree (grade 11)"
        ),
    ] = None
    note: Annotated[
        str,
        Field(max_length=500, description="Примечание / a note"),
    ] = ""

    @field_validator("debts")
    @classmethod
    def _each_debt_once(cls, debts: tuple[str, ...]) -> tuple[str, ...]:
        unique(debts, "subject")
        return debts

    def as_input(self) -> DecisionInput:
        return DecisionInput(
            self.pupil,
            self.kind,
            self.to_class,
            self.debts,
            self.with_honours,
            self.medal,
            self.note,
        )


class CouncilDecisionsIn(Body):
    """A council protocol's decisions about pupils of one class."""

    class_id: Annotated[
        ClassId,
        Field(description="Класс, о чьих учениках решения / the pupils' class"),
    ]
    protocol: Annotated[
        ProtocolIn, Field(description="Протокол педсовета / the council's protocol")
    ]
    decisions: Annotated[
        list[DecisionIn],
        Field(
            min_length=1,
            max_length=60,
            description="Решения, по одному виду на ученика / the decisions, one of "
            "a kind per pupil",
        ),
    ]

    @field_validator("decisions")
    @classmethod
    def _each_once(cls, decisions: list[DecisionIn]) -> list[DecisionIn]:
        unique([(d.pupil, d.kind.value) for d in decisions], "decision (pupil, kind)")
        return decisions


def _decide(
    records: SchoolRecords, body: CouncilDecisionsIn, signing: Signing
) -> dict[str, Any]:
    ctx = records.context
    ctx.begin()
    klass = ctx.school_class(body.class_id)
    with about("body.decisions", body.decisions, ("pupil",)):
        for decision in body.decisions:
            # The service finds each pupil's class on the protocol's date; the
            # body's class must be it.
            ctx.pupil_in_class(decision.pupil, klass, body.protocol.date)
        records.council.record_decisions(
            body.protocol.protocol(),
            [d.as_input() for d in body.decisions],
            signed_by=signing,
        )
    pupils = dict.fromkeys(d.pupil for d in body.decisions)
    return {"records": {str(p): str(council_record_id(p, klass.year)) for p in pupils}}


class DecisionCorrectionIn(Body):
    """A council decision replaced by the council's later protocol (the
    director co-signs)."""

    corrects: Annotated[
        str,
        Field(
            pattern=EVENT,
            description="Исправляемое решение «<id записи>:<номер>» / the decision "
            "corrected",
        ),
    ]
    protocol: Annotated[
        ProtocolIn, Field(description="Протокол педсовета / the council's protocol")
    ]
    decision: Annotated[
        DecisionIn, Field(description="Решение взамен / the decision instead")
    ]
    reason: Annotated[
        str, Field(min_length=1, max_length=500, description="Причина / the reason")
    ]


def _correct(
    records: SchoolRecords, body: DecisionCorrectionIn, signing: Signing
) -> dict[str, Any]:
    name = records.council.correct_decision(
        body.corrects.lower(),
        body.protocol.protocol(),
        body.decision.as_input(),
        reason=body.reason,
        signed_by=signing,
    )
    return {"correction": name}


COMMANDS: list[Command[Any]] = [
    Command(
        name="council.decide",
        resource="council",
        path="/council/decisions",
        body=CouncilDecisionsIn,
        roles=("director", "deputy_director"),
        run=_decide,
        summary_ru="Решения педсовета по ученикам класса (протокол)",
        summary_en="The council's decisions about a class's pupils (a protocol)",
        fields=(
            (NotEnrolledError, "body.decisions"),
            (DecisionError, "body.decisions"),
            (HonoursError, "body.decisions"),
            (AlreadyRecordedError, "body.decisions"),
            (InvalidRecordError, "body.protocol"),
            # an unknown class, or a debt that is no subject of the curriculum
            (UnknownRecordError, "body.decisions"),
        ),
    ),
    Command(
        name="council.correct",
        resource="council",
        path="/council/corrections",
        body=DecisionCorrectionIn,
        roles=("deputy_director",),
        run=_correct,
        summary_ru="Исправление решения педсовета (с подписью директора)",
        summary_en="A council decision corrected (director co-signs)",
        fields=(
            (CorrectionError, "body.corrects"),
            (DecisionError, "body.decision"),
            (HonoursError, "body.decision"),
            (InvalidRecordError, "body.protocol"),
        ),
    ),
]
