"""The act of a school year closed into the archive, as a person reads it.

``data/act.txt`` of the year's archive (``ledger.archive.year``): the same
act as ``data/act.json`` (the signed ``archive.YearArchived``), in Russian,
with what it holds, its signatures and how to check them. The JSON is the
act; this text only says what it says.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger.log import StoredCheckpoint

_WHAT = {
    "entries.jsonl": "записи учебного года, байт в байт, в порядке журнала",
    "proofs.json": "доказательства включения записей в дерево журнала",
    "checkpoint": "контрольная точка всего журнала, охватывающая год",
    "log.vkey": "открытый ключ журнала (печать школы)",
    "keys.json": "история ключей подписи",
    "README.txt": "как проверить архив",
}


def act_text(
    envelope: dict[str, Any],
    leaf_index: int,
    sealed: StoredCheckpoint,
    holders: dict[str, str],
    now: datetime,
) -> str:
    """The act in ``envelope`` (``archive.YearArchived`` as stored) as text."""
    data = envelope["data"]
    ranges = ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in data["ranges"])
    lines = [
        "АКТ",
        f"о передаче в архив учебного года {data['year']}",
        "",
        f"Дата: {now:%d.%m.%Y}",
        f"Журнал: {data['log']}",
        "",
        "1. Учебный год закрыт; все его записи охвачены подписанной контрольной",
        f"   точкой всего журнала: {data['checkpoint_size']} записей, корень",
        f"   {data['checkpoint_root']} (data/checkpoint).",
        f"2. Записей учебного года: {data['entries']} (номера в журнале: {ranges}).",
        "3. Состав архива (путь в data/, размер в байтах, SHA-256):",
    ]
    verifier = [f for f in data["files"] if f["path"].startswith("verifier/")]
    for item in data["files"]:
        if item not in verifier:
            about = _about(item["path"])
            lines.append(f"   {item['path']}  {item['size']}  {item['sha256']}{about}")
    if verifier:
        lines.append(
            f"   verifier/verify/  {len(verifier)} файлов программы проверки "
            "(размер и SHA-256 каждого — в data/act.json)"
        )
    lines += [
        "",
        f"Запись акта в журнале: {envelope['stream']}:{envelope['seq']} "
        f"({envelope['type']}), номер в журнале {leaf_index},",
        f"охвачена контрольной точкой размера {sealed.size} (data/act-checkpoint,",
        "доказательство включения: data/act-proof.json). Подписи:",
    ]
    for sig in envelope["sigs"]:
        who = holders.get(sig["key"], "?")
        role = "печать школы (ключ журнала)" if who == data["log"] else "директор"
        lines.append(f"   {role}: ключ {sig['key']} ({who}), {sig['alg']}")
    lines += [
        "",
        "Подлинным является акт в data/act.json: подписанная запись журнала. Этот",
        "текст лишь пересказывает её. Проверка: data/README.txt.",
        "",
    ]
    return "\n".join(lines)


def _about(path: str) -> str:
    if path.startswith("statements/"):
        return "  (сводная ведомость, PDF/A)"
    what = _WHAT.get(path)
    return f"  ({what})" if what else ""
