"""`letopis verify`: the independent verifier on a live store or an archive.

The checks themselves live in ``verify/`` (which never imports the writer);
this command only resolves the options, shows a progress bar while the
verifier works, and prints a table per retention class and a verdict, or, with
``--json``, the verifier's JSON object (DESIGN §7).

On a live store it then checks the report views against the log
(``projections.audit``: the log re-projected in memory and compared row by
row, column by column), a step the independent verifier cannot take (it
imports nothing of the writer's, and the views are the writer's tables). It
runs only when the log itself is intact (a forged entry would stop the
re-projection), and only with the key directory (``--keys``); ``--no-views``
skips it. Its result is printed after the verdict, and in ``--json`` as the
member ``views``. Exit codes: 0 intact, 1 a problem was found (in the log or
in the views), 2 bad usage or an unreadable store or archive.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from api.cli.common import JsonOpt, err, open_reading, out, say_error
from ledger.errors import LedgerError
from projections.audit import ViewAudit, audit_views
from projections.reports.source import views_runner
from verify.errors import VerificationError
from verify.inputs import Inputs, gather, parse_moment, parse_seal_delay
from verify.report import Report
from verify.state import default_state_path
from verify.verifier import DEFAULT_SEAL_DELAY, Verifier

SIGNING_POLICY_ENV = "LETOPIS_SIGNING_POLICY"
RETENTION_POLICY_ENV = "LETOPIS_RETENTION_POLICY"
SHOWN_FINDINGS = 50

PathOpt = Annotated[Path | None, typer.Option()]

app = typer.Typer()


@app.command()
def verify(
    store: Annotated[
        str | None,
        typer.Option(help="sqlite:///path.db or postgresql://...; LETOPIS_STORE."),
    ] = None,
    archive: Annotated[
        Path | None, typer.Option(help="An exported archive (a BagIt bag).")
    ] = None,
    year_archive: Annotated[
        Path | None,
        typer.Option(help="A school year's archive (`letopis archive close-year`)."),
    ] = None,
    keys: Annotated[
        Path | None,
        typer.Option(help="Key directory whose log.pub is the anchor; LETOPIS_KEYS."),
    ] = None,
    log_key: Annotated[
        Path | None,
        typer.Option(help="The log key as a note verifier key file (the anchor)."),
    ] = None,
    trusted_checkpoint: Annotated[
        Path | None,
        typer.Option(help="A checkpoint kept outside the log (e.g. from paper)."),
    ] = None,
    since_checkpoint: Annotated[
        bool,
        typer.Option(help="Skip signatures verified before; check the whole tree."),
    ] = False,
    state: Annotated[
        Path | None, typer.Option(help="Where verified checkpoints are recorded.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Processes to use; default: all cores.")
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(help="A signing.toml to compare with the log's own policy."),
    ] = None,
    retention: Annotated[
        Path | None,
        typer.Option(help="A retention.toml to compare with the log's own."),
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="Judge disposal as of this date or time.")
    ] = None,
    seal_delay: Annotated[
        float,
        typer.Option(help="Seconds an entry may wait beyond the latest checkpoint."),
    ] = DEFAULT_SEAL_DELAY.total_seconds(),
    views: Annotated[
        bool,
        typer.Option(help="Also check the report views against the log (a store)."),
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Verify signatures, chains, the Merkle tree and checkpoints; report retention;
    then check the report views against the log."""
    if year_archive is not None:
        _year_archive(year_archive, log_key, trusted_checkpoint, as_json=as_json)
    try:
        inputs = _inputs(
            store, archive, keys, log_key, trusted_checkpoint, policy, retention
        )
        verifier = Verifier(
            log_key=inputs.log_key,
            policy=inputs.policy,
            retention=inputs.retention,
            default_policy=inputs.default_policy,
            default_retention=inputs.default_retention,
            trusted_checkpoint=inputs.trusted_checkpoint,
            state_file=state
            or default_state_path(
                inputs.log_key.origin, inputs.log_key.key_id, inputs.source.location
            ),
            since_checkpoint=since_checkpoint,
            now=None if now is None else parse_moment(now),
            workers=workers,
            seal_delay=parse_seal_delay(seal_delay),
        )
        report = _run(verifier, inputs, quiet=as_json)
    except VerificationError as e:
        say_error(e)
        if as_json:  # still one JSON object on stdout
            failure = {"ok": False, "error": str(e), "exit_code": 2}
            sys.stdout.write(json.dumps(failure, ensure_ascii=False, indent=2) + "\n")
        raise typer.Exit(2) from e
    checked = _views_step(store, archive, keys, report, enabled=views)
    try:
        if as_json:
            whole = {**report.to_json(), "views": checked.to_json()}
            whole["ok"] = report.ok and checked.ok
            sys.stdout.write(json.dumps(whole, ensure_ascii=False, indent=2) + "\n")
        else:
            _show(report)
            _show_views(checked)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped early (| head): no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise typer.Exit(0 if report.ok and checked.ok else 1)


def _year_archive(
    path: Path, log_key: Path | None, trusted: Path | None, *, as_json: bool
) -> None:
    """``--year-archive``: the year's bag checked by the verifier
    (``verify.yearbag``); exits as `letopis verify` does."""
    from verify.anchor import LogKey
    from verify.yearbag import check_year_archive

    try:
        anchor = None if log_key is None else LogKey.from_vkey_file(log_key)
        text = None if trusted is None else trusted.read_text(encoding="utf-8")
        report = check_year_archive(path, log_key=anchor, trusted=text)
    except (VerificationError, OSError) as e:
        say_error(e)
        raise typer.Exit(2) from e
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
    else:
        out.print(report.text(), end="", highlight=False, soft_wrap=True)
    raise typer.Exit(0 if report.ok else 1)


def _views_step(
    store: str | None,
    archive: Path | None,
    keys: Path | None,
    report: Report,
    *,
    enabled: bool,
) -> ViewsStep:
    """The views check on a live store whose log is intact (see the module)."""
    if archive is not None:
        return ViewsStep("skipped", "an archive has no report views")
    store = store or os.environ.get("LETOPIS_STORE") or None
    if keys is None and os.environ.get("LETOPIS_KEYS"):
        keys = Path(os.environ["LETOPIS_KEYS"])
    if not enabled or store is None:
        return ViewsStep("skipped", "--no-views")
    if keys is None:
        return ViewsStep("skipped", "the views check needs --keys DIR")
    if not report.ok:
        return ViewsStep("skipped", "the log has findings: the views were not checked")
    try:
        ledger = open_reading(store, keys)
    except LedgerError as e:
        return ViewsStep("failed", f"the store could not be opened: {e}")
    try:
        audit = audit_views(ledger, views_runner(ledger))
    except LedgerError as e:
        return ViewsStep("failed", str(e))
    finally:
        ledger.close()
    return ViewsStep("checked", "", audit)


@dataclass(frozen=True)
class ViewsStep:
    """What the views check did: ``checked``, ``skipped`` (why) or ``failed``."""

    status: str
    reason: str
    audit: ViewAudit | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed" and (self.audit is None or self.audit.ok)

    def to_json(self) -> dict[str, Any]:
        audit = self.audit
        return {
            "status": self.status,
            "reason": self.reason or None,
            "ok": self.ok,
            "position": audit.position if audit else None,
            "rows": audit.rows if audit else None,
            "findings": [f.to_json() for f in audit.findings] if audit else [],
        }


def _show_views(step: ViewsStep) -> None:
    audit = step.audit
    if audit is None:
        colour = "red" if step.status == "failed" else "dim"
        out.print(f"[{colour}]report views: {step.reason}[/{colour}]", highlight=False)
        return
    if audit.ok:
        out.print(
            f"[bold green]report views: {audit.rows} rows up to position "
            f"{audit.position} agree with the log[/bold green]",
            highlight=False,
        )
        return
    table = Table(
        title=f"Report views that disagree with the log ({len(audit.findings)})"
    )
    for column in ("table", "event", "column", "stored", "log gives"):
        table.add_column(column, overflow="fold")
    for finding in audit.findings[:SHOWN_FINDINGS]:
        table.add_row(
            finding.table,
            finding.event,
            finding.column or "(whole row)",
            repr(finding.stored),
            repr(finding.expected),
        )
    out.print(table)
    out.print(
        "[bold red]REPORT VIEWS DISAGREE WITH THE LOG: no report is made from them; "
        "run `letopis rebuild`[/bold red]",
        highlight=False,
    )


def _inputs(
    store: str | None,
    archive: Path | None,
    keys: Path | None,
    log_key: Path | None,
    trusted: Path | None,
    policy: Path | None,
    retention: Path | None,
) -> Inputs:
    """The environment fills in only for a store: an archive brings its own."""
    if store is None and archive is None:
        store = os.environ.get("LETOPIS_STORE") or None
    if store is not None and keys is None and os.environ.get("LETOPIS_KEYS"):
        keys = Path(os.environ["LETOPIS_KEYS"])
    return gather(
        store=store,
        archive=archive,
        keys=keys,
        log_key=log_key,
        policy=policy,
        retention=retention,
        trusted_checkpoint=trusted,
        default_policy=_default_policy("signing", SIGNING_POLICY_ENV),
        default_retention=_default_policy("retention", RETENTION_POLICY_ENV),
    )


def _default_policy(name: str, variable: str) -> Path:
    """The policy the school's ledger runs with: configured, or the packaged one."""
    configured = os.environ.get(variable)
    if configured:
        return Path(configured)
    return Path(str(resources.files("ledger").joinpath(f"policies/{name}.toml")))


def _run(verifier: Verifier, inputs: Inputs, *, quiet: bool) -> Report:
    try:
        with Progress(
            TextColumn("verifying"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            transient=True,
            console=err,
            disable=quiet,
        ) as bar:
            task = bar.add_task("verify", total=None)
            return verifier.audit(
                inputs.source,
                progress=lambda done, total: bar.update(
                    task, completed=done, total=total
                ),
            )
    finally:
        inputs.source.close()


def _show(report: Report) -> None:
    root = report.to_json()["root"] or "—"
    out.print(f"[bold]{report.origin}[/bold]: {report.source}", highlight=False)
    independent = (
        "" if report.anchor_independent else " [yellow](not independent)[/yellow]"
    )
    out.print(
        f"trust anchor: log key {report.anchor_key} from {report.anchor_source}"
        f"{independent}",
        highlight=False,
    )
    out.print(f"tree: {report.tree_size} leaves, root {root}", highlight=False)
    checked = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report.checked.items())
    out.print(f"checked: {checked}", highlight=False)
    out.print(_retention_table(report))
    if report.findings:
        out.print(_findings_table(report))
    for note in report.notes:
        out.print(f"[dim]note: {note}[/dim]", highlight=False)
    colour = "green" if report.ok else "red"
    out.print(f"[bold {colour}]{report.verdict()}[/bold {colour}]", highlight=False)


def _retention_table(report: Report) -> Table:
    table = Table(title="Retention classes (DESIGN §6)")
    disposed = any(row.disposed for row in report.retention)
    columns = ("class", "keep", "events", "intact", "oldest", "expires", "due")
    for column in (*columns, *(("disposed",) if disposed else ())):
        numeric = column in ("events", "intact", "due", "disposed")
        table.add_column(column, justify="right" if numeric else "left")
    for row in report.retention:
        keep = "—" if row.keep_years is None else f"{row.keep_years} y ({row.clock})"
        intact = str(row.intact)
        if row.intact != row.events:
            intact = f"[red]{intact}[/red]"
        table.add_row(
            row.name,
            keep,
            str(row.events),
            intact,
            (row.oldest or "—")[:10],
            row.expires or "—",
            str(row.due_for_disposal),
            *((str(row.disposed),) if disposed else ()),
        )
    return table


def _findings_table(report: Report) -> Table:
    shown = report.findings[:SHOWN_FINDINGS]
    rest = report.problems - len(shown)
    title = f"Findings ({report.problems}: {report.kinds_line()})" + (
        f", the {len(shown)} most severe" if rest else ""
    )
    table = Table(title=title, show_lines=False)
    for column in ("kind", "position", "event", "detail"):
        table.add_column(column, overflow="fold")
    for finding in shown:
        about = f"\n({finding.about.line()})" if finding.about is not None else ""
        table.add_row(
            finding.kind,
            "—" if finding.position is None else str(finding.position),
            finding.event or "—",
            finding.detail + about,
        )
    return table
