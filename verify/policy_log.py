"""The policies a log holds in its own signed entries (issue 11, item 5).

The signing and the retention policy are not files the verifier is handed:
they are entries of the log, read under the trust anchor like the key
registry. Each policy has its own stream, ``uuid5(POLICY_NAMESPACE,
"letopis/policy/<name>")`` for ``signing`` and ``retention``:

- ``trust.PolicyAdopted`` (event 1 of the stream): the first policy, signed by
  the log key alone (at ``letopis init``, beside the log key's registration,
  when no director exists yet). It is in force from the start of the log;
- ``trust.PolicyChanged`` (event 2 on): a new policy, authored by a key whose
  holder has the role ``director``. It is in force for every entry after it
  in the log, whatever time those entries say they were made at.

Both carry ``{"name", "toml", "sha256"}``: the TOML text as adopted and
``sha256:<hex>`` of its UTF-8 bytes; the verifier reads the text itself
(`SigningPolicy.from_toml`, `RetentionPolicy.from_toml`). Who may adopt or
change a policy is a fixed rule here, not a line of the policy, so that no
policy can hand itself to another role. The writer keeps the same rule
(``ledger/policy_log.py``; the twins are listed in docs/twins.md).
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid5

from verify.crypto import SignatureCheck, signature_check
from verify.envelope import Envelope, EnvelopeError, parse_envelope, signing_input
from verify.policy import PolicyError, SigningPolicy
from verify.retention import RetentionPolicy

__all__ = [
    "ADOPTED",
    "CHANGED",
    "CHANGER_ROLE",
    "NAMES",
    "POLICY_NAMESPACE",
    "POLICY_TYPES",
    "Adoption",
    "PolicyBook",
    "policy_notes",
    "policy_problems",
    "policy_stream",
    "text_digest",
]

POLICY_NAMESPACE = UUID("0b7f1c52-6a3e-5c1d-8e2f-6c6574b0a102")
"""Namespace of the policy streams: ``uuid5(NS, "letopis/policy/<name>")``."""

ADOPTED = "trust.PolicyAdopted"
CHANGED = "trust.PolicyChanged"
POLICY_TYPES = (ADOPTED, CHANGED)
NAMES = ("signing", "retention")
CHANGER_ROLE = "director"
"""The role whose holders change a policy once the log has one."""

TrustRow = tuple[int, bytes]


def policy_stream(name: str) -> str:
    """The stream of the policy called ``name`` (``signing`` or ``retention``)."""
    return str(uuid5(POLICY_NAMESPACE, f"letopis/policy/{name}"))


def text_digest(text: str) -> str:
    """``sha256:<hex>`` of a policy text's UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Adoption:
    """One policy entry of the log: which policy, where, when, by whom, its text.

    ``effective`` is the log order after which it is in force: -1 for the
    first policy (in force from the log's start), else the entry's own order.
    """

    name: str
    event: str
    order: int
    effective: int
    at: str
    author: str
    text: str

    @property
    def digest(self) -> str:
        return text_digest(self.text)


def _content_problem(envelope: Envelope) -> str | None:
    """What is wrong with a policy entry's data, or None."""
    data = envelope.data
    name, text, digest = data.get("name"), data.get("toml"), data.get("sha256")
    if set(data) != {"name", "toml", "sha256"}:
        return f"its data has {sorted(data)}; a policy entry has name, toml, sha256"
    if name not in NAMES:
        return f"it names policy {name!r}; allowed: {', '.join(NAMES)}"
    if envelope.stream != policy_stream(name):
        return (
            f"the {name} policy is kept in stream {policy_stream(name)}, "
            f"not {envelope.stream}"
        )
    if not isinstance(text, str) or digest != text_digest(text):
        return "its sha256 is not the digest of its toml text"
    try:
        _read(name, text, envelope.name)
    except PolicyError as e:
        return str(e)
    return None


def _read(name: str, text: str, where: str) -> SigningPolicy | RetentionPolicy:
    if name == "signing":
        return SigningPolicy.from_toml(text, where=f"the signing policy of {where}")
    return RetentionPolicy.from_toml(text, where=f"the retention policy of {where}")


@dataclass
class PolicyBook:
    """The policies the log adopted, in log order, and the ones given outside.

    ``fallback`` and ``fallback_retention`` are used only where the log holds
    no policy (a log made before policies were logged); the verifier reports
    that as a finding.
    """

    fallback: SigningPolicy | None = None
    fallback_retention: RetentionPolicy | None = None
    signing: list[tuple[Adoption, SigningPolicy]] = field(default_factory=list)
    retention: list[tuple[Adoption, RetentionPolicy]] = field(default_factory=list)
    _effective: list[int] = field(default_factory=list, repr=False)

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[TrustRow],
        *,
        origin: str,
        anchor_key: str,
        anchor_public_key: bytes,
        fallback: SigningPolicy | None = None,
        fallback_retention: RetentionPolicy | None = None,
        check: SignatureCheck = signature_check,
    ) -> PolicyBook:
        """A book holding the first policies (event 1 of each policy stream,
        signed by the log key alone), which are in force from the log's start.
        Later changes are added by `change` as the registry is rebuilt."""
        book = cls(fallback, fallback_retention)
        for order, stored in rows:
            envelope = _first_policy(stored, origin)
            if envelope is None or book.adoption(envelope.data["name"]) is not None:
                continue
            sigs = envelope.sigs
            if len(sigs) != 1 or sigs[0].key != anchor_key:
                continue
            if not check(anchor_public_key, sigs[0].sig, signing_input(stored)):
                continue
            if _content_problem(envelope) is None:
                book._add(envelope, order, -1, anchor_key)
        return book

    # -- what is in force --------------------------------------------------------

    def in_force(self, order: int) -> SigningPolicy:
        """The signing policy in force for the entry at log order ``order``."""
        at = bisect.bisect_left(self._effective, order) - 1
        if at >= 0:
            return self.signing[at][1]
        return self.fallback or _NO_POLICY

    def candidates(self) -> list[SigningPolicy]:
        """Every signing policy that may be in force somewhere in the log: the
        fast path lets a key author a type alone only if all of them allow it."""
        return [p for _, p in self.signing] or [self.fallback or _NO_POLICY]

    def adoption(self, name: str) -> Adoption | None:
        """The latest adoption of policy ``name``, or None."""
        entries: list[Any] = self.signing if name == "signing" else self.retention
        return entries[-1][0] if entries else None

    def current_retention(self) -> RetentionPolicy | None:
        """The retention policy in force at the end of the log, else the fallback."""
        if self.retention:
            return self.retention[-1][1]
        return self.fallback_retention

    def retention_in_force(self, order: int) -> RetentionPolicy | None:
        """The retention policy in force for the entry at log order ``order``
        (a disposal act is judged by the policy of its day), else the fallback."""
        found = [p for a, p in self.retention if a.effective < order]
        return found[-1] if found else self.fallback_retention

    @property
    def digest(self) -> str:
        """``sha256:<hex>`` over every signing policy the book may apply."""
        parts = [(a.event, p.digest) for a, p in self.signing]
        if self.fallback is not None:
            parts.append(("fallback", self.fallback.digest))
        text = json.dumps(parts, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    # -- taking in changes -------------------------------------------------------

    def change(
        self, envelope: Envelope, order: int, author: str, roles: frozenset[str]
    ) -> str | None:
        """Take in one policy entry whose signatures hold; the reason if refused."""
        problem = _content_problem(envelope)
        if problem is not None:
            return f"policy entry refused: {problem}"
        name = envelope.data["name"]
        known = self.adoption(name)
        if envelope.type == ADOPTED:
            if known is not None and known.event == envelope.name:
                return None  # the first policy, taken in by from_rows
            return (
                f"policy entry refused: the first {name} policy of a log is adopted "
                "once, as event 1 of its stream, signed by the log key alone"
            )
        if known is None:
            return (
                f"policy entry refused: the log has no {name} policy to change; the "
                "first one is adopted with the log key"
            )
        if CHANGER_ROLE not in roles:
            return (
                f"policy entry refused: key {author} (roles: "
                f"{', '.join(sorted(roles)) or 'none'}) may not change the {name} "
                f"policy; only a {CHANGER_ROLE}'s key may"
            )
        seq = int(known.event.rsplit(":", 1)[1])
        if envelope.seq != seq + 1:
            return (
                f"policy entry refused: it is event {envelope.seq} of the {name} "
                f"policy stream, but the last one taken in is event {seq}"
            )
        self._add(envelope, order, order, author)
        return None

    def _add(self, envelope: Envelope, order: int, effective: int, author: str) -> None:
        name, text = envelope.data["name"], envelope.data["toml"]
        adoption = Adoption(
            name, envelope.name, order, effective, envelope.at, author, text
        )
        policy = _read(name, text, envelope.name)
        if isinstance(policy, SigningPolicy):
            self.signing.append((adoption, policy))
            self._effective.append(effective)
        else:
            self.retention.append((adoption, policy))


_NO_POLICY = SigningPolicy(roles={}, cosign={}, source="no signing policy")


def _first_policy(stored: bytes, origin: str) -> Envelope | None:
    try:
        envelope = parse_envelope(stored)
    except EnvelopeError:
        return None
    if (
        envelope.type != ADOPTED
        or envelope.seq != 1
        or envelope.log != origin
        or envelope.data.get("name") not in NAMES
    ):
        return None
    return envelope


def policy_problems(
    book: PolicyBook,
    signing: SigningPolicy | None,
    retention: RetentionPolicy | None,
) -> list[str]:
    """Findings about the policies: one the log lacks, or one given from
    outside that is not the one the log holds in force."""
    problems = []
    for name, given, logged in (
        ("signing", signing, book.signing),
        ("retention", retention, book.retention),
    ):
        if not logged:
            used = given.source if given is not None else _fallback_source(book, name)
            problems.append(
                f"the log holds no signed {name} policy ({ADOPTED}): it was judged "
                f"against {used}, which nothing in the log authenticates; adopt the "
                f"policy in force with `letopis policy set` (the first one is signed "
                "with the log key)"
            )
            continue
        adoption, policy = logged[-1]
        if given is not None and given != policy:
            problems.append(
                f"the {name} policy given ({given.source}) is not the one the log "
                f"holds in force ({adoption.event} of {adoption.at}, "
                f"{adoption.digest}); the log's was used"
            )
    return problems


def policy_notes(book: PolicyBook) -> list[str]:
    """One line per policy: where the one in force comes from."""
    notes = []
    for name, logged in (("signing", book.signing), ("retention", book.retention)):
        if logged:
            adoption = logged[-1][0]
            changes = len(logged) - 1
            notes.append(
                f"{name} policy: from the log, {adoption.event} of {adoption.at} "
                f"({adoption.digest}; {changes} change(s) since the first)"
            )
        else:
            notes.append(f"{name} policy: {_fallback_source(book, name)}, not logged")
    return notes


def _fallback_source(book: PolicyBook, name: str) -> str:
    given: SigningPolicy | RetentionPolicy | None = (
        book.fallback if name == "signing" else book.fallback_retention
    )
    return given.source if given is not None else "none"
