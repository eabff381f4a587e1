"""Sending each new checkpoint to the school's witnesses (C2SP tlog-witness).

The witnesses are data in the key directory, ``witnesses.json``::

    {"witnesses": [{"url": "https://witness.example/", "vkey": "<cosigner vkey>"}]}

After the sealer signs a checkpoint it posts it to each witness with a
consistency proof from the size that witness cosigned last, checks the
cosignature that comes back against the witness's key, and keeps the note with
every cosignature gathered so far in ``cosigned/<size>.note`` beside the key
directory's remembered checkpoint. A witness that is down, slow or refuses
never stops sealing: the failure is appended to ``witness-failures.jsonl`` and
shown by ``letopis log status``; the next seal tries again from what the
witness says it holds (its 409 answer names its latest size).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from verify.cosignature import parse_cosigner_vkey, verify_cosignature
from verify.errors import NoteError
from verify.note import parse_checkpoint

CONFIG = "witnesses.json"
COSIGNED = "cosigned"
FAILURES = "witness-failures.jsonl"
SIZES = "witness-sizes.json"
TIMEOUT = 10.0

Post = Callable[[str, bytes], tuple[int, str]]
"""``post(url, body) -> (status, text)``: how a request reaches a witness."""
Prove = Callable[[int, int], list[bytes]]
"""``prove(old, new)``: a consistency proof between two sizes of the log."""


@dataclass(frozen=True)
class WitnessConfig:
    """One configured witness: where it listens and its cosigner key."""

    url: str
    vkey: str

    @property
    def name(self) -> str:
        return parse_cosigner_vkey(self.vkey)[0]


def load_witnesses(keys: Path) -> list[WitnessConfig]:
    """The witnesses configured in ``keys/witnesses.json`` (none if absent)."""
    path = keys / CONFIG
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for number, item in enumerate(data.get("witnesses", []), 1):
        if not isinstance(item, dict) or set(item) != {"url", "vkey"}:
            msg = f"{path}: witness {number} must be {{'url': ..., 'vkey': ...}}"
            raise NoteError(msg)
        parse_cosigner_vkey(item["vkey"])
        found.append(WitnessConfig(str(item["url"]), str(item["vkey"])))
    return found


def http_post(url: str, body: bytes) -> tuple[int, str]:
    """POST ``body`` to ``url``; the status and text, 4xx/5xx included."""
    request = urllib.request.Request(  # noqa: S310 (the school configures the URL)
        url, data=body, method="POST", headers={"Content-Type": "text/plain"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
            return int(answer.status), answer.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return int(e.code), e.read().decode("utf-8", "replace")


class WitnessSender:
    """Gathers cosignatures for the sealer's checkpoints; never raises."""

    def __init__(self, keys: Path, *, post: Post = http_post) -> None:
        self.keys = Path(keys)
        self.post = post

    def witnesses(self) -> list[WitnessConfig]:
        return load_witnesses(self.keys)

    def send(self, note: str, prove: Prove) -> dict[str, str]:
        """Ask every configured witness to cosign ``note``; name → outcome."""
        outcomes = {}
        for witness in self.witnesses():
            try:
                self._send_one(witness, note, prove)
                outcomes[witness.name] = "cosigned"
            except (OSError, NoteError, ValueError, WitnessRefused) as e:
                size = parse_checkpoint(note).size
                self._record_failure(witness, size, str(e))
                outcomes[witness.name] = f"failed: {e}"
        return outcomes

    def _send_one(self, witness: WitnessConfig, note: str, prove: Prove) -> None:
        checkpoint = parse_checkpoint(note)
        url = witness.url.rstrip("/") + "/add-checkpoint"
        old = self._sizes().get(witness.name, 0)
        for _ in range(2):  # once more after a 409 that names the witness's size
            old = min(old, checkpoint.size)
            proof = prove(old, checkpoint.size) if 0 < old < checkpoint.size else []
            body = _request(old, proof, note)
            status, text = self.post(url, body)
            if status == 409 and text.strip().isdigit():
                old = int(text.strip())
                if old > checkpoint.size:
                    msg = f"the witness holds size {old}, beyond {checkpoint.size}"
                    raise WitnessRefused(msg)
                continue
            if status != 200:
                msg = f"HTTP {status}: {text.strip()[:300]}"
                raise WitnessRefused(msg)
            name, key = parse_cosigner_vkey(witness.vkey)
            cosigned = parse_checkpoint(note + text)
            verify_cosignature(cosigned, name, key)
            mine = [
                s for s in text.splitlines(keepends=True) if s.startswith(f"— {name} ")
            ]
            self._store(checkpoint.size, note, mine)
            self._set_size(witness.name, checkpoint.size)
            return
        msg = "the witness answered 409 twice"
        raise WitnessRefused(msg)

    def _store(self, size: int, note: str, lines: list[str]) -> None:
        path = self.keys / COSIGNED / f"{size}.note"
        text = path.read_text(encoding="utf-8") if path.is_file() else note
        for line in lines:
            if line not in text:
                text += line
        _replace(path, text)

    def cosigned(self) -> dict[int, str]:
        """Every cosigned note kept, by tree size."""
        folder = self.keys / COSIGNED
        if not folder.is_dir():
            return {}
        return {
            int(p.stem): p.read_text(encoding="utf-8")
            for p in folder.glob("*.note")
            if p.stem.isdigit()
        }

    def failures(self) -> list[dict[str, Any]]:
        """Every recorded failure, oldest first."""
        path = self.keys / FAILURES
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]

    def _record_failure(self, witness: WitnessConfig, size: int, error: str) -> None:
        record = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "witness": witness.name,
            "url": witness.url,
            "size": size,
            "error": error,
        }
        with (self.keys / FAILURES).open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _sizes(self) -> dict[str, int]:
        path = self.keys / SIZES
        return json.loads(path.read_text()) if path.is_file() else {}

    def _set_size(self, name: str, size: int) -> None:
        sizes = self._sizes()
        sizes[name] = size
        _replace(self.keys / SIZES, json.dumps(sizes, sort_keys=True) + "\n")


class WitnessRefused(Exception):
    """The witness answered with something other than a cosignature."""


def _request(old: int, proof: list[bytes], note: str) -> bytes:
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()


def _replace(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
