"""Key windows, roles and co-signatures as the verifier judges them."""

from __future__ import annotations

from typing import TypedDict, Unpack
from uuid import uuid4

import pytest

from ledger import envelope as writer
from ledger.keys.directory import SigningKey
from ledger.keys.registry import key_stream_id
from verify.anchor import LogKey
from verify.envelope import parse_envelope, signing_input
from verify.policy import SigningPolicy
from verify.registry import KeyInfo, Registry, check_signers, key_stream

POLICY = SigningPolicy.from_toml(
    """
    [roles]
    seal = ["trust.*"]
    teacher = ["journal.*"]
    class_teacher = ["attestat.AttestatIssued"]
    director = []
    [cosign]
    "attestat.AttestatIssued" = ["director"]
    """
)
T = "2025-09-01T08:30:00.000000"


class Window(TypedDict, total=False):
    """The times that bound a key's use, as ``KeyInfo`` names them."""

    valid_from: str
    valid_until: str
    revoked_at: str
    compromised_at: str


def _info(
    key: SigningKey, *roles: str, registered: int = 1, **window: Unpack[Window]
) -> KeyInfo:
    return KeyInfo(
        key=key.key_id,
        public_key=key.public_bytes,
        holder=roles[0],
        roles=frozenset(roles),
        valid_from=window.get("valid_from") or "2025-01-01T00:00:00.000000",
        valid_until=window.get("valid_until"),
        revoked_at=window.get("revoked_at"),
        compromised_at=window.get("compromised_at"),
        registered=registered,
    )


@pytest.mark.parametrize(
    ("window", "at", "problem"),
    [
        ({}, T, None),
        ({"valid_from": T}, T, None),
        ({"valid_until": T}, T, "valid only in"),
        ({"revoked_at": T}, T, "revoked at"),
        ({"valid_from": "2025-09-02T00:00:00.000000"}, T, "valid only in"),
        ({"compromised_at": T}, T, "compromised"),
        ({"compromised_at": "2025-09-02T00:00:00.000000"}, T, None),
    ],
)
def test_a_key_counts_only_inside_its_window(
    window: Window, at: str, problem: str | None
) -> None:
    found = _info(SigningKey.generate(), "teacher", **window).problem_at(at)
    assert (found is None) if problem is None else (problem in (found or ""))


def _registry(*infos: KeyInfo) -> Registry:
    anchor = SigningKey.generate()
    registry = Registry.of_anchor(LogKey("letopis.test/s", anchor.public_bytes, "test"))
    registry.keys.update({i.key: i for i in infos})
    return registry


def _signed(kind: str, *signers: SigningKey) -> tuple[bytes, bytes]:
    envelope = writer.Envelope(
        log="letopis.test/s",
        stream=str(uuid4()),
        seq=1,
        prev=None,
        type=kind,
        at=T + "Z",
        data={},
    ).signed_by(*signers)
    stored = envelope.to_bytes()
    return stored, signing_input(stored)


def _problems(stored: bytes, registry: Registry, order: int = 10) -> list[str]:
    envelope = parse_envelope(stored)
    return [
        k
        for k, _ in check_signers(
            envelope, signing_input(stored), order, registry, POLICY
        )
    ]


def test_a_well_signed_entry_has_no_problem() -> None:
    teacher = SigningKey.generate()
    stored, _ = _signed("journal.MarkRecorded", teacher)
    assert _problems(stored, _registry(_info(teacher, "teacher"))) == []


def test_unknown_key_wrong_role_missing_cosign_and_bad_signature_are_named() -> None:
    teacher, director, stranger = (SigningKey.generate() for _ in range(3))
    registry = _registry(_info(teacher, "teacher"), _info(director, "director"))
    unknown, _ = _signed("journal.MarkRecorded", stranger)
    assert _problems(unknown, registry) == ["key"]
    wrong_role, _ = _signed("attestat.AttestatIssued", teacher)
    assert _problems(wrong_role, registry) == ["role", "cosign"]
    forged = _signed("journal.MarkRecorded", teacher)[0].replace(b"{}", b'{"a":1}')
    assert _problems(forged, registry) == ["signature"]


def test_a_co_signature_by_the_right_role_satisfies_the_policy() -> None:
    class_teacher, director = SigningKey.generate(), SigningKey.generate()
    registry = _registry(
        _info(class_teacher, "class_teacher"), _info(director, "director")
    )
    stored, _ = _signed("attestat.AttestatIssued", class_teacher, director)
    assert _problems(stored, registry) == []


def test_a_key_may_not_sign_before_its_registration_in_the_log() -> None:
    teacher = SigningKey.generate()
    registry = _registry(_info(teacher, "teacher", registered=5))
    stored, _ = _signed("journal.MarkRecorded", teacher)
    assert _problems(stored, registry, order=3) == ["key"]


def test_key_streams_are_derived_from_the_key_id() -> None:
    key = SigningKey.generate().key_id
    assert key_stream(key) == str(key_stream_id(key))
