"""From command-line choices to the verifier's trust inputs, said plainly.

Both command lines (``python -m verify`` and ``letopis verify``) resolve their
options here, so they agree on where the trust anchor and the policies come
from:

- the log key: ``--log-key FILE`` (a note verifier key) first, then the key
  directory's ``log.pub`` (``--keys DIR``); for an archive, failing both, its
  own ``data/log.vkey``, reported as not independent. A live store is never
  verified against its own first event: without a key it is bad usage.
- the policies: the verifier reads them from the log itself
  (`verify.policy_log`). ``--policy FILE`` and ``--retention FILE`` are
  compared with the log's (a difference is a finding). Only for a log that
  holds no policy (made before policies were logged) is one taken from
  outside: the given file, else the archive's ``data/policy/<name>.toml``,
  else the default the caller passes — and that is a finding too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from verify.anchor import LogKey
from verify.errors import VerificationError
from verify.policy import SigningPolicy
from verify.retention import RetentionPolicy
from verify.sources import ArchiveSource, Source, open_store

__all__ = ["Inputs", "UsageError", "gather", "parse_moment", "parse_seal_delay"]


class UsageError(VerificationError):
    """The command line does not say what to verify, or against what."""


@dataclass(frozen=True)
class Inputs:
    """What to verify and the trust inputs to verify it against."""

    source: Source
    log_key: LogKey
    policy: SigningPolicy | None
    retention: RetentionPolicy | None
    trusted_checkpoint: str | None
    default_policy: SigningPolicy | None = None
    default_retention: RetentionPolicy | None = None


def gather(
    *,
    store: str | None,
    archive: Path | None,
    keys: Path | None = None,
    log_key: Path | None = None,
    policy: Path | None = None,
    retention: Path | None = None,
    trusted_checkpoint: Path | None = None,
    default_policy: Path | None = None,
    default_retention: Path | None = None,
) -> Inputs:
    """Resolve the options; UsageError (or another VerificationError) if unusable."""
    if (store is None) == (archive is None):
        msg = "name exactly one thing to verify: --store URL or --archive DIR"
        raise UsageError(msg)
    trusted = None if trusted_checkpoint is None else _read(trusted_checkpoint)
    if archive is not None:
        return _archive_inputs(archive, keys, log_key, policy, retention, trusted)
    assert store is not None
    anchor = _anchor(keys, log_key)
    if anchor is None:
        msg = (
            "--store needs a trust anchor from outside the store: --keys DIR (the "
            "school's key directory, its log.pub) or --log-key FILE (a note "
            "verifier key); the log's own first entry is never trusted"
        )
        raise UsageError(msg)
    return Inputs(
        source=open_store(store),
        log_key=anchor,
        policy=None if policy is None else SigningPolicy.load(policy),
        retention=None if retention is None else RetentionPolicy.load(retention),
        trusted_checkpoint=trusted,
        default_policy=(
            None if default_policy is None else SigningPolicy.load(default_policy)
        ),
        default_retention=(
            None
            if default_retention is None
            else RetentionPolicy.load(default_retention)
        ),
    )


def _archive_inputs(
    folder: Path,
    keys: Path | None,
    log_key: Path | None,
    policy: Path | None,
    retention: Path | None,
    trusted: str | None,
) -> Inputs:
    if not folder.is_dir():
        msg = f"--archive {folder} is not a folder; give the exported bag's folder"
        raise UsageError(msg)
    source = ArchiveSource(folder)
    anchor = _anchor(keys, log_key)
    if anchor is None:
        text = source.file("log.vkey")
        if text is None:
            msg = (
                f"archive {folder} has no data/log.vkey; pass the school's log key "
                "with --log-key FILE"
            )
            raise UsageError(msg)
        anchor = LogKey.from_vkey(
            text, source="the archive's own data/log.vkey", independent=False
        )
    return Inputs(
        source=source,
        log_key=anchor,
        policy=None if policy is None else SigningPolicy.load(policy),
        retention=None if retention is None else RetentionPolicy.load(retention),
        trusted_checkpoint=trusted,
        default_policy=_archive_file(source, "signing", SigningPolicy),
        default_retention=_archive_file(source, "retention", RetentionPolicy),
    )


def _archive_file(
    source: ArchiveSource,
    name: str,
    kind: type[SigningPolicy] | type[RetentionPolicy],
) -> Any:
    """The archive's own policy file, for a log that holds none; a file that
    does not read is left out (the log's own policy, if any, is what counts)."""
    text = source.file(f"policy/{name}.toml")
    if text is None:
        return None
    try:
        return kind.from_toml(text, where=f"data/policy/{name}.toml (not logged)")
    except VerificationError:
        return None


def _anchor(keys: Path | None, log_key: Path | None) -> LogKey | None:
    if log_key is not None:
        return LogKey.from_vkey_file(log_key)
    if keys is not None:
        return LogKey.from_key_directory(keys)
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        msg = f"cannot read --trusted-checkpoint {path}: {reason}"
        raise UsageError(msg) from e


def parse_moment(text: str) -> datetime:
    """``--now``: a date (YYYY-MM-DD) or an ISO time; UTC unless it says otherwise."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        msg = f"--now {text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time"
        raise UsageError(msg) from e
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_seal_delay(seconds: float) -> timedelta:
    """``--seal-delay``: seconds, 0 or more; UsageError otherwise."""
    if not 0 <= seconds < float("inf"):
        msg = f"--seal-delay {seconds:g} must be a number of seconds, 0 or more"
        raise UsageError(msg)
    return timedelta(seconds=seconds)
