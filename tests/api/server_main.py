"""The tests' school served by a real uvicorn process (``python -m
tests.api.server_main STORE KEYS PORT``): the app as in ``serving``, its clock
fixed at noon on the tests' school day, so a test can kill it mid-request."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from pydantic import SecretStr

from api.server.app import create_app
from api.server.settings import Settings
from tests.support.serving import DAY, TOKEN_SECRET
from tests.support.stores import PASSPHRASE

NOON = datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=UTC)


def main(store: str, keys: str, port: int) -> None:
    settings = Settings(
        store=store,
        keys=Path(keys),
        key_passphrase=SecretStr(PASSPHRASE),
        token_secret=SecretStr(TOKEN_SECRET),
        school="school-1",
        seal_interval=0.5,
        seal_process=False,
        password_time_cost=1,
        password_memory_kib=1024,
        verify_state=Path(keys).parent / "verify-state.json",
    )
    app = create_app(settings, clock=lambda: NOON)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
