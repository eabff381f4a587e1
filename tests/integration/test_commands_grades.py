"""The attestation, council and attestat book commands, run as a front end runs
them: a JSON body read through the command's model, then ``command.run`` with
the sender's signing, on SQLite and on PostgreSQL.

A May–June of the small school (``tests/support/school.py``) goes through the
commands alone: period and year grades, the intermediate attestation with a
failed result and two retakes, admission, state exam results, final grades,
the council's decisions, attestats co-signed, a spoiled blank, a duplicate and
the director's correction. Each refusal names its field (the line of a list
the rule's message names, ``checks.located``, else ``field_of``) and
leaves every stored row as it was.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from api.commands import (
    Command,
    admission,
    attestation,
    attestats,
    checks,
    corrections,
    council,
)
from api.server.office import DryRun, KeyOnly
from ledger.application import Signing
from ledger.domain.attestat import AttestatBook
from ledger.domain.attestation import SubjectRecord
from ledger.domain.decisions import CouncilRecord, DecisionKind
from ledger.domain.errors import (
    BlankStockError,
    CorrectionError,
    DomainError,
    DuplicateOfUnknownError,
    NoDecisionError,
    NotAssignedError,
    NotEnrolledError,
    PeriodNotClosedError,
    RetakeError,
    ScaleError,
    UnknownRecordError,
)
from ledger.domain.exams import ExamSheet
from ledger.domain.final_grades import FinalGrades
from ledger.domain.ids import (
    attestat_book_id,
    council_record_id,
    exam_sheet_id,
    final_grades_id,
    subject_record_id,
)
from ledger.domain.school import Level
from ledger.errors import PolicyError
from ledger.policy import SigningPolicy, packaged_policy_text
from ledger.records.office import SchoolRecords
from tests.support import rawsql
from tests.support.school import (
    ADMITTED_ON,
    DECIDED_ON,
    INTERVIEW_ON,
    ISSUED_ON,
    YEAR,
    SmallSchool,
    admit,
    build,
    graduate,
    interview,
)
from tests.support.stores import Store

COMMANDS: dict[str, Command[Any]] = {
    c.name: c
    for m in (admission, attestation, corrections, council, attestats)
    for c in m.COMMANDS
}
# The events each command appends: its roles are the policy's authors of them.
EVENTS = {
    "grades.period-sheet": "attestation.PeriodGradeRecorded",
    "grades.period": "attestation.PeriodGradeRecorded",
    "grades.year-sheet": "attestation.PeriodGradeRecorded",
    "grades.year": "attestation.PeriodGradeRecorded",
    "attestation.record": "attestation.IntermediateAttestationRecorded",
    "attestation.retake": "attestation.RetakeRecorded",
    "exams.record": "attestation.ExamResultImported",
    "final-grades.record": "attestation.FinalGradeRecorded",
    "council.decide": "decisions.CouncilDecisionRecorded",
    "admission-tests.record": "attestation.AdmissionTestRecorded",
    "grades.correct": "attestation.PeriodGradeCorrected",
    "attestation.correct": "attestation.AttestationResultCorrected",
    "final-grades.correct": "attestation.FinalGradeCorrected",
    "exams.appeal": "attestation.ExamResultCorrected",
    "council.correct": "decisions.CouncilDecisionCorrected",
    "attestats.receive-blanks": "attestat.BlanksReceived",
    "attestats.issue": "attestat.AttestatIssued",
    "attestats.certify": "attestat.ClassEntriesCertified",
    "attestats.duplicate": "attestat.DuplicateIssued",
    "attestats.correct": "attestat.BookEntryCorrected",
    "attestats.spoil-blank": "attestat.BlankSpoiled",
}
Q1_CLOSED = date(2024, 10, 28)
YEAR_CLOSED = date(2025, 5, 27)
BLANK = "10224000000001"
INVOICE = "накладная № 17 от 01.06.2025"


@pytest.fixture
def school(store: Store) -> SmallSchool:
    return build(store)


def body_of(name: str, body: dict[str, Any]) -> Any:
    """``body`` as JSON on the wire, read through the command's model."""
    return COMMANDS[name].body.model_validate_json(json.dumps(body, default=str))


def run(s: SmallSchool, name: str, body: dict[str, Any], *signers: str) -> Any:
    """Run command ``name`` with ``body`` signed by ``signers`` (author first)."""
    return COMMANDS[name].run(s.records, body_of(name, body), s.signing(*signers))


def refused(
    s: SmallSchool,
    error: type[DomainError],
    field: str,
    match: str,
    name: str,
    body: dict[str, Any],
    *signers: str,
) -> None:
    """The command refuses with ``error`` about ``field`` and writes nothing."""
    before = rawsql.rows(s.store.url, s.store.admin_url)
    with pytest.raises(error, match=match) as caught:
        run(s, name, body, *signers)
    located, _ = checks.located(caught.value)
    assert (located or COMMANDS[name].field_of(caught.value)) == field
    assert rawsql.rows(s.store.url, s.store.admin_url) == before


def protocol(number: str, on: date) -> dict[str, Any]:
    return {"number": number, "date": on.isoformat()}


def grades(s: SmallSchool, *marks: str) -> list[dict[str, Any]]:
    return [{"pupil": p, "grade": g} for p, g in zip(s.pupils, marks, strict=False)]


def subject_record(s: SmallSchool, pupil: UUID, subject: str) -> SubjectRecord:
    found = s.records.context.view(
        SubjectRecord, subject_record_id(pupil, subject, YEAR)
    )
    assert found is not None
    return found


# -- the table ------------------------------------------------------------------------


def test_every_command_is_sent_by_the_roles_the_policy_lets_author_its_events() -> None:
    policy = SigningPolicy.from_toml(packaged_policy_text("signing"))
    assert set(COMMANDS) == set(EVENTS)
    for name, command in COMMANDS.items():
        assert set(command.roles) == policy.roles_for(EVENTS[name]) - {"seal"}, name
        assert command.name.startswith(f"{command.resource}.")
        assert command.path.startswith("/")
    assert policy.cosigners_for("attestat.AttestatIssued") == ("director",)
    assert len({c.path for c in COMMANDS.values()}) == len(COMMANDS)


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_an_unknown_field_is_refused_by_every_body(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        body_of(name, {"markz": "5"})
    assert ("markz",) in [e["loc"] for e in caught.value.errors()]
    assert "extra_forbidden" in {e["type"] for e in caught.value.errors()}


@pytest.mark.parametrize(
    ("name", "body", "loc", "match"),
    [
        (
            "grades.period-sheet",
            {
                "class_id": str(UUID(int=1)),
                "subject": "math",
                "period": "Q1",
                "grades": [
                    {"pupil": str(UUID(int=2)), "grade": "5"},
                    {"pupil": str(UUID(int=2)), "grade": "4"},
                ],
            },
            ("grades",),
            "is named twice",
        ),
        (
            "grades.period",
            {
                "class_id": str(UUID(int=1)),
                "subject": "math",
                "period": "Y",
                "pupil": str(UUID(int=2)),
                "grade": "5",
            },
            ("period",),
            "record year grades with grades.year",
        ),
        (
            "grades.period",
            {
                "class_id": "9А",
                "subject": "math",
                "period": "Q1",
                "pupil": str(UUID(int=2)),
                "grade": "5",
            },
            ("class_id",),
            "UUID",
        ),
        (
            "attestats.spoil-blank",
            {
                "level": "basic",
                "blank": "09-25 1",
                "reason": "ошибка",
            },
            ("blank",),
            "has no known form; allowed: the current form",
        ),
        (
            "attestats.correct",
            {
                "level": "basic",
                "entry": 1,
                "field": "pupil",
                "value": "x",
                "reason": "ошибка",
            },
            ("field",),
            "allowed: issued_on, order, received_by",
        ),
        (
            "exams.record",
            {
                "pupil": str(UUID(int=2)),
                "year": YEAR,
                "centre": "РЦОИ",
                "results": [
                    {
                        "exam": "oge",
                        "subject": "rus",
                        "exam_date": "2025-05-27",
                        "primary_score": "30",
                        "mark": "5",
                        "passed": True,
                        "protocol": protocol("1", date(2025, 6, 10)),
                    }
                ],
            },
            ("results", 0, "primary_score"),
            "valid integer",
        ),
        (
            "council.decide",
            {
                "class_id": str(UUID(int=1)),
                "protocol": protocol("7", ADMITTED_ON),
                "decisions": [
                    {"pupil": str(UUID(int=2)), "kind": "graduated"},
                ],
            },
            ("decisions", 0, "kind"),
            "promoted",
        ),
    ],
    ids=[
        "pupil-twice",
        "year-as-period",
        "class-not-an-id",
        "malformed-blank",
        "uncorrectable-field",
        "score-as-text",
        "unknown-decision",
    ],
)
def test_a_malformed_body_names_its_field(
    name: str, body: dict[str, Any], loc: tuple[Any, ...], match: str
) -> None:
    with pytest.raises(ValidationError, match=match) as caught:
        body_of(name, body)
    assert loc in [e["loc"] for e in caught.value.errors()]


# -- period and year grades ---------------------------------------------------------


def test_period_and_year_grades_as_a_sheet_and_per_pupil(school: SmallSchool) -> None:
    s = school
    s.clock.set(Q1_CLOSED)
    sheet = {
        "class_id": s.klass("9А"),
        "subject": "math",
        "period": "Q1",
        "grades": grades(s, "5", "4", "3"),
    }
    made = run(s, "grades.period-sheet", sheet, "maths")
    assert made["records"] == {
        str(p): str(subject_record_id(p, "math", YEAR)) for p in s.pupils
    }
    one = {
        "class_id": s.klass("9А"),
        "subject": "rus",
        "period": "Q1",
        "pupil": s.pupils[0],
        "grade": "4",
    }
    run(s, "grades.period", one, "russian")
    s.clock.set(YEAR_CLOSED)
    year = {"class_id": s.klass("9А"), "subject": "math", "grades": grades(s, "5")}
    run(s, "grades.year-sheet", year, "maths")
    one_year = {
        "class_id": s.klass("9А"),
        "subject": "math",
        "pupil": s.pupils[1],
        "grade": "4",
    }
    run(s, "grades.year", one_year, "maths")
    assert [subject_record(s, p, "math").grades for p in s.pupils] == [
        {"Q1": "5", "Y": "5"},
        {"Q1": "4", "Y": "4"},
        {"Q1": "3"},
    ]
    assert subject_record(s, s.pupils[0], "rus").grades == {"Q1": "4"}


def test_a_grade_refused_for_its_pupil_scale_teacher_or_period(
    school: SmallSchool,
) -> None:
    s = school
    sheet = {"class_id": s.klass("9А"), "subject": "math", "period": "Q1"}
    refused(
        s,
        PeriodNotClosedError,
        "body.period",
        r"period Q1 of grade 9 .* is not closed yet",
        "grades.period-sheet",
        {**sheet, "grades": grades(s, "5")},
        "maths",
    )
    s.clock.set(Q1_CLOSED)
    refused(
        s,
        NotAssignedError,
        "body.subject",
        r"does not teach 9А math on 2024-10-25",
        "grades.period-sheet",
        {**sheet, "grades": grades(s, "5")},
        "history",
    )
    outsider = [{"pupil": s.other_pupil, "grade": "5"}]
    refused(
        s,
        NotEnrolledError,
        "body.grades.1.pupil",
        "9А",
        "grades.period-sheet",
        {**sheet, "grades": grades(s, "5") + outsider},
        "maths",
    )
    refused(
        s,
        ScaleError,
        "body.grades",
        r"grade '6' is not on the school's scale .* allowed: 5, 4, 3, 2",
        "grades.period-sheet",
        {**sheet, "grades": grades(s, "5", "6")},
        "maths",
    )
    refused(
        s,
        ScaleError,
        "body.grade",
        r"grade '6' is not on the school's scale",
        "grades.period",
        {**sheet, "pupil": s.pupils[0], "grade": "6"},
        "maths",
    )


# -- intermediate attestation and retakes -------------------------------------------


def _attestation(s: SmallSchool, *results: str) -> dict[str, str]:
    """The 9А history attestation on 27 May 2025; the result events by pupil."""
    s.clock.set(YEAR_CLOSED)
    body = {
        "class_id": s.klass("9А"),
        "subject": "hist",
        "form": "годовая контрольная работа",
        "protocol": protocol("12", YEAR_CLOSED),
        "results": [
            {"pupil": p, "result": r} for p, r in zip(s.pupils, results, strict=False)
        ],
    }
    made: dict[str, str] = run(s, "attestation.record", body, "history")["results"]
    return made


def _retake(
    s: SmallSchool, retakes: str, result: str, *commission: str, on: date
) -> dict[str, Any]:
    s.clock.set(on)
    return {
        "pupil": s.pupils[2],
        "subject": "hist",
        "year": YEAR,
        "retakes": retakes,
        "result": result,
        "protocol": protocol("п-1", on),
        "commission": [s.staff(c) for c in commission],
    }


def test_an_attestation_with_a_failed_result_and_two_retakes(
    school: SmallSchool,
) -> None:
    s = school
    results = _attestation(s, "5", "4", "2")
    assert set(results) == {str(p) for p in s.pupils}
    failed = results[str(s.pupils[2])]
    first = run(
        s, "attestation.retake", _retake(s, failed, "2", on=date(2025, 6, 5)), "history"
    )
    second = _retake(
        s, first["result"], "3", "history", "deputy", "russian", on=date(2025, 6, 20)
    )
    run(s, "attestation.retake", second, "deputy")
    record = subject_record(s, s.pupils[2], "hist")
    assert [(r.kind, r.attempt, r.result, r.debt) for r in record.results] == [
        ("attestation", 0, "2", True),
        ("retake", 1, "2", True),
        ("retake", 2, "3", False),
    ]
    assert not subject_record(s, s.pupils[0], "hist").has_debt


def test_a_retake_of_a_passed_result_or_an_unknown_commission_member(
    school: SmallSchool,
) -> None:
    s = school
    results = _attestation(s, "4", "4", "2")
    passed = results[str(s.pupils[0])]
    body = _retake(s, passed, "5", on=date(2025, 6, 5)) | {"pupil": s.pupils[0]}
    refused(
        s,
        RetakeError,
        "body.retakes",
        r"was not failed; only a failed result \(an academic debt\) is retaken",
        "attestation.retake",
        body,
        "history",
    )
    failed = results[str(s.pupils[2])]
    body = _retake(s, failed, "3", on=date(2025, 6, 5))
    refused(
        s,
        UnknownRecordError,
        "body.commission",
        r"commission member .* is not a staff member of this school",
        "attestation.retake",
        body | {"commission": [UUID(int=7)]},
        "history",
    )


# -- exams, final grades, council, the attestat book ---------------------------------


def _exams(s: SmallSchool, pupil: UUID, *subjects: str) -> dict[str, Any]:
    s.clock.set(date(2025, 6, 10))
    return {
        "pupil": pupil,
        "year": YEAR,
        "centre": "РЦОИ Республики Татарстан",
        "results": [
            {
                "exam": "oge",
                "subject": subject,
                "exam_date": "2025-05-27",
                "primary_score": 30,
                "mark": "5",
                "passed": True,
                "protocol": protocol(f"ОГЭ-{subject}", date(2025, 6, 10)),
            }
            for subject in subjects
        ],
    }


def _decisions(
    s: SmallSchool, klass: str, on: date, *decisions: dict[str, Any]
) -> dict[str, Any]:
    s.clock.set(on)
    return {
        "class_id": s.klass(klass),
        "protocol": protocol("9", on),
        "decisions": list(decisions),
    }


def test_may_to_june_of_a_graduating_class_through_the_commands(
    school: SmallSchool,
) -> None:
    s = school
    first, second, _ = s.pupils
    s.clock.set(INTERVIEW_ON, 17)
    interview = {
        "class_id": s.klass("9А"),
        "kind": "interview",
        "held_on": INTERVIEW_ON.isoformat(),
        "protocol": protocol("ИС-1", INTERVIEW_ON),
        "results": [{"pupil": p, "result": "зачёт"} for p in (first, second)],
    }
    made = run(s, "admission-tests.record", interview, "deputy")
    assert set(made["results"]) == {str(first), str(second)}
    admission = _decisions(
        s,
        "9А",
        ADMITTED_ON,
        {"pupil": first, "kind": "admitted_to_state_exams"},
        {"pupil": second, "kind": "admitted_to_state_exams"},
    )
    made = run(s, "council.decide", admission, "deputy")
    assert made["records"][str(first)] == str(council_record_id(first, YEAR))
    exams = _exams(s, first, "rus", "math", "hist", "eng")
    made = run(s, "exams.record", exams, "importer")
    assert made == {"sheet": str(exam_sheet_id(first, YEAR))}
    sheet = s.records.context.view(ExamSheet, exam_sheet_id(first, YEAR))
    assert sheet is not None
    assert sorted(sheet.latest()) == ["eng", "hist", "math", "rus"]

    s.clock.set(date(2025, 6, 18))
    final = {
        "pupil": first,
        "level": "basic",
        "grades": [
            {"subject": code, "grade": "5", "basis": "годовая 5, ОГЭ 5"}
            for code in ("rus", "math", "hist")
        ],
    }
    run(s, "final-grades.record", final, "maths")
    grades = s.records.context.view(FinalGrades, final_grades_id(first, "basic"))
    assert grades is not None
    assert grades.grades == {"rus": "5", "math": "5", "hist": "5"}

    attestat = _decisions(
        s,
        "9А",
        DECIDED_ON,
        {"pupil": first, "kind": "attestat_basic", "with_honours": True},
        {"pupil": second, "kind": "study_certificate", "note": "не прошёл ГИА"},
    )
    run(s, "council.decide", attestat, "director")
    decided = s.records.context.view(CouncilRecord, council_record_id(first, YEAR))
    assert decided is not None
    found = decided.find(DecisionKind.ATTESTAT_BASIC)
    assert found is not None
    assert found.with_honours
    assert str(found.protocol) == "№ 9 от 20.06.2025"

    s.clock.set(ISSUED_ON)
    stock = {
        "level": "basic",
        "ranges": [{"first": BLANK, "last": "10224000000005"}],
        "invoice": INVOICE,
        "received_on": "2025-06-01",
    }
    assert run(s, "attestats.receive-blanks", stock, "secretary") == {"received": 5}
    issue = {
        "class_id": s.klass("9А"),
        "order": protocol("45-о", ISSUED_ON),
        "issued_on": ISSUED_ON.isoformat(),
        "entries": [{"pupil": first, "blank": BLANK, "number": 1}],
    }
    made = run(s, "attestats.issue", issue, "maths", "director")
    assert made == {"entries": {str(first): 1}}
    certified = {"class_id": s.klass("9А"), "certified_on": ISSUED_ON.isoformat()}
    assert run(s, "attestats.certify", certified, "maths", "director") == {
        "entries": [1]
    }
    spoiled = {
        "level": "basic",
        "blank": "10224000000002",
        "reason": "ошибка при заполнении",
    }
    assert run(s, "attestats.spoil-blank", spoiled, "secretary") == {
        "blank": "10224000000002"
    }
    duplicate = {
        "level": "basic",
        "original": 1,
        "blank": "10224000000003",
        "cause": "lost",
        "reason": "утрата оригинала (заявление выпускника)",
        "order": protocol("50-о", ISSUED_ON),
        "issued_on": ISSUED_ON.isoformat(),
    }
    assert run(s, "attestats.duplicate", duplicate, "secretary", "director") == {
        "entry": 2
    }
    correction = {
        "level": "basic",
        "entry": 1,
        "field": "received_by",
        "value": "guardian",
        "reason": "аттестат получен матерью выпускника",
    }
    run(s, "attestats.correct", correction, "director")

    stream = attestat_book_id(s.school, Level.BASIC.value)
    book = s.records.context.load(AttestatBook, stream)
    assert book is not None
    assert book.last_number == 2
    assert {n: (e["kind"], e["blank"]) for n, e in book.entries.items()} == {
        "1": ("attestat", BLANK),
        "2": ("duplicate", "10224000000003"),
    }
    assert book.entries["1"]["certified"]
    assert book.blanks["attestat:10224000000002"] == "spoiled"
    last = list(s.app.events.get(stream))[-1]
    assert type(last).__name__ == "BookEntryCorrected"
    assert (last.entry, last.field, last.value) == (1, "received_by", "guardian")  # type: ignore[attr-defined]


def test_an_exam_of_an_unknown_subject_is_refused(school: SmallSchool) -> None:
    s = school
    admit(s, s.pupils[0])
    refused(
        s,
        UnknownRecordError,
        "body.results.1.subject",
        r"exam subject 'astronomy' is not a subject of the curriculum .*allowed: .*"
        r"math_base, math_prof",
        "exams.record",
        _exams(s, s.pupils[0], "rus", "astronomy"),
        "importer",
    )


def test_a_decision_about_a_pupil_of_another_class_is_refused(
    school: SmallSchool,
) -> None:
    s = school
    body = _decisions(
        s,
        "9А",
        ADMITTED_ON,
        {"pupil": s.pupils[0], "kind": "admitted_to_state_exams"},
        {"pupil": s.other_pupil, "kind": "admitted_to_state_exams"},
    )
    refused(
        s,
        NotEnrolledError,
        "body.decisions.1.pupil",
        "9А",
        "council.decide",
        body,
        "deputy",
    )


def test_a_final_grade_outside_the_attestats_curriculum_is_refused(
    school: SmallSchool,
) -> None:
    s = school
    s.clock.set(date(2025, 6, 18))
    body = {
        "pupil": s.pupils[0],
        "level": "basic",
        "grades": [{"subject": "eng", "grade": "5"}],
    }
    refused(
        s,
        UnknownRecordError,
        "body.grades.0.subject",
        r"subject 'eng' is not in the basic attestat's curriculum",
        "final-grades.record",
        body,
        "maths",
    )


def test_attestats_need_blanks_in_stock_a_decision_and_the_directors_cosignature(
    school: SmallSchool,
) -> None:
    s = school
    graduate(s, s.pupils[0])
    issue = {
        "class_id": s.klass("9А"),
        "order": protocol("45-о", ISSUED_ON),
        "issued_on": ISSUED_ON.isoformat(),
        "entries": [{"pupil": s.pupils[0], "blank": BLANK}],
    }
    refused(
        s,
        BlankStockError,
        "body.entries.0.blank",
        f"{BLANK}",
        "attestats.issue",
        issue,
        "maths",
        "director",
    )
    stock = {"level": "basic", "blanks": [BLANK], "invoice": INVOICE}
    run(
        s,
        "attestats.receive-blanks",
        stock | {"received_on": "2025-06-01"},
        "secretary",
    )
    others = issue | {"entries": [{"pupil": s.pupils[1], "blank": BLANK}]}
    refused(
        s,
        NoDecisionError,
        "body.entries.0.pupil",
        "council",
        "attestats.issue",
        others,
        "maths",
        "director",
    )
    before = rawsql.rows(s.store.url, s.store.admin_url)
    with pytest.raises(PolicyError, match="needs a co-signature by the director"):
        run(s, "attestats.issue", issue, "maths")
    assert rawsql.rows(s.store.url, s.store.admin_url) == before
    assert run(s, "attestats.issue", issue, "maths", "director") == {
        "entries": {str(s.pupils[0]): 1}
    }


def test_a_duplicate_without_an_original_is_refused(school: SmallSchool) -> None:
    s = school
    s.clock.set(ISSUED_ON)
    body = {
        "level": "basic",
        "original": 1,
        "blank": BLANK,
        "reason": "утрата оригинала",
        "order": protocol("50-о", ISSUED_ON),
        "issued_on": ISSUED_ON.isoformat(),
    }
    refused(
        s,
        DuplicateOfUnknownError,
        "body.original",
        r"entry 1 is not an attestat entry of this book \(the book has no entries",
        "attestats.duplicate",
        body,
        "secretary",
        "director",
    )


def test_a_command_prepares_client_signed_envelopes_in_one_save(
    school: SmallSchool,
) -> None:
    """A dry run (the server's, for a client that signs itself) makes one
    unsigned envelope per decision and writes nothing."""
    s = school
    interview(s, *s.pupils)
    body = _decisions(
        s,
        "9А",
        ADMITTED_ON,
        *({"pupil": p, "kind": "admitted_to_state_exams"} for p in s.pupils),
    )
    before = rawsql.rows(s.store.url, s.store.admin_url)
    dry = DryRun(s.app, s.school, clock=s.clock)
    dry.prepared = []
    key = s.keys["deputy"].key_id
    COMMANDS["council.decide"].run(
        SchoolRecords.on(dry), body_of("council.decide", body), Signing(KeyOnly(key))
    )
    assert [e.type for e in dry.prepared] == ["decisions.CouncilDecisionRecorded"] * 3
    assert rawsql.rows(s.store.url, s.store.admin_url) == before


# -- corrections ----------------------------------------------------------------------


def test_grades_results_and_decisions_corrected_through_the_commands(
    school: SmallSchool,
) -> None:
    s = school
    first = s.pupils[0]
    s.clock.set(Q1_CLOSED)
    sheet = {"class_id": s.klass("9А"), "subject": "math", "period": "Q1"}
    run(s, "grades.period-sheet", {**sheet, "grades": grades(s, "4")}, "maths")
    q1 = f"{subject_record_id(first, 'math', YEAR)}:1"
    fix = {
        "pupil": first,
        "subject": "math",
        "year": YEAR,
        "corrects": q1,
        "grade": "5",
        "reason": "ошибка при выставлении",
    }
    made = run(s, "grades.correct", fix, "maths")
    assert made["correction"].startswith(str(subject_record_id(first, "math", YEAR)))
    assert subject_record(s, first, "math").grades["Q1"] == "5"

    failed = _attestation(s, "5", "4", "2")[str(s.pupils[2])]
    result = {
        "pupil": s.pupils[2],
        "subject": "hist",
        "year": YEAR,
        "corrects": failed,
        "result": "3",
        "reason": "ошибка в протоколе",
        "protocol": protocol("12-и", YEAR_CLOSED),
    }
    run(s, "attestation.correct", result, "history", "director")
    assert not subject_record(s, s.pupils[2], "hist").has_debt

    graduate(s, first)
    exam = {
        "pupil": first,
        "year": YEAR,
        "corrects": f"{exam_sheet_id(first, YEAR)}:1",
        "primary_score": 33,
        "mark": "5",
        "passed": True,
        "protocol": protocol("апелляция-1", ISSUED_ON),
        "reason": "решение конфликтной комиссии",
    }
    run(s, "exams.appeal", exam, "importer")
    appealed = s.records.context.view(ExamSheet, exam_sheet_id(first, YEAR))
    assert appealed is not None
    assert appealed.latest()["rus"].primary_score == 33
    final = {
        "pupil": first,
        "level": "basic",
        "corrects": f"{final_grades_id(first, 'basic')}:1",
        "grade": "4",
        "reason": "описка",
    }
    run(s, "final-grades.correct", final, "maths", "director")
    corrected = s.records.context.view(FinalGrades, final_grades_id(first, "basic"))
    assert corrected is not None
    assert corrected.grades["rus"] == "4"
    decision = {
        "corrects": f"{council_record_id(first, YEAR)}:2",
        "protocol": protocol("10", ISSUED_ON),
        "decision": {"pupil": first, "kind": "attestat_basic", "note": "уточнено"},
        "reason": "уточнение протокола",
    }
    run(s, "council.correct", decision, "deputy", "director")
    refused(
        s,
        CorrectionError,
        "body.corrects",
        r":9 is not a period or year grade of this pupil's subject record",
        "grades.correct",
        fix | {"corrects": f"{subject_record_id(first, 'math', YEAR)}:9"},
        "maths",
    )
