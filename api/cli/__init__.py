"""The `letopis` command line (DESIGN §7), composed in one place.

Each module holds one command group (or a few commands) in its own
``typer.Typer()``; :data:`COMMANDS` names them, in the order ``letopis --help``
lists them, with the one line of help that listing shows. A module is imported
only when one of its commands runs (:class:`LetopisGroup`), so ``letopis
checkpoint`` does not pay for the web server, the reports or the simulation,
and ``letopis --help`` imports no command at all. Adding a command is one row
of :data:`COMMANDS`; ``tests/unit/test_cli_table.py`` checks every row against
the command it names.

Every command ends with exit code 0, 1 or 2 and, on failure, one sentence on
stderr, never a traceback (:class:`LetopisGroup`): an error the ledger raises
on purpose (:class:`~ledger.errors.LedgerError`) or bad usage is exit 2, any
other failure exit 1. `letopis verify` keeps its own contract (0 intact,
1 a problem found, 2 bad usage or an unreadable store or archive).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, NamedTuple

import typer
import typer.core
from typer._click import Command, Context, HelpFormatter
from typer._click.exceptions import ClickException

#: Show the traceback of an unexpected failure (for a bug report) when set.
TRACEBACK_ENV = "LETOPIS_TRACEBACK"

__all__ = ["COMMANDS", "TRACEBACK_ENV", "Entry", "app", "load_command", "main"]


class Entry(NamedTuple):
    """Where a top-level command lives and the line ``letopis --help`` shows.

    ``source`` is ``module:attribute``: a ``typer.Typer`` (a named group, or
    unnamed commands merged into the root, of which this entry is one) or a
    command function."""

    source: str
    help: str


COMMANDS: dict[str, Entry] = {
    "demo": Entry(
        "api.cli.demo:demo",
        "Simulate a school's records through the ledger's services, seal, and show it.",
    ),
    "record": Entry(
        "api.cli.record:record",
        "Record one school record (set-up, people, portfolio…) from a JSON body.",
    ),
    "init": Entry(
        "api.cli.init:app",
        "Create the key directory and the store, and register the log key.",
    ),
    "keys": Entry("api.cli.keys:app", "List, add, rotate and revoke signer keys."),
    "policy": Entry(
        "api.cli.policy:app",
        "Show or change the signing and retention policies the log holds.",
    ),
    "seal": Entry(
        "api.cli.log:app",
        "Append every unsealed event to the Merkle log and sign a checkpoint.",
    ),
    "checkpoint": Entry(
        "api.cli.log:app", "Print the latest signed checkpoint (a C2SP signed note)."
    ),
    "proof": Entry("api.cli.log:app", "Inclusion and consistency proofs (RFC 6962)."),
    "verify": Entry(
        "api.cli.verify:app",
        "Verify signatures, chains, the Merkle tree and checkpoints; report "
        "retention;\nthen check the report views against the log.",
    ),
    "export": Entry(
        "api.cli.export:app",
        "Seal, then write the log, checkpoints, keys and policies as a BagIt bag\n"
        "(`letopis export frdo …`: the ФИС ФРДО upload file).",
    ),
    "restore": Entry(
        "api.cli.restore:app",
        "Make a new, empty store from an exported archive: the same envelopes in\n"
        "the same order, the same checkpoints and tree; the log continues there.",
    ),
    "archive": Entry(
        "api.cli.archive:app",
        "The archive's life: dispose of records by the expert commission's act; "
        "close a school year into the archive.",
    ),
    "import": Entry(
        "api.cli.imports:app",
        "Import staff, classes, pupils, teaching, marks or exams from a "
        "spreadsheet (XLSX, ODS, CSV); write templates.",
    ),
    "rebuild": Entry(
        "api.cli.report:app",
        "Drop the report views and replay them from the first event of the log.",
    ),
    "report": Entry(
        "api.cli.report:app",
        "Reports rebuilt from the log, in the regulation's forms (§7.3): journal, "
        "diary, summary, attestation-protocol, exam-protocol, attestat-book, "
        "blank-stock, personal-file, portfolio, changes; `all` writes every report "
        "of the school into a folder.",
    ),
    "accounts": Entry(
        "api.cli.accounts:app",
        "Add, list and change the accounts that sign in to the HTTP API.",
    ),
    "serve": Entry(
        "api.cli.serve:app",
        "Serve the HTTP API (OpenAPI at /openapi.json, interactive docs at /docs).",
    ),
    "cosign": Entry(
        "api.cli.cosign:app",
        "List, read, sign or decline records waiting for a co-signature.",
    ),
    "witness": Entry(
        "api.cli.witness:app",
        "Independent witnesses of the log (C2SP tlog-witness).",
    ),
    "log": Entry(
        "api.cli.renewal:app",
        "The log's keys over decades: renewal, witnesses.",
    ),
}


def load_command(name: str, ctx: Context | None = None) -> Command:
    """Import the module of the top-level command ``name`` and build it."""
    module_name, attribute = COMMANDS[name].source.split(":")
    found = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(found, typer.Typer):  # a command function of its own
        single = typer.Typer()
        single.command(name)(found)
        return typer.main.get_command(single)
    if found.info.name == name:  # a named group: the whole group is the command
        group: Command = typer.main.get_group(found)
        return group
    built = typer.main.get_command(found)
    if isinstance(built, typer.core.TyperGroup):  # unnamed commands, merged in the root
        command = built.get_command(ctx or Context(built), name)
        if command is None:
            msg = f"{COMMANDS[name].source} has no command {name!r}"
            raise LookupError(msg)
        return command
    return built


class LetopisGroup(typer.core.TyperGroup):
    """The root group: commands come from :data:`COMMANDS` when they run, and
    every failure of a command becomes a sentence and an exit code here, in one
    place."""

    _listing = False  # formatting --help: name the commands, import none

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in COMMANDS:
            return None
        if self._listing:
            return typer.core.TyperCommand(cmd_name, help=COMMANDS[cmd_name].help)
        if cmd_name not in self.commands:
            self.commands[cmd_name] = load_command(cmd_name, ctx)
        return self.commands[cmd_name]

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, ClickException, typer.TyperException):
            raise
        except BrokenPipeError as e:  # the reader stopped early (| head)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from e
        except Exception as e:
            raise typer.Exit(_failed(e)) from e


def _failed(e: Exception) -> int:
    """Say why a command failed, in one sentence; its exit code.

    The ledger's modules are imported here, when a command has failed, not
    before: a command that never touches the ledger does not load it."""
    from api.cli.common import say_error
    from ledger.errors import LedgerError
    from ledger.log import LogIntegrityError

    if isinstance(e, LogIntegrityError):  # the sealer's refusal is a finding
        say_error(e, "refused")
        return 1
    if isinstance(e, LedgerError):
        say_error(e)
        return 2
    if os.environ.get(TRACEBACK_ENV):
        raise e
    say_error(_unexpected(e))
    return 1


def _unexpected(e: Exception) -> str:
    """One sentence for a failure nobody raised on purpose."""
    if isinstance(e, OSError) and e.strerror:
        where = f" ({e.filename})" if e.filename else ""
        return f"{e.strerror}{where}; check the path and its permissions"
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return (
        f"the command failed: {type(e).__name__}{': ' + text if text else ''}; "
        f"nothing more is known here (set {TRACEBACK_ENV}=1 for the traceback to "
        "report it)"
    )


app = typer.Typer(
    name="letopis",
    help="Letopis: a signed, append-only records ledger for schools.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LetopisGroup,
)


@app.callback()
def _root() -> None:
    """The root takes no options of its own; its commands come from COMMANDS."""


def main() -> None:
    """Entry point of the `letopis` console script."""
    app(prog_name="letopis")
    sys.exit(0)
