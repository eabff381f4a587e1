"""The server's settings: one class, read from ``LETOPIS_*`` environment variables.

Secrets (the key passphrase, the token secret) have no usable default: the
server refuses to start with an empty or demo secret unless it runs as a demo
(``letopis serve --demo``), which uses the demo secrets on purpose.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.errors import LedgerError
from ledger.keys.directory import DEMO_PASSPHRASE

DEMO_TOKEN_SECRET = "letopis-demo-token-secret-not-for-real-schools"  # noqa: S105
MIN_SECRET_LENGTH = 32


class SettingsError(LedgerError):
    """The settings are not safe or not complete enough to serve."""


class Settings(BaseSettings):
    """Everything `letopis serve` needs (environment variables ``LETOPIS_<NAME>``)."""

    model_config = SettingsConfigDict(env_prefix="LETOPIS_", extra="ignore")

    store: str = Field(description="sqlite:///path.db or postgresql://…?schema=…")
    keys: Path = Field(description="The school's key directory.")
    key_passphrase: SecretStr = Field(
        default=SecretStr(""), description="Opens the private keys (custodial)."
    )
    token_secret: SecretStr = Field(
        default=SecretStr(""), description="HS256 secret of the access tokens."
    )
    token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    school: str = Field(default="school-131", description="The school's code.")
    seal_interval: float = Field(
        default=2.0, gt=0, le=300, description="Seconds between checkpoints."
    )
    seal_overdue_after: float | None = Field(
        default=None,
        gt=0,
        description="Seconds without a sealed round before /health answers 503 "
        "(default: 3 × the seal interval + 30).",
    )
    clock_skew_seconds: int = Field(
        default=300, ge=0, le=3600, description="How far a client's `at` may drift."
    )
    seal_process: bool = Field(
        default=True,
        description="Seal in a child process, so sealing never pauses requests.",
    )
    verify_state: Path | None = Field(
        default=None, description="Where the verifier records checked checkpoints."
    )
    password_time_cost: int = Field(default=3, ge=1, le=20, description="argon2id")
    password_memory_kib: int = Field(
        default=64 * 1024, ge=1024, le=1024 * 1024, description="argon2id memory"
    )
    sign_in_slots: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Password hashes at once (default: the number of cores).",
    )
    sign_in_wait_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="How long a sign-in waits for a free hashing slot before 429.",
    )
    sign_in_per_login: int = Field(
        default=10, ge=1, description="Failed sign-ins per login in the window."
    )
    sign_in_per_address: int = Field(
        default=30, ge=1, description="Failed sign-ins per client address."
    )
    sign_in_window_seconds: float = Field(
        default=300, gt=0, le=86400, description="The sliding window of those."
    )
    db_timeout_seconds: int = Field(
        default=3,
        ge=1,
        le=60,
        description="How long a request waits for a database connection "
        "(PostgreSQL) or another writer's lock (SQLite) before answering 503.",
    )
    cosign_days: float = Field(
        default=7, gt=0, le=90, description="Days a co-signature request waits."
    )
    many_schools: bool = Field(
        default=False,
        description="Serve every school of the deployment (a schema or file and "
        "a key directory per school, see ledger.storage.schools); LETOPIS_STORE "
        "and LETOPIS_KEYS are then the base URL and the keys root.",
    )
    municipality: str | None = Field(
        default=None,
        description="With many schools: the school whose auditor accounts may "
        "list and read every school of the deployment.",
    )
    open_schools: int = Field(
        default=200, ge=1, le=10_000, description="Schools open at once, at most."
    )
    web_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="Web pages: a session ends after this long without a request.",
    )
    web_lifetime_hours: int = Field(
        default=12,
        ge=1,
        le=7 * 24,
        description="Web pages: a session ends this long after sign-in at the latest.",
    )
    demo: bool = False

    @property
    def hashing_slots(self) -> int:
        return self.sign_in_slots or os.cpu_count() or 1

    @property
    def overdue_after(self) -> float:
        """When sealing counts as overdue (seconds since its last good round)."""
        return self.seal_overdue_after or 3 * self.seal_interval + 30

    def check_secrets(self) -> None:
        """Refuse default, demo or short secrets outside a demo."""
        if self.demo:
            return
        problems = []
        passphrase = self.key_passphrase.get_secret_value()
        if not passphrase or passphrase == DEMO_PASSPHRASE:
            problems.append("LETOPIS_KEY_PASSPHRASE is empty or the demo passphrase")
        token = self.token_secret.get_secret_value()
        if len(token) < MIN_SECRET_LENGTH or token == DEMO_TOKEN_SECRET:
            problems.append(
                f"LETOPIS_TOKEN_SECRET must be at least {MIN_SECRET_LENGTH} "
                "characters and not the demo secret"
            )
        if problems:
            msg = (
                "refusing to serve with default secrets: "
                + "; ".join(problems)
                + " (or run `letopis serve --demo` for a demonstration)"
            )
            raise SettingsError(msg)

    @classmethod
    def for_demo(cls, store: str, keys: Path) -> Settings:
        """Demo settings: the demo token secret, and the demo passphrase unless
        ``LETOPIS_KEY_PASSPHRASE`` is set (as `letopis demo` does)."""
        settings = cls(store=store, keys=keys, demo=True)
        if not settings.key_passphrase.get_secret_value():
            settings.key_passphrase = SecretStr(DEMO_PASSPHRASE)
        if not settings.token_secret.get_secret_value():
            settings.token_secret = SecretStr(DEMO_TOKEN_SECRET)
        return settings
