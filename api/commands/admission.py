"""Admission tests: the final interview (grade 9) and the final essay (grade
11), whose «зачёт» the teachers' council needs to admit a pupil to the state
exams (orders 232/551 p. 11, 233/552 p. 8).

Listed before the council's commands in the catalogue, as they come before
its admission in the year. The rules (the class's grade, a sitting inside the
year, no result after a «зачёт») are
:meth:`ledger.records.attestation.Attestation.record_admission_tests`'.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, field_validator

from api.commands import Body, Command
from api.commands.attestation import (
    MAX_PUPILS,
    ClassId,
    ProtocolIn,
    PupilId,
    unique,
)
from api.commands.checks import about
from ledger.application import Signing
from ledger.domain.admission import AdmissionTestKind
from ledger.domain.errors import (
    AdmissionTestError,
    InvalidRecordError,
    NotEnrolledError,
    UnknownRecordError,
)
from ledger.records.office import SchoolRecords

#: Resource → its OpenAPI tag description, Russian and English.
TAGS = {
    "admission-tests": (
        "Итоговое собеседование (9 класс) и итоговое сочинение (11 класс): "
        "условие допуска к ГИА.",
        "The final interview (grade 9) and essay (grade 11): a condition of "
        "admission to the state exams.",
    ),
}


class TestResultIn(Body):
    """One pupil's result of the final interview or essay."""

    pupil: PupilId
    result: Annotated[
        str,
        Field(
            min_length=1,
            max_length=16,
            description="«зачёт» или «незачёт» / pass or fail",
        ),
    ]


class AdmissionTestsIn(Body):
    """A class's final interview (grade 9) or essay (grade 11) results, a
    condition of admission to the state exams."""

    class_id: ClassId
    kind: Annotated[
        AdmissionTestKind,
        Field(
            description="interview — итоговое собеседование (9 класс), essay — "
            "итоговое сочинение (изложение) (11 класс) / the test"
        ),
    ]
    held_on: Annotated[dt.date, Field(description="Дата проведения / day sat")]
    protocol: Annotated[
        ProtocolIn, Field(description="Протокол комиссии / the protocol")
    ]
    results: Annotated[
        list[TestResultIn],
        Field(
            min_length=1,
            max_length=MAX_PUPILS,
            description="Результаты учеников, каждый один раз / each pupil's, once",
        ),
    ]

    @field_validator("results")
    @classmethod
    def _each_pupil_once(cls, results: list[TestResultIn]) -> list[TestResultIn]:
        unique([r.pupil for r in results], "pupil")
        return results


def _admission_tests(
    records: SchoolRecords, body: AdmissionTestsIn, signing: Signing
) -> dict[str, Any]:
    with about("body.results", body.results, ("pupil",)):
        names = records.attestation.record_admission_tests(
            class_id=body.class_id,
            kind=body.kind,
            held_on=body.held_on,
            protocol=body.protocol.protocol(),
            results={r.pupil: r.result for r in body.results},
            signed_by=signing,
        )
    return {
        "results": {str(r.pupil): n for r, n in zip(body.results, names, strict=True)}
    }


COMMANDS: list[Command[Any]] = [
    Command(
        name="admission-tests.record",
        resource="admission-tests",
        path="/admission-tests",
        body=AdmissionTestsIn,
        roles=("deputy_director", "importer"),
        run=_admission_tests,
        summary_ru="Итоговое собеседование (сочинение): результаты класса",
        summary_en="A class's final interview (essay) results",
        fields=(
            (AdmissionTestError, "body.results"),
            (NotEnrolledError, "body.results"),
            (InvalidRecordError, "body.held_on"),
            (UnknownRecordError, "body.class_id"),
        ),
    )
]
