"""The root of `letopis` lists its commands from a table and imports each
command's module only when that command runs (api/cli/__init__.py): the table
must say what the commands themselves say, and `--help` must import none."""

from __future__ import annotations

import subprocess
import sys

import pytest

from api.cli import COMMANDS, load_command

#: Modules `letopis --help` must not import: every command module, and the
#: heavy libraries behind them.
NOT_FOR_HELP = (
    "api.cli.common",
    "ledger.application",
    "eventsourcing",
    "psycopg",
    "fastapi",
    "openpyxl",
    "simulation",
    "projections",
)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_row_names_a_command_and_its_first_line_of_help(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    first_paragraph = (command.help or "").split("\n\n")[0].strip()
    assert COMMANDS[name].help == first_paragraph, (
        f"api/cli/__init__.py COMMANDS[{name!r}].help differs from the command's "
        "own help; copy its first paragraph into the table"
    )


def test_help_lists_every_command_without_importing_one() -> None:
    probe = (
        "import sys\n"
        "from api.cli import app\n"
        "from typer.testing import CliRunner\n"
        "shown = CliRunner().invoke(app, ['--help'], env={'COLUMNS': '200'}).output\n"
        f"print(sorted(m for m in sys.modules if m.startswith({NOT_FOR_HELP!r})))\n"
        "print(shown)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    imported, _, shown = done.stdout.partition("\n")
    assert imported == "[]"
    for name in COMMANDS:
        assert f" {name} " in shown


def test_the_passphrase_variable_is_the_key_directorys() -> None:
    from api.cli.common import PASSPHRASE_ENV as named_for_the_cli
    from ledger.keys.directory import PASSPHRASE_ENV

    assert named_for_the_cli == PASSPHRASE_ENV


def test_readers_of_the_log_name_the_application_as_it_names_itself() -> None:
    from ledger.application import LedgerApplication
    from ledger.storage.stores import APPLICATION_NAME

    assert LedgerApplication.name == APPLICATION_NAME
