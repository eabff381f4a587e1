"""The console's Russian: what the verifier's finding kinds mean, how sealing
goes, and why a proof could not be given.

The checks themselves speak English to the command line and the JSON API
(their messages are kept as the technical detail under each sentence); the
auditor reads these sentences first.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from api.proofs import NoCheckpointError, ProofRequestError
from api.server.sealing import SealHealth

#: finding kind (``verify.report.SEVERITY``) → what it means, for a person
FINDING_KINDS = {
    "trusted": "журнал не продолжает доверенную контрольную точку",
    "recorded": "журнал не продолжает историю, проверенную ранее",
    "fork": "две разные истории одного размера (развилка журнала)",
    "tables": "удалена таблица журнала",
    "root": "корень дерева не совпадает с подписанным: записи изменены",
    "truncated": "записи удалены: журнал короче своей контрольной точки",
    "tree": "повреждён индекс доказательств (хеш поддерева)",
    "anchor": "журнал начинается не с доверенного ключа журнала",
    "checkpoint": "контрольная точка не читается или не подписана ключом журнала",
    "unsealed": "записи не закрыты подписанной контрольной точкой вовремя",
    "leaf": "листья дерева не совпадают с записями",
    "archive": "архив повреждён",
    "registry": "отклонена запись о ключе подписи",
    "foreign": "запись чужого журнала",
    "key": "подпись ключом, не зарегистрированным в журнале",
    "signature": "подпись не сходится: запись изменена после подписания",
    "window": "подписано вне срока действия ключа или после его компрометации",
    "role": "роль автора не позволяет делать такую запись",
    "cosign": "нет требуемой второй подписи",
    "chain": "разрыв цепочки записей (пропуск или подмена)",
    "column": "столбец хранилища не совпадает с подписанной записью",
    "envelope": "запись не в каноническом виде",
    "policy": "политика подписи или хранения расходится с журналом",
}


def finding_kind(kind: str) -> str:
    return FINDING_KINDS.get(kind, f"находка вида «{kind}»")


@dataclass(frozen=True)
class SealWords:
    """How sealing goes, in a sentence, and whether it is well."""

    well: bool
    text: str


def seal_words(seal: SealHealth, now: float | None = None) -> SealWords:
    """The judgement of ``seal`` (``Office.seal_health``, as ``/health/seal``
    makes it) in Russian."""
    if seal.problem is None:
        return SealWords(
            True,
            f"Запечатывание работает: новые записи закрываются подписанной "
            f"контрольной точкой каждые {_seconds(seal.interval)} с.",
        )
    report = seal.report
    now = time.time() if now is None else now
    if report.error is not None:
        ago = now - (report.failed_at or now)
        text = (
            f"Запечатывание не удалось {ago:.0f} с назад ({report.error}); "
            "подробности — в журнале сервера."
        )
    elif not seal.running:
        text = "Запечатывание остановлено: перезапустите сервер."
    else:
        text = (
            f"Запечатывание просрочено: больше {_seconds(seal.overdue_after)} с без "
            "успешного раунда."
        )
    return SealWords(
        False, text + " Новые записи приняты, но ещё не закрыты контрольной точкой."
    )


def _seconds(value: float) -> str:
    """«0,2», «30» (a decimal comma, as Russian writes it)."""
    return f"{value:g}".replace(".", ",")


_RANGE = re.compile(r"(\d+) to (\d+)")
_MORE = re.compile(r"(\d+) or more")


def proof_problem(error: ProofRequestError, value: str = "") -> str:
    """Why a proof could not be given, in Russian (``api.proofs`` names the
    option and what it allows; the option names are the form's fields)."""
    if isinstance(error, NoCheckpointError):
        return (
            "В журнале ещё нет подписанной контрольной точки: подождите несколько "
            "секунд."
        )
    allowed = error.allowed or ""
    span, more = _RANGE.fullmatch(allowed), _MORE.fullmatch(allowed)
    option = error.option
    if option in ("tree_size", "to") and span:
        return (
            f"Размер {value} вне журнала: подписанная контрольная точка покрывает "
            f"{span.group(2)} записей; допустимо от {span.group(1)} до {span.group(2)}."
        )
    if option == "tree_size" and more:
        return (
            f"Лист не входит в дерево размера {value}: укажите размер "
            f"{more.group(1)} или больше."
        )
    if option in ("index", "event") and span:
        return (
            f"Такой записи нет в запечатанном журнале: в нём листы от "
            f"{span.group(1)} до {span.group(2)}."
        )
    if option == "event" and allowed == "STREAM:SEQ":
        return (
            "Запись указывается как ПОТОК:НОМЕР — идентификатор потока (UUID), "
            "двоеточие и номер записи в потоке."
        )
    if option == "event":
        return "Укажите что-то одно: запись (ПОТОК:НОМЕР) или номер листа."
    if option == "from" and span:
        return (
            f"«От» должно быть от {span.group(1)} до {span.group(2)} "
            "(не больше размера «до»)."
        )
    return f"Запрос отклонён: {error}"
