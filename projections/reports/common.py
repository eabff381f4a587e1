"""What every report module shares: its inputs, parameters, Russian formats."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ledger.envelope import parse_time
from projections.reports.errors import ReportError
from projections.reports.model import Signature
from projections.reports.school import Klass, School
from projections.reports.source import Source

DASH = "—"


@dataclass(frozen=True)
class Inputs:
    """A report's source (the cut view) and the school seen through it."""

    source: Source
    school: School


def director_signature(school: School) -> Signature:
    """The director, who certifies a printout of the electronic records with the
    school's seal (§7.3.6)."""
    director = school.director()
    return Signature("Директор школы", school.staff_name(director) if director else "")


def class_teacher_signature(school: School, klass: Klass | None) -> Signature:
    teacher = school.staff_name(klass.class_teacher) if klass else ""
    return Signature("Классный руководитель", teacher)


def check_parameters(
    name: str,
    params: Mapping[str, str],
    allowed: tuple[str, ...],
    required: tuple[str, ...],
) -> None:
    """Unknown or missing parameters are bad input naming the allowed ones."""
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        msg = (
            f"report {name} takes no parameter {', '.join(unknown)}; it takes: "
            f"{', '.join(allowed)}"
        )
        raise ReportError(msg)
    missing = [p for p in required if not params.get(p)]
    if missing:
        msg = (
            f"report {name} needs {', '.join(missing)}; it takes: "
            f"{', '.join(allowed)} (required: {', '.join(required)})"
        )
        raise ReportError(msg)


def day(text: str | None) -> str:
    """An ISO date as printed in Russian documents: 20.06.2025."""
    if not text:
        return DASH
    return f"{date.fromisoformat(text):%d.%m.%Y}"


MOSCOW = timedelta(hours=3)


def moment(at: str | None, zone: ZoneInfo) -> str:
    """A signed time (UTC, RFC 3339) as the school reads it, in its own time
    zone: «30.06.2026 10:00 (МСК)»."""
    if not at:
        return DASH
    local = parse_time(at).astimezone(zone)
    return f"{local:%d.%m.%Y %H:%M} ({zone_label(local.utcoffset())})"


def zone_label(offset: timedelta | None) -> str:
    """A UTC offset as Russian documents name time zones: «МСК», «МСК+2»,
    «МСК−1»; an offset in part of an hour as «UTC+05:30»."""
    if offset is None:
        return "UTC"
    hours, rest = divmod(offset - MOSCOW, timedelta(hours=1))
    if rest:
        minutes = int(offset.total_seconds()) // 60
        sign = "+" if minutes >= 0 else "−"
        return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    if hours == 0:
        return "МСК"
    return f"МСК{'+' if hours > 0 else '−'}{abs(hours)}"


def short_day(text: str) -> str:
    return f"{date.fromisoformat(text):%d.%m}"


def protocol(p: Mapping[str, Any] | None) -> str:
    """«протокол от 20.06.2025 № 9» from a protocol's JSON."""
    if not p:
        return DASH
    return f"от {day(p['on'])} № {p['number']}"


def decimal(value: Decimal | str | None) -> str:
    """A decimal with the Russian comma: 4,33."""
    if value is None:
        return DASH
    return str(value).replace(".", ",")


def yes_no(value: bool) -> str:
    return "да" if value else "нет"


DECISIONS = {
    "promoted": "переведен в {to} класс",
    "promoted_conditionally": "условно переведен в {to} класс (задолженность: {debts})",
    "retained": "оставлен на повторное обучение в {grade} классе",
    "admitted_to_state_exams": "допущен к ГИА",
    "attestat_basic": "выдан аттестат об основном общем образовании",
    "attestat_secondary": "выдан аттестат о среднем общем образовании",
    "certificate_of_study": "выдано свидетельство об обучении",
    "study_certificate": "выдана справка об обучении",
}


def decision_text(d: Mapping[str, Any], grade: int, subjects: School) -> str:
    """A council decision as §7.3.6 words it, with the protocol's date and number."""
    template = DECISIONS.get(d["decision"], d["decision"])
    debts = ", ".join(subjects.subject_name(s) for s in d.get("debts") or ())
    text = template.format(to=d.get("to_class") or DASH, grade=grade, debts=debts)
    if d.get("with_honours"):
        text += " с отличием"
    if d.get("medal"):
        text += f", награжден медалью «За особые успехи в учении» {d['medal']} степени"
    return f"{text}, протокол {protocol(d['protocol'])}"
