"""What the director reads before signing: an envelope's data in Russian.

The desk's preview gives each envelope's data as the log will hold it; this
lays it out line by line with the school's words (every field shown, the
unknown ones under their own names, nothing left out), dates as
``25.06.2025``, the pupil by name where the data keys open it, and the sealed
identity said to be sealed rather than printed as ciphertext.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from api.server.web.forms_labels import ENUM_NAMES
from ledger.domain.attestat import DuplicateCause, Recipient
from ledger.domain.decisions import DecisionKind
from ledger.domain.school import Level

#: the events a co-signature request may hold, as the school names them
EVENT_NAMES = {
    "attestat.AttestatIssued": "Запись аттестата в книгу выдачи",
    "attestat.DuplicateIssued": "Запись дубликата аттестата",
    "attestat.ClassEntriesCertified": "Заверение записей класса в книге выдачи",
    "attestat.BookEntryCorrected": "Исправление записи книги выдачи",
    "attestation.FinalGradeCorrected": "Исправление итоговой отметки",
    "attestation.AttestationResultCorrected": "Исправление результата аттестации",
    "decisions.CouncilDecisionCorrected": "Исправление решения педсовета",
    "trust.KeyRegistered": "Регистрация ключа подписи",
}
#: a data field's Russian name
FIELD_NAMES = {
    "number": "Рег. №",
    "pupil": "Обучающийся",
    "class_name": "Класс",
    "class_id": "Класс (id)",
    "year": "Учебный год",
    "level": "Уровень образования",
    "blank": "Бланк",
    "supplement": "Бланк приложения",
    "issued_on": "Дата выдачи",
    "order": "Приказ",
    "decision": "Решение педсовета",
    "final_grades": "Итоговые отметки",
    "with_honours": "С отличием",
    "medal": "Медаль",
    "received_by": "Кто получил",
    "recipient_name": "ФИО получившего",
    "proxy_document": "Доверенность",
    "enc": "Данные личности",
    "original": "Рег. № подлинника",
    "cause": "Причина дубликата",
    "reason": "Причина",
    "corrects": "Исправляемая запись",
    "subject": "Предмет",
    "grade": "Отметка",
    "result": "Результат",
    "debt": "Академическая задолженность",
    "protocol": "Протокол",
    "kind": "Решение",
    "to_class": "В класс",
    "debts": "Задолженности",
    "note": "Примечание",
    "entries": "Записи",
    "certified_on": "Дата заверения",
    "by": "Кем",
    "teacher": "Учитель",
    "late_reason": "Причина поздней записи",
}
VALUE_NAMES: dict[str, Mapping[str, str]] = {
    "level": ENUM_NAMES[Level],
    "received_by": ENUM_NAMES[Recipient],
    "cause": ENUM_NAMES[DuplicateCause],
    "kind": ENUM_NAMES[DecisionKind],
}
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def data_lines(
    data: Mapping[str, Any], name_of: Callable[[Any], str]
) -> list[tuple[str, str]]:
    """Every field of ``data`` as (Russian name, Russian value); ``name_of``
    opens a pupil's name."""
    lines = []
    for key, value in data.items():
        label = FIELD_NAMES.get(key, key)
        if key == "pupil" and value:
            lines.append((label, f"{name_of(value)} ({value})"))
        elif key == "enc":
            lines.append((label, "зашифрованы (фамилия, имя, отчество, дата рождения)"))
        else:
            lines.append((label, shown(key, value)))
    return lines


def shown(key: str, value: Any) -> str:
    """A value as the school writes it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, Mapping):
        return _mapping(value)
    if isinstance(value, list | tuple):
        return "; ".join(shown(key, v) for v in value) or "—"
    text = str(value)
    names = VALUE_NAMES.get(key)
    if names and text in names:
        return names[text]
    return day(text)


def _mapping(value: Mapping[str, Any]) -> str:
    if {"series", "number"} <= set(value):
        return f"{value['series']} {value['number']}".strip()
    if {"number", "on"} <= set(value):
        return f"№ {value['number']} от {day(str(value['on']))}"
    if {"name", "grade"} <= set(value):
        return f"{value['name']} — {value['grade']}"
    return ", ".join(
        f"{FIELD_NAMES.get(k, k)}: {shown(k, v)}" for k, v in value.items()
    )


def day(text: str) -> str:
    """``2025-06-25`` as ``25.06.2025``; any other text as it is."""
    found = _DAY.match(text)
    return f"{found[3]}.{found[2]}.{found[1]}" if found else text
