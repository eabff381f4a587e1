"""What an exported archive must hold beyond its entries (DESIGN §7).

``data/checkpoint`` must cover every line of ``data/log.jsonl``;
``data/log.vkey`` must be the trusted log key (else the archive is another
log's); ``data/keys.json`` must tell the same key history as the log's own
``trust.*`` events, which the verifier has already rebuilt and checked;
``data/policy/*.toml`` are for people to read: the verifier takes the
policies from the log, and only reports a file that is not the one in force.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from verify.anchor import LogKey, parse_vkey
from verify.envelope import is_time, sortable_time
from verify.errors import NoteError
from verify.note import parse_checkpoint
from verify.policy_log import text_digest
from verify.registry import KeyInfo, Registry
from verify.sources import Survey

__all__ = ["archive_problems"]


def archive_problems(
    survey: Survey, registry: Registry, anchor: LogKey
) -> Iterator[tuple[str, str]]:
    """``(kind, detail)`` for each way the archive's files disagree with its log."""
    covering = survey.latest
    if covering is not None and covering.text is not None:
        try:
            size = parse_checkpoint(covering.text).size
        except NoteError:
            size = survey.entries  # reported as an unreadable checkpoint already
        if size != survey.entries:
            detail = (
                f"data/checkpoint covers {size} entries but data/log.jsonl has "
                f"{survey.entries} lines; it must cover every line"
            )
            yield "archive", detail
    yield from _vkey_problems(survey.files.get("log.vkey"), anchor)
    history = survey.files.get("keys.json")
    if history is None:
        yield "archive", "data/keys.json (the key history) is missing from the archive"
    else:
        for detail in _key_history_problems(history, registry):
            yield "archive", detail
    for detail in _policy_file_problems(survey, registry):
        yield "archive", detail


def _policy_file_problems(survey: Survey, registry: Registry) -> Iterator[str]:
    """data/policy/<name>.toml must be the policy the log holds in force."""
    for name in ("signing", "retention"):
        adoption = registry.policies.adoption(name)
        text = survey.files.get(f"policy/{name}.toml")
        if adoption is None or text is None:
            continue  # no logged policy: reported; no file: nothing to mislead
        if text_digest(text) != adoption.digest:
            yield (
                f"data/policy/{name}.toml is not the {name} policy the log holds in "
                f"force ({adoption.event}, {adoption.digest}): the file was changed "
                "or is another school's; the log's policy was used"
            )


def _vkey_problems(vkey: str | None, anchor: LogKey) -> Iterator[tuple[str, str]]:
    if vkey is None:
        yield "archive", "data/log.vkey (the log key) is missing from the archive"
        return
    try:
        found = parse_vkey(vkey)
    except NoteError as e:
        yield "archive", f"data/log.vkey is not a note verifier key: {e}"
        return
    if found != (anchor.origin, anchor.public_key):
        detail = (
            f"data/log.vkey is {vkey.strip()}, not the trusted log key {anchor.vkey}: "
            "the archive is another log's, or its key was replaced"
        )
        yield "anchor", detail


def _key_history_problems(text: str, registry: Registry) -> Iterator[str]:
    """data/keys.json must tell the same key history as the log's trust events."""
    try:
        listed = {k["key"]: k for k in json.loads(text)["keys"]}
    except (ValueError, KeyError, TypeError):
        yield "data/keys.json is not a key history ({'keys': [{'key': ...}, ...]})"
        return
    for key, info in registry.keys.items():
        entry = listed.pop(key, None)
        if entry is None:
            if not info.anchor:
                yield f"data/keys.json does not list key {key}, which the log registers"
            continue
        if entry.get("public_key") != info.public_key.hex():
            yield f"data/keys.json gives key {key} another public key than the log"
        elif not info.anchor and _window(entry) != _window_of(info):
            yield f"data/keys.json gives key {key} other roles or dates than the log"
    for key in listed:
        yield f"data/keys.json lists key {key}, which the log does not register"


def _window(entry: dict[str, Any]) -> tuple[Any, ...]:
    def when(value: Any) -> Any:
        return sortable_time(value) if is_time(value) else value

    return (
        frozenset(entry.get("roles") or ()),
        when(entry.get("valid_from")),
        when(entry.get("valid_until")),
        when(entry.get("revoked_at")),
        when(entry.get("compromised_at")),
    )


def _window_of(info: KeyInfo) -> tuple[Any, ...]:
    return (
        info.roles,
        info.valid_from,
        info.valid_until,
        info.revoked_at,
        info.compromised_at,
    )
