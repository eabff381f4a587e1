"""msgspec's compiled JSON reader for envelopes, where it is installed.

Importing this module fails without ``msgspec``; `verify.envelope` then reads
every envelope with the standard library alone (the verifier shipped inside
an archive needs nothing else). The classes only name the v1 members and their
JSON types; every rule on their values stays in `verify.envelope`.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Sig(msgspec.Struct, forbid_unknown_fields=True):
    """One member of ``sigs``, exactly these three strings."""

    alg: str
    key: str
    sig: str


class Stored(msgspec.Struct, forbid_unknown_fields=True):
    """A v1 envelope's members, in the sorted order JCS writes them."""

    at: str
    data: dict[str, Any]
    log: str
    prev: str | None
    seq: int
    sigs: list[Sig]
    stream: str
    type: str
    v: int


class FloatFound(ValueError):
    """A number with a fraction or exponent: JCS writes those its own way."""


def _no_floats(text: str) -> Any:
    raise FloatFound(text)


decode = msgspec.json.Decoder(Stored, float_hook=_no_floats).decode
"""Stored bytes to `Stored`; one of `Declined` when they do not fit or hold a
number with a fraction or exponent."""
encode = msgspec.json.Encoder(order="sorted").encode
"""A `Stored` back to compact JSON bytes, every object's members sorted."""
Declined = (msgspec.DecodeError, FloatFound)
