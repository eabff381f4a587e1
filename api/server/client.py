"""What a client does with prepared envelopes: chain and sign them in order.

``POST /envelopes/prepare`` returns unsigned v1 envelopes; one whose ``prev``
is null after the first of its stream chains to the envelope before it, so it
can be filled only once that one is signed. :func:`sign_prepared` does exactly
that with the client's own keys; a client in another language follows the
same steps (DESIGN §2).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from ledger.envelope import EVENT_DOMAIN, Signer, canonical, content_hash, parse


def sign_prepared(
    prepared: Sequence[dict[str, Any]], author: Signer, *cosigners: Signer
) -> list[dict[str, Any]]:
    """The envelopes signed by ``author`` (then ``cosigners``), chained in order."""
    signed: list[dict[str, Any]] = []
    last: dict[str, bytes] = {}
    for template in prepared:
        envelope = dict(template)
        stream = envelope["stream"]
        if envelope["seq"] > 1 and envelope["prev"] is None:
            envelope["prev"] = content_hash(last[stream])
        unsigned = {k: v for k, v in envelope.items() if k != "sigs"}
        message = EVENT_DOMAIN + canonical(unsigned)
        envelope["sigs"] = [
            {
                "key": s.key_id,
                "alg": "ed25519",
                "sig": base64.b64encode(s.sign(message)).decode(),
            }
            for s in (author, *cosigners)
        ]
        last[stream] = parse(canonical(envelope)).to_bytes()
        signed.append(envelope)
    return signed
