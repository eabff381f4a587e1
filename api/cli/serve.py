"""`letopis serve`: the HTTP API on the configured store (uvicorn).

The server's modules are imported when the command runs, so that the other
commands start without loading the web stack.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.cli.common import out, require_store

if TYPE_CHECKING:
    from api.server.demo_accounts import DemoAccount
    from api.server.office import Office

DEMO_STORE = "sqlite:///demo-school/letopis.db"
DEMO_KEYS = Path("demo-school/keys")

app = typer.Typer()


@app.command()
def serve(
    store: Annotated[
        str | None, typer.Option(help="sqlite:///… or postgresql://…; LETOPIS_STORE.")
    ] = None,
    keys: Annotated[
        Path | None, typer.Option(help="The school's key directory; LETOPIS_KEYS.")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool, typer.Option(help="Demo secrets and accounts (on `make demo`'s school).")
    ] = False,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, interactive docs at /docs)."""
    import uvicorn
    from pydantic import ValidationError

    from api.server.app import create_app
    from api.server.demo_accounts import create_demo_accounts
    from api.server.settings import Settings, SettingsError

    given = {k: v for k, v in (("store", store), ("keys", keys)) if v is not None}
    try:
        if demo:
            settings = Settings.for_demo(*_demo_store(store, keys))
        else:
            settings = Settings(**given)  # type: ignore[arg-type]
    except ValidationError as e:
        missing = ", ".join(
            f"LETOPIS_{'_'.join(map(str, x['loc'])).upper()}" for x in e.errors()
        )
        msg = f"settings incomplete or invalid: {missing} ({e.errors()[0]['msg']})"
        raise SettingsError(msg) from e
    if not settings.many_schools:  # with many, each school's store when opened
        require_store(settings.store)
    application = create_app(settings)
    if demo:
        office = application.state.office
        _show_demo(create_demo_accounts(office), host, port)
        _show_try_out(office, f"http://{host}:{port}")
    uvicorn.run(application, host=host, port=port, log_level="info")


def _demo_store(store: str | None, keys: Path | None) -> tuple[str, Path]:
    """The demo's store and keys: as given, else LETOPIS_STORE and LETOPIS_KEYS,
    else where `make demo` puts them."""
    env_keys = os.environ.get("LETOPIS_KEYS")
    return (
        store or os.environ.get("LETOPIS_STORE") or DEMO_STORE,
        keys or (Path(env_keys) if env_keys else DEMO_KEYS),
    )


def _show_demo(accounts: list[DemoAccount], host: str, port: int) -> None:
    from api.server.demo_accounts import DEMO_PASSWORD

    table = Table(
        title=f"Demo accounts (password {DEMO_PASSWORD!r}; never for real use)"
    )
    for column in ("account", "roles", "who"):
        table.add_column(column)
    for a in accounts:
        table.add_row(a.name, ", ".join(a.roles), a.who)
    out.print(table)
    base = f"http://{host}:{port}"
    out.print(
        f"try: {base}/docs (Authorize with an account above), {base}/checkpoint,\n"
        f"     curl -d 'username=auditor&password={DEMO_PASSWORD}' {base}/token"
    )


def _show_try_out(office: Office, base: str) -> None:
    """A lesson sheet the demo teacher may post now (inside the demo's year)."""
    from api.server.demo_accounts import DEMO_PASSWORD
    from api.server.demo_tryout import demo_lesson_sheet  # the demo school's

    teacher = office.accounts.get("teacher")
    sheet = None
    if teacher is not None and teacher.staff is not None:
        sheet = demo_lesson_sheet(office, teacher.staff)
    if sheet is None:
        out.print("(no lesson of the demo teacher found to suggest a lesson sheet)")
        return
    body = json.dumps(sheet, ensure_ascii=False)
    lines = [
        "a lesson sheet (the demo ends with 2025/2026; a sheet dated today is "
        "refused, since no later year is open): as 'teacher',",
        f"     TOKEN=$(curl -s -d 'username=teacher&password={DEMO_PASSWORD}' "
        f"{base}/token | python3 -c 'import json,sys; "
        'print(json.load(sys.stdin)["access_token"])\')',
        f'     curl -H "Authorization: Bearer $TOKEN" -H \'Content-Type: '
        f"application/json' -d '{body}' {base}/lesson-sheets",
    ]
    for line in lines:
        out.print(line, soft_wrap=True, markup=False, highlight=False)
