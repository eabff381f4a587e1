"""Just enough of BagIt (RFC 8493) to check an exported archive without ``bagit``.

An export is a bag: ``bagit.txt``, payload under ``data/``, and manifests
(``manifest-<alg>.txt``, ``tagmanifest-<alg>.txt``) that list a checksum per
file. The verifier checks the manifests itself with ``hashlib``, so that an
auditor needs nothing but Python and ``cryptography``. A manifest that does not
match, a listed file that is missing or a payload file that no manifest lists
is a finding; a folder that is not a bag at all cannot be verified.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from verify.errors import VerificationError
from verify.report import Finding

__all__ = ["PREFERRED", "Bag", "BagError"]

PREFERRED = ("sha256", "sha512", "sha384", "sha224", "sha1", "md5")
"""Manifest algorithms in the order the verifier prefers to recompute them."""


class BagError(VerificationError):
    """The folder is not a readable BagIt bag; the message says what is missing."""


@dataclass(frozen=True)
class Bag:
    """A bag on disk: its root, and its payload and tag manifests by algorithm."""

    root: Path
    payload: dict[str, dict[str, str]]
    tags: dict[str, dict[str, str]]

    @classmethod
    def open(cls, root: Path) -> Bag:
        """Read ``bagit.txt`` and the manifests; BagError if it is not a bag."""
        declaration = root / "bagit.txt"
        try:
            text = declaration.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            msg = (
                f"{root} is not a BagIt bag (no readable bagit.txt): export an "
                "archive with `letopis export`, or name the folder that holds bagit.txt"
            )
            raise BagError(msg) from e
        if "BagIt-Version:" not in text:
            msg = f"{declaration} does not declare a BagIt-Version"
            raise BagError(msg)
        return cls(
            root, _manifests(root, "manifest-"), _manifests(root, "tagmanifest-")
        )

    @property
    def algorithm(self) -> str | None:
        """The payload manifest algorithm the verifier recomputes (None if none)."""
        return next((a for a in PREFERRED if a in self.payload), None)

    def checksum(self, relative: str) -> str | None:
        """The listed checksum of a payload file in the chosen algorithm."""
        algorithm = self.algorithm
        return None if algorithm is None else self.payload[algorithm].get(relative)

    def check(self, *, skip: Iterable[str] = ()) -> list[Finding]:
        """Findings for the manifests: every listed file present and matching,
        every payload file listed. Files in ``skip`` are hashed by the caller."""
        findings: list[Finding] = []
        algorithm = self.algorithm
        if algorithm is None:
            findings.append(
                _finding("the bag has no payload manifest (manifest-*.txt)")
            )
        else:
            listed = self.payload[algorithm]
            skipped = set(skip)
            for relative, expected in sorted(listed.items()):
                if relative not in skipped:
                    findings.extend(self._check_file(relative, algorithm, expected))
            findings.extend(self._unlisted(listed))
        for algorithm, listed in sorted(self.tags.items()):
            if algorithm in hashlib.algorithms_available:
                for relative, expected in sorted(listed.items()):
                    findings.extend(self._check_file(relative, algorithm, expected))
        return findings

    def _check_file(
        self, relative: str, algorithm: str, expected: str
    ) -> list[Finding]:
        path = self.root / relative
        if not _inside(self.root, path):
            return [_finding(f"the manifest names {relative!r}, outside the bag")]
        try:
            actual = file_digest(path, algorithm)
        except OSError as e:
            reason = e.strerror or str(e)
            return [_finding(f"{relative} is listed in the manifest but {reason}")]
        if actual != expected.lower():
            return [_finding(f"{relative} does not match its {algorithm} checksum")]
        return []

    def _unlisted(self, listed: dict[str, str]) -> list[Finding]:
        data = self.root / "data"
        found = []
        for path in sorted(p for p in data.rglob("*") if p.is_file()):
            relative = path.relative_to(self.root).as_posix()
            if relative not in listed:
                found.append(_finding(f"{relative} is in the bag but in no manifest"))
        return found


def file_digest(path: Path, algorithm: str) -> str:
    """Hex digest of a file, read in large blocks."""
    digest = hashlib.new(algorithm)
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifests(root: Path, prefix: str) -> dict[str, dict[str, str]]:
    manifests = {}
    for path in sorted(root.glob(f"{prefix}*.txt")):
        algorithm = path.name[len(prefix) : -len(".txt")]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            msg = f"cannot read the bag's {path.name}: {e}"
            raise BagError(msg) from e
        manifests[algorithm] = _entries(text)
    return manifests


def _entries(text: str) -> dict[str, str]:
    entries = {}
    for line in text.splitlines():
        checksum, _, relative = line.strip().partition(" ")
        if checksum and relative:
            entries[_decode_path(relative.strip())] = checksum
    return entries


def _decode_path(text: str) -> str:
    """RFC 8493 §2.1.3: CR, LF and % in manifest paths are percent-encoded."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _finding(detail: str) -> Finding:
    return Finding("archive", None, None, detail)
