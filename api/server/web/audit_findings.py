"""A verification's result as the auditor reads it: per retention class.

A run's result is the verifier's JSON object (DESIGN §7; ``letopis verify
--json``, with its ``views`` member when the console ran it). The page shows
each retention class (the journal kept 5 years, the summary statements 25,
the attestat book 50, … as the retention policy in the log says) with its
counts and the findings about its entries, each finding as a sentence: what
the kind of finding means, what the entry was (``verify.names``: the event
type in Russian, date, class, subject, personal file, value, and for a forged
value what was signed), and the verifier's own words as the technical detail.
Findings about the log as a whole (its tree, its checkpoints) come first.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from api.server.web.audit_words import finding_kind
from verify.names import About
from verify.retention import UNCLASSIFIED, RetentionPolicy

CHECKED = {
    "entries": "записей",
    "signatures": "подписей проверено",
    "signatures_skipped": "подписей проверено прежде (не перепроверялись)",
    "streams": "потоков записей",
    "keys": "ключей подписи",
    "checkpoints": "контрольных точек",
    "columns": "столбцов сверено",
    "leaves": "листьев сверено с записями",
    "unsealed": "записей после контрольной точки",
    "nodes": "узлов индекса",
}
POLICIES = {"signing": "Политика подписи", "retention": "Политика хранения"}
NOTES = (
    (
        re.compile(
            r"--since-checkpoint: the signatures of the first (\d+) entries were "
            r"verified on (\S+) and not checked again; the whole tree was"
        ),
        "Подписи первых {0} записей проверены {1} и повторно не проверялись; "
        "всё дерево пересчитано заново.",
    ),
    (
        re.compile(r"--since-checkpoint: nothing verified before; every entry was"),
        "Ранее проверенной точки нет: проверены все записи.",
    ),
    (
        re.compile(r"--since-checkpoint: the signing policy changed since (\S+);"),
        "Политика подписи изменилась после {0}: проверены все записи.",
    ),
    (
        re.compile(
            r"(signing|retention) policy: from the log, (\S+) of (\S+) "
            r"\((sha256:[0-9a-f]+); (\d+) change\(s\) since the first\)"
        ),
        "{0} — из журнала: запись {1} от {2} ({3}); изменений с первой: {4}.",
    ),
    (
        re.compile(r"(signing|retention) policy: (.*), not logged"),
        "{0} в журнале не записана; взята: {1}.",
    ),
    (re.compile(r"signatures checked with (\S+)"), "Подписи проверены: {0}."),
    (
        re.compile(r"recorded checkpoint (\d+) as verified in "),
        "Контрольная точка размера {0} записана как проверенная: следующая "
        "проверка перепроверит подписи только новых записей.",
    ),
    (
        re.compile(r"could not record the verified checkpoint in \S+: (.*)"),
        "Проверенную контрольную точку записать не удалось ({0}): следующая "
        "проверка перепроверит все подписи.",
    ),
    (
        re.compile(r"no signed checkpoint covers the log: nothing anchors its"),
        "Ни одна подписанная контрольная точка ещё не покрывает журнал.",
    ),
)


@dataclass(frozen=True)
class ShownFinding:
    """One finding, for a person."""

    kind: str
    meaning: str
    position: int | None
    event: str | None
    what: str | None
    detail: str


@dataclass
class ClassRow:
    """A retention class: its counts and the findings about its entries."""

    name: str
    title: str
    keep: str
    events: int = 0
    intact: int = 0
    oldest: str | None = None
    expires: str | None = None
    due: int = 0
    findings: list[ShownFinding] = field(default_factory=list)

    @property
    def damaged(self) -> int:
        return self.events - self.intact


@dataclass(frozen=True)
class ViewsShown:
    """The report views against the log: checked, skipped (why) or failed."""

    status: str
    reason: str
    ok: bool
    rows: int | None
    position: int | None
    findings: list[dict[str, Any]]


@dataclass(frozen=True)
class RunShown:
    """A run's whole result, ready for the page."""

    ok: bool
    verdict: str
    origin: str
    tree_size: int
    root: str
    anchor: str
    checked: list[tuple[str, int]]
    general: list[ShownFinding]
    classes: list[ClassRow]
    by_kind: list[tuple[str, int]]
    omitted: int
    notes: list[str]
    views: ViewsShown | None


def years(n: int) -> str:
    """«1 год», «3 года», «25 лет»."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} год"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} года"
    return f"{n} лет"


def shown_run(result: Mapping[str, Any], policy: RetentionPolicy | None) -> RunShown:
    """The page's form of ``result`` (the verifier's JSON), the findings
    sorted into ``policy``'s classes by the type of the entry they concern."""
    classes = _classes(result.get("retention", []), policy)
    by_name = {c.name: c for c in classes}
    general = []
    for raw in result.get("findings", []):
        finding = _finding(raw)
        about = raw.get("about")
        kind = about.get("type") if isinstance(about, Mapping) else None
        name = _class_of(kind, policy) if kind else None
        if name is None:
            general.append(finding)
            continue
        if name not in by_name:
            by_name[name] = ClassRow(name, _title(name, policy), "")
            classes.append(by_name[name])
        by_name[name].findings.append(finding)
    views = result.get("views")
    return RunShown(
        ok=bool(result.get("ok")),
        verdict=_verdict(result),
        origin=str(result.get("origin", "")),
        tree_size=int(result.get("tree_size") or 0),
        root=_hex(result.get("root")),
        anchor=str((result.get("anchor") or {}).get("key", "")),
        checked=[
            (CHECKED.get(k, k), int(v)) for k, v in result.get("checked", {}).items()
        ],
        general=general,
        classes=classes,
        by_kind=[
            (finding_kind(k), int(n))
            for k, n in result.get("findings_by_kind", {}).items()
        ],
        omitted=int(result.get("findings_omitted") or 0),
        notes=[_note(n) for n in result.get("notes", [])],
        views=None if not isinstance(views, Mapping) else _views(views),
    )


def _verdict(result: Mapping[str, Any]) -> str:
    views = result.get("views") or {}
    log_problems = sum(int(n) for n in result.get("findings_by_kind", {}).values())
    if result.get("ok"):
        entries = int((result.get("checked") or {}).get("entries", 0))
        return (
            f"ЖУРНАЛ ЦЕЛ: проверено записей — {entries}; дерево из "
            f"{result.get('tree_size')} листьев совпадает с подписанной "
            "контрольной точкой."
        )
    if log_problems:
        return f"НАЙДЕНЫ НАРУШЕНИЯ: {log_problems}."
    if views.get("status") == "failed":
        return "ПРЕДСТАВЛЕНИЯ ОТЧЁТОВ НЕ ПРОВЕРЕНЫ: сверка с журналом не удалась."
    return "ПРЕДСТАВЛЕНИЯ ОТЧЁТОВ РАСХОДЯТСЯ С ЖУРНАЛОМ: отчёты из них не строятся."


def _classes(
    rows: Sequence[Mapping[str, Any]], policy: RetentionPolicy | None
) -> list[ClassRow]:
    found = []
    for row in rows:
        name = str(row["class"])
        found.append(
            ClassRow(
                name=name,
                title=_title(name, policy),
                keep=_keep(name, policy),
                events=int(row.get("events") or 0),
                intact=int(row.get("intact") or 0),
                oldest=russian_date(row.get("oldest")),
                expires=russian_date(row.get("expires")),
                due=int(row.get("due_for_disposal") or 0),
            )
        )
    return found


def _title(name: str, policy: RetentionPolicy | None) -> str:
    if name == UNCLASSIFIED:
        return "Записи вне классов хранения"
    for retention in policy.classes if policy else ():
        if retention.name == name:
            return retention.title
    return name


def _keep(name: str, policy: RetentionPolicy | None) -> str:
    for retention in policy.classes if policy else ():
        if retention.name == name:
            if retention.clock == "never":
                return f"весь срок журнала ({years(retention.keep_years)})"
            return years(retention.keep_years)
    return "—"


def _class_of(event_type: str, policy: RetentionPolicy | None) -> str | None:
    if policy is None:
        return None
    index = policy.classify(event_type)
    return policy.names[index]


def _finding(raw: Mapping[str, Any]) -> ShownFinding:
    about = raw.get("about")
    return ShownFinding(
        kind=str(raw.get("kind")),
        meaning=finding_kind(str(raw.get("kind"))),
        position=raw.get("position"),
        event=raw.get("event"),
        what=_about_line(about) if isinstance(about, Mapping) else None,
        detail=str(raw.get("detail", "")),
    )


def _about_line(about: Mapping[str, Any]) -> str:
    """``verify.names.About.line`` of a finding's ``about`` member."""
    return About(
        type=str(about.get("type", "")),
        kind=str(about.get("kind", "")),
        at=str(about.get("at", "")),
        date=about.get("date"),
        class_name=about.get("class"),
        subject=about.get("subject"),
        file_number=about.get("file_number"),
        value=about.get("value"),
        signed=about.get("signed_value"),
    ).line()


def _note(text: str) -> str:
    """A note of the verifier in Russian (as it is, if it is none of these)."""
    for pattern, russian in NOTES:
        found = pattern.match(text)
        if found:
            words = [POLICIES.get(g, _moment(g)) for g in found.groups()]
            return russian.format(*words)
    return text


def _moment(text: str) -> str:
    """``2026-12-05T19:48:10.446686Z`` → «05.12.2026 19:48 UTC»; other text as
    it is."""
    found = _MOMENT.fullmatch(text)
    if found is None:
        return text
    year, month, day, hour, minute = found.groups()
    return f"{day}.{month}.{year} {hour}:{minute} UTC"


_MOMENT = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)[0-9:.]*Z")


def russian_date(text: str | None) -> str | None:
    """``2024-10-01`` → ``01.10.2024`` (dates as the school writes them)."""
    if not text or len(text) < 10 or text[4] != "-":
        return text
    return f"{text[8:10]}.{text[5:7]}.{text[:4]}"


def _hex(root: Any) -> str:
    if not root:
        return "—"
    try:
        return base64.b64decode(str(root)).hex()
    except ValueError:
        return str(root)


VIEWS_REASONS = {
    "the log has findings: the views were not checked": (
        "в журнале есть нарушения: представления не сверялись"
    ),
    "--no-views": "сверка представлений не запрошена",
}


def _views(raw: Mapping[str, Any]) -> ViewsShown:
    reason = str(raw.get("reason") or "")
    return ViewsShown(
        status=str(raw.get("status")),
        reason=VIEWS_REASONS.get(reason, reason),
        ok=bool(raw.get("ok")),
        rows=raw.get("rows"),
        position=raw.get("position"),
        findings=list(raw.get("findings") or []),
    )
