"""What a co-signer reads: the Russian text of a co-signature request.

Made once, when the request is submitted, from the envelopes its dry run
made (``api.server.cosign``): who submits it and when, and one line per
record, with the pupil's name opened from the sealed identity where the
server holds the data keys (else the pupil's id).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from api.commands import Command
from api.server.accounts import Account
from api.server.office import Office
from ledger.domain.people import PersonalFile
from ledger.envelope import Envelope
from ledger.errors import LedgerError
from projections.reports.common import zone_label

#: The roles as a school names them.
ROLE_RU = {
    "director": "директор",
    "deputy_director": "заместитель директора",
    "class_teacher": "классный руководитель",
    "teacher": "учитель",
    "secretary": "секретарь",
    "importer": "оператор импорта",
    "expert_commission": "член экспертной комиссии",
}


def summary(
    office: Office,
    command: Command[Any],
    account: Account,
    envelopes: Sequence[Envelope],
    now: datetime,
) -> str:
    """Russian text of what will be signed, as the co-signer reads it."""
    who = account.display_name or account.name
    lines = [f"{command.summary_ru}. Подаёт: {who}, {school_time(office, now)}."]
    lines += [_line(office, e) for e in envelopes]
    return "\n".join(lines)


def school_time(office: Office, now: datetime) -> str:
    """«25.06.2025 15:00 (МСК)»: a moment as the school reads it, in its zone,
    as the pages and the printed reports show times."""
    local = now.astimezone(office.school_zone())
    return f"{local:%d.%m.%Y %H:%M} ({zone_label(local.utcoffset())})"


def _line(office: Office, envelope: Envelope) -> str:
    d = envelope.data
    if envelope.type == "attestat.AttestatIssued":
        level = "основном" if d.get("level") == "basic" else "среднем"
        text = (
            f"Аттестат об {level} общем образовании, запись № {d.get('number')}: "
            f"{pupil_name(office, d.get('pupil'))}, {d.get('class_name')}, бланк "
            f"{_blank(d.get('blank'))}, выдан {_date(d.get('issued_on'))}, "
            f"приказ {_protocol(d.get('order'))}"
        )
        if d.get("with_honours"):
            text += ", с отличием"
        return text + "."
    if envelope.type == "attestat.DuplicateIssued":
        return (
            f"Дубликат аттестата, запись № {d.get('number')} к записи № "
            f"{d.get('original')}: {pupil_name(office, d.get('pupil'))}, бланк "
            f"{_blank(d.get('blank'))}, выдан {_date(d.get('issued_on'))}, "
            f"причина: {d.get('reason')}."
        )
    named = f", {pupil_name(office, d['pupil'])}" if d.get("pupil") else ""
    return f"{envelope.type}{named}: запись {envelope.stream}:{envelope.seq}."


def pupil_name(office: Office, pupil: Any) -> str:
    """The pupil's full name when the identity can be opened, else the id."""
    try:
        with office.reading() as ctx:
            file = ctx.view(PersonalFile, UUID(str(pupil)))
            keys = ctx.data_keys
            if file is None or keys is None:
                return f"обучающийся {pupil}"
            identity = keys.open(str(pupil), file.enc)
    except (LedgerError, ValueError):
        return f"обучающийся {pupil}"
    parts = (identity.get(k) for k in ("surname", "name", "patronymic"))
    return " ".join(str(p) for p in parts if p)


def _date(value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value)).strftime("%d.%m.%Y")
    except ValueError:
        return str(value)


def _blank(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"{value.get('series')} {value.get('number')}"
    return str(value)


def _protocol(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"№ {value.get('number')} от {_date(value.get('on'))}"
    return str(value)
