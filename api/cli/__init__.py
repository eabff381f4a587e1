"""The `letopis` command line (DESIGN §7), composed in one place.

Each module holds one command group in its own ``typer.Typer()``; this module
adds them to the root, in the order ``letopis --help`` lists them. Importing
``api.cli`` gives the whole application (``app``); nothing registers itself.

Every command ends with exit code 0, 1 or 2 and, on failure, one sentence on
stderr, never a traceback (:class:`LetopisGroup`): an error the ledger raises
on purpose (:class:`~ledger.errors.LedgerError`) or bad usage is exit 2, any
other failure exit 1. `letopis verify` keeps its own contract (0 intact,
1 a problem found, 2 bad usage or an unreadable store or archive).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
import typer.core
from typer._click import Context  # Typer's own copy of click
from typer._click.exceptions import ClickException

from api.cli import (
    accounts,
    cosign,
    demo,
    export,
    imports,
    init,
    keys,
    log,
    policy,
    record,
    renewal,
    report,
    serve,
    verify,
    witness,
)
from api.cli.common import say_error
from ledger.errors import LedgerError
from ledger.log import LogIntegrityError

#: Show the traceback of an unexpected failure (for a bug report) when set.
TRACEBACK_ENV = "LETOPIS_TRACEBACK"

__all__ = ["app", "main"]


class LetopisGroup(typer.core.TyperGroup):
    """The root group: every failure of a command becomes a sentence and an
    exit code here, in one place."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, ClickException, typer.TyperException):
            raise
        except LogIntegrityError as e:  # the sealer's refusal is a finding
            say_error(e, "refused")
            raise typer.Exit(1) from e
        except LedgerError as e:
            say_error(e)
            raise typer.Exit(2) from e
        except BrokenPipeError as e:  # the reader stopped early (| head)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(1) from e
        except Exception as e:
            if os.environ.get(TRACEBACK_ENV):
                raise
            say_error(_unexpected(e))
            raise typer.Exit(1) from e


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
for commands in (
    init,
    keys,
    policy,
    log,
    verify,
    export,
    imports,
    report,
    accounts,
    serve,
):
    app.add_typer(commands.app)
app.add_typer(cosign.app)
app.add_typer(witness.app)
app.add_typer(renewal.app)


app.command()(demo.demo)  # one command, no group of its own
app.command("record")(record.record)


def main() -> None:
    """Entry point of the `letopis` console script."""
    app(prog_name="letopis")
    sys.exit(0)
