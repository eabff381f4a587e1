"""What a form says in Russian: each field's label and help, the names of the
choices of the body's enumerations, and the refusals of the body's validation.

Data, not code: a label is looked up for the command and field
(``pupils.leave:on``), then for the field (``on``), then taken from the
Russian half of the body's own description («Дата выбытия / Left on»), so a
new field of a command has a Russian label before anyone adds it here.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from ledger.domain.admission import AdmissionTestKind
from ledger.domain.attestat import DuplicateCause, Recipient
from ledger.domain.blanks import BlankKind
from ledger.domain.decisions import DecisionKind
from ledger.domain.exams import ExamKind
from ledger.domain.honours import Medal
from ledger.domain.people import LeaveReason, MoveReason
from ledger.domain.school import Level

#: label by ``command:field`` or by field (paths without list indexes)
LABELS: dict[str, str] = {
    "surname": "Фамилия",
    "name": "Имя",
    "patronymic": "Отчество",
    "birth_date": "Дата рождения",
    "sex": "Пол",
    "snils": "СНИЛС",
    "citizenship": "Гражданство",
    "class_id": "Класс",
    "pupil": "Обучающийся",
    "order": "Приказ",
    "reason": "Причина",
    "basis": "Основание (приказ или решение)",
    "protocol": "Протокол",
    "protocol.number": "Номер",
    "protocol.date": "Дата",
    "order.number": "Номер приказа",
    "order.date": "Дата приказа",
    "subject": "Предмет",
    "subgroup": "Подгруппа",
    "year": "Учебный год",
    "period": "Период",
    "level": "Книга (уровень)",
    "kind": "Вид",
    "result": "Результат",
    "grade": "Отметка",
    "note": "Примечание",
    "invoice": "Накладная или акт",
    "received_on": "Дата получения",
    "blanks": "Бланки поштучно",
    "ranges": "Диапазон номеров",
    "ranges.first": "Первый бланк",
    "ranges.last": "Последний бланк",
    "blank": "Бланк",
    "supplement": "Бланк приложения",
    "received_by": "Кто получил",
    "recipient_name": "ФИО получившего",
    "proxy_document": "Доверенность",
    "issued_on": "Дата выдачи",
    "commission": "Члены комиссии",
    "form": "Форма аттестации",
    "pupils.enrol:pupils": "Ученик",
    "pupils.enrol:pupils.class_id": "Класс зачисления",
    "pupils.enrol:pupils.on": "Дата зачисления",
    "pupils.enrol:pupils.order": "Приказ о зачислении",
    "pupils.move:moves": "Перевод",
    "pupils.move:moves.class_id": "В класс",
    "pupils.move:moves.on": "Дата перевода",
    "pupils.move:moves.reason": "Основание перевода",
    "pupils.leave:on": "Дата выбытия",
    "pupils.leave:reason": "Причина выбытия",
    "pupils.leave:order": "Приказ об отчислении",
    "pupils.leave:file_handover": "Личное дело выдано родителям по их заявлению",
    "pupils.leave:file_handover.request_date": "Дата заявления",
    "pupils.leave:file_handover.request_number": "Номер заявления",
    "attestation.record:results": "Результаты",
    "attestation.retake:retakes": "Академическая задолженность",
    "attestation.retake:result": "Отметка за пересдачу",
    "council.decide:decisions": "Решения",
    "council.decide:decisions.kind": "Решение",
    "council.decide:decisions.to_class": "В класс",
    "council.decide:decisions.debts": "Задолженности",
    "council.decide:decisions.with_honours": "С отличием",
    "council.decide:decisions.medal": "Медаль",
    "periods.close:class_id": "Класс (пусто — вся школа)",
    "periods.close:subject": "Предмет (пусто — все предметы)",
    "attestats.issue:entries": "Выпускники",
    "attestats.issue:entries.blank": "Бланк титула",
    "attestats.issue:entries.number": "Рег. №",
    "attestats.issue:late_reason": "Причина записи после уже внесённых",
    "attestats.duplicate:original": "Рег. № подлинника",
    "attestats.duplicate:blank": "Бланк дубликата",
    "attestats.duplicate:cause": "Причина выдачи дубликата",
    "attestats.duplicate:reason": "Обстоятельства (как в заявлении)",
    "attestats.correct:entry": "Рег. № записи",
    "attestats.correct:field": "Исправляемая графа",
    "attestats.correct:value": "Новое значение",
    "attestats.spoil-blank:blank": "Испорченный бланк",
    "attestats.certify:certified_on": "Дата заверения",
    "final-grades.record:grades": "Итоговые отметки",
    "final-grades.record:grades.basis": "Основание",
}

#: help under an input, by ``command:field`` or by field
HINTS: dict[str, str] = {
    "snils": "В виде 123-456-789 01; можно оставить пустым.",
    "sex": "",
    "citizenship": "Например, Российская Федерация.",
    "order": "Номер и дата приказа, как в книге приказов.",
    "blank": "14 цифр (10224000012345) или серия и номер старого образца (09 0000123).",
    "blanks": "По одному бланку в строке, как напечатано на бланке.",
    "supplement": "Если приложение выдаётся на своём бланке.",
    "pupils.leave:file_handover": "Заполняется только при переводе в другую "
    "организацию, если родители подали письменное заявление (§7.3.4).",
    "attestation.retake:commission": "Для второй пересдачи — не менее трёх "
    "педагогов (ст. 58 273-ФЗ).",
    "attestation.record:results": "Пустые строки не записываются. "
    "Неудовлетворительный результат — академическая задолженность.",
    "council.decide:decisions": "Решение записывается только для выбранных строк.",
    "council.decide:decisions.debts": "Только при условном переводе.",
    "attestats.issue:entries": "Бланки по возрастанию номеров в алфавитном порядке "
    "выпускников; пустые строки не записываются. Запись ждёт подписи директора.",
    "attestats.issue:entries.number": "Необязательно: сверка с книгой.",
    "attestats.duplicate:original": "Регистрационный номер записи подлинника в книге.",
    "attestats.correct:value": "Дата — в виде ГГГГ-ММ-ДД; кто получил — graduate, "
    "guardian или proxy.",
    "periods.close:period": "После закрытия изменения — только исправлением по "
    "приказу (§8.1).",
    "final-grades.record:grades": "Пустые строки не записываются.",
}

#: the Russian names of the choices of the bodies' enumerations
ENUM_NAMES: dict[type[Enum], dict[str, str]] = {
    MoveReason: {
        "promoted": "переведён в следующий класс",
        "promoted_conditionally": "переведён условно",
        "retained": "оставлен на повторное обучение",
        "parallel": "переведён в параллельный класс",
    },
    LeaveReason: {
        "transferred": "переведён в другую организацию",
        "graduated": "окончил школу",
        "expelled": "отчислен",
    },
    Level: {"basic": "основное общее (9 класс)", "secondary": "среднее общее (11)"},
    BlankKind: {"attestat": "титул аттестата", "supplement": "приложение"},
    Recipient: {
        "graduate": "выпускник",
        "guardian": "родитель (законный представитель)",
        "proxy": "по доверенности",
    },
    DuplicateCause: {
        "lost": "утрата",
        "damaged": "порча",
        "error": "ошибка в подлиннике",
        "name_changed": "смена фамилии (имени, отчества)",
    },
    DecisionKind: {
        "promoted": "переведён",
        "promoted_conditionally": "переведён условно",
        "retained": "оставлен на повторное обучение",
        "admitted_to_state_exams": "допущен к ГИА",
        "attestat_basic": "выдать аттестат об основном общем образовании",
        "attestat_secondary": "выдать аттестат о среднем общем образовании",
        "certificate_of_study": "свидетельство об обучении",
        "study_certificate": "справка об обучении",
    },
    Medal: {"I": "I степени", "II": "II степени"},
    ExamKind: {"oge": "ОГЭ", "ege": "ЕГЭ", "gve": "ГВЭ"},
    AdmissionTestKind: {
        "interview": "итоговое собеседование",
        "essay": "итоговое сочинение",
    },
}

#: refusals of a whole body (a model's own check) and the field they are about
MODEL_ERRORS: dict[str, tuple[tuple[str, str], ...]] = {
    "pupils.leave": (("file_handover", "file_handover"),),
    "attestats.receive-blanks": (("blanks", "blanks"),),
}

#: how a pattern's refusal is explained, by field
FORMATS: dict[str, str] = {
    "snils": "СНИЛС пишется так: 123-456-789 01.",
    "sex": "Выберите «М» или «Ж».",
    "year": "Учебный год пишется так: 2024/2025.",
    "subject": "Выберите предмет из списка.",
    "period": "Выберите период из списка.",
    "retakes": "Выберите задолженность из списка.",
    "personnel_number": "Буквы, цифры, точка, дефис; до 30 знаков.",
}


#: how a value's own check is explained, by field (else its English words)
VALUE_ERRORS: dict[str, str] = {
    "blank": "Номер бланка пишется как напечатан: 14 цифр (10224000012345) или "
    "серия и номер старого образца (09 0000123).",
    "supplement": "Номер бланка приложения пишется как напечатан: 14 цифр или "
    "серия и номер старого образца.",
    "first": "Номер бланка пишется как напечатан: 14 цифр или серия и номер.",
    "last": "Номер бланка пишется как напечатан: 14 цифр или серия и номер.",
    "blanks": "Каждый бланк — как напечатан: 14 цифр или серия и номер.",
    "field": "Выберите исправляемую графу из списка.",
}


def label_of(command: str, path: str, description: str | None) -> str:
    """The Russian label of field ``path`` of ``command``'s body."""
    found = LABELS.get(f"{command}:{path}") or LABELS.get(path)
    if found is None:
        found = LABELS.get(path.rsplit(".", 1)[-1])
    if found is not None:
        return found
    russian = (description or "").split(" / ", 1)[0].strip()
    return russian or path


def hint_of(command: str, path: str) -> str:
    return HINTS.get(f"{command}:{path}") or HINTS.get(path.rsplit(".", 1)[-1], "")


def enum_choices(kind: type[Enum]) -> list[tuple[str, str]]:
    """The choices of an enumeration: each value and its Russian name."""
    names = ENUM_NAMES.get(kind, {})
    return [(str(m.value), names.get(str(m.value), str(m.value))) for m in kind]


def model_error_field(command: str, message: str) -> str:
    """The field a body's own check is about, from its message."""
    for marker, field in MODEL_ERRORS.get(command, ()):
        if marker in message:
            return field
    return ""


def russian_error(error: Any, name: str) -> str:
    """A refusal of the body's validation (pydantic's error) about field
    ``name``, in Russian."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    simple = {
        "missing": "Заполните это поле.",
        "date_parsing": "Укажите дату.",
        "date_from_datetime_parsing": "Укажите дату.",
        "date_type": "Укажите дату.",
        "int_parsing": "Нужно целое число.",
        "int_type": "Нужно целое число.",
        "enum": "Выберите значение из списка.",
        "uuid_parsing": "Выберите значение из списка.",
        "uuid_type": "Выберите значение из списка.",
        "bool_type": "Отметьте или снимите отметку.",
        "bool_parsing": "Отметьте или снимите отметку.",
    }
    if kind in simple:
        return simple[kind]
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "Заполните это поле." if least == 1 else f"Не короче {least} знаков."
    if kind == "string_too_long":
        return f"Не длиннее {ctx.get('max_length')} знаков."
    if kind == "too_short":
        return "Заполните хотя бы одну строку."
    if kind == "too_long":
        return f"Не больше {ctx.get('max_length')} строк."
    if kind == "string_pattern_mismatch":
        return FORMATS.get(name, "Значение записано в неверном виде.")
    if kind == "greater_than_equal":
        return f"Не меньше {ctx.get('ge')}."
    if kind == "less_than_equal":
        return f"Не больше {ctx.get('le')}."
    if kind == "value_error" and name in VALUE_ERRORS:
        return VALUE_ERRORS[name]
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"Неверное значение: {message}"
