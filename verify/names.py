"""What an entry was, in words an auditor reads: from what its envelope holds
in clear (issue 15, item 6).

A finding names an entry by ``<stream>:<seq>``; this module says what the
entry was: its event type in Russian, its date, and the class, subject,
pupil's file number and value where its data (or the opening entry of its
stream, or the pupil's enrolment, when the caller can look them up) names
them. The verifier cannot import the writer, so the type names are here, a
deliberate twin of the domain's event types: ``tests/unit/test_verify_names``
holds them to every type ``ledger/domain`` and the key and policy services
define, so a new type without a Russian name fails a test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RUSSIAN", "About", "describe_entry"]

#: event type → what it is, in Russian (the school's words, GLOSSARY)
RUSSIAN: Mapping[str, str] = {
    "school.SchoolRegistered": "регистрация школы",
    "school.SubjectDefined": "учебный предмет",
    "school.GradingPolicySet": "правила оценивания",
    "school.AcademicYearOpened": "открытие учебного года",
    "school.ClassOpened": "открытие класса",
    "school.TeachingAssigned": "назначение учителя",
    "school.SubstitutionRecorded": "замена учителя",
    "school.PeriodClosed": "закрытие учебного периода",
    "school.YearClosed": "закрытие учебного года",
    "people.StaffMemberRegistered": "регистрация сотрудника",
    "people.StudentEnrolled": "зачисление обучающегося",
    "people.StudentMovedToClass": "перевод обучающегося в класс",
    "people.StudentLeft": "выбытие обучающегося",
    "journal.LessonHeld": "урок",
    "journal.MarkRecorded": "отметка в журнале",
    "journal.AbsenceRecorded": "пропуск урока",
    "journal.MarkCorrected": "исправление отметки",
    "journal.MarkVoided": "аннулирование отметки",
    "attestation.PeriodGradeRecorded": "отметка за период",
    "attestation.PeriodGradeCorrected": "исправление отметки за период",
    "attestation.IntermediateAttestationRecorded": "промежуточная аттестация",
    "attestation.AttestationResultCorrected": "исправление результата аттестации",
    "attestation.RetakeRecorded": "пересдача",
    "attestation.ExamResultImported": "результат экзамена",
    "attestation.ExamResultCorrected": "исправление результата экзамена (апелляция)",
    "attestation.AdmissionTestRecorded": "итоговое собеседование или сочинение",
    "attestation.FinalGradeRecorded": "итоговая отметка",
    "attestation.FinalGradeCorrected": "исправление итоговой отметки",
    "decisions.CouncilDecisionRecorded": "решение педагогического совета",
    "decisions.CouncilDecisionCorrected": "исправление решения педагогического совета",
    "attestat.AttestatIssued": "выдача аттестата",
    "attestat.DuplicateIssued": "выдача дубликата аттестата",
    "attestat.BookEntryCorrected": "исправление в книге выдачи аттестатов",
    "attestat.BlankSpoiled": "испорченный бланк аттестата",
    "attestat.BlanksReceived": "поступление бланков аттестатов",
    "attestat.ClassEntriesCertified": "заверение записей класса в книге выдачи",
    "archive.DataKeyDestroyed": "уничтожение ключа персональных данных",
    "archive.DisposalActApproved": "акт о выделении к уничтожению",
    "archive.YearArchived": "передача учебного года в архив",
    "portfolio.AchievementRecorded": "достижение в портфолио",
    "portfolio.AchievementWithdrawn": "отзыв достижения из портфолио",
    "trust.SignerKeyRegistered": "регистрация ключа подписи",
    "trust.SignerKeyRevoked": "отзыв ключа подписи",
    "trust.PolicyAdopted": "принятие политики подписи или хранения",
    "trust.PolicyChanged": "изменение политики подписи или хранения",
}

#: data fields that hold an entry's value, most telling first
_VALUE_FIELDS = ("mark", "grade", "result", "score", "kind", "decision", "value")
_DATE_FIELDS = ("day", "on", "date", "issued_on")

Lookup = Callable[[str], Mapping[str, Any] | None]
"""The data of the opening entry of a stream (``seq`` 1), if it can be read."""


@dataclass(frozen=True)
class About:
    """What an entry was, as far as its clear text (and its stream's) says."""

    type: str
    kind: str
    at: str
    date: str | None = None
    class_name: str | None = None
    subject: str | None = None
    file_number: str | None = None
    value: str | None = None
    value_field: str | None = None
    """Which data field holds ``value`` (``mark``, ``grade``, …)."""
    signed: str | None = None
    """For an entry whose signature fails: the value that makes it verify
    again, i.e. what was signed (``verify.about``); None if none was found."""

    def to_json(self) -> dict[str, Any]:
        """The ``about`` member of a finding in the JSON report."""
        return {
            "type": self.type,
            "kind": self.kind,
            "at": self.at,
            "date": self.date,
            "class": self.class_name,
            "subject": self.subject,
            "file_number": self.file_number,
            "value": self.value,
            "signed_value": self.signed,
        }

    def line(self) -> str:
        """«отметка в журнале от 14.10.2026, класс 5А, математика, личное дело
        № 12/2019, значение «5»»."""
        parts = [self.kind]
        if self.date:
            parts[0] += f" от {_russian_date(self.date)}"
        if self.class_name:
            parts.append(f"класс {self.class_name}")
        if self.subject:
            parts.append(self.subject)
        if self.file_number:
            parts.append(f"личное дело № {self.file_number}")
        if self.value is not None:
            parts.append(f"значение «{self.value}»")
        if self.signed is not None:
            parts.append(f"подписано «{self.signed}»")
        return ", ".join(parts)


def describe_entry(stored: bytes, lookup: Lookup | None = None) -> About | None:
    """What a stored entry was; None if its bytes are not JSON at all.

    Read with plain ``json.loads``: a finding's entry may be anything, and
    what it says is shown as what it claims, not as verified.
    """
    try:
        envelope = json.loads(stored)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(envelope, dict):
        return None
    kind = str(envelope.get("type", "?"))
    data = envelope.get("data")
    data = data if isinstance(data, dict) else {}
    opening: Mapping[str, Any] = {}
    stream = envelope.get("stream")
    if lookup is not None and isinstance(stream, str) and envelope.get("seq") != 1:
        opening = lookup(stream) or {}
    pupil: Mapping[str, Any] = {}
    if lookup is not None and isinstance(data.get("pupil"), str):
        pupil = lookup(data["pupil"]) or {}
    klass: Mapping[str, Any] = {}
    class_id = _first(("class_id",), data, opening)
    if lookup is not None and class_id is not None and "class_name" not in data:
        klass = {"class_name": (lookup(class_id) or {}).get("name")}
    return About(
        type=kind,
        kind=RUSSIAN.get(kind, f"запись неизвестного вида {kind}"),
        at=str(envelope.get("at", "")),
        date=_first(_DATE_FIELDS, data, opening) or str(envelope.get("at", ""))[:10],
        class_name=_first(("class_name",), data, opening, klass, pupil),
        subject=_first(("subject",), data, opening),
        file_number=_first(("personal_file",), data, pupil),
        value=_first(_VALUE_FIELDS, data),
        value_field=next((f for f in _VALUE_FIELDS if _first((f,), data)), None),
    )


def _first(fields: tuple[str, ...], *sources: Mapping[str, Any]) -> str | None:
    for name in fields:
        for source in sources:
            value = source.get(name)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                return str(value)
    return None


def _russian_date(text: str) -> str:
    """``2026-10-14`` → ``14.10.2026``; anything else as it is."""
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:10]}.{text[5:7]}.{text[:4]}"
    return text
