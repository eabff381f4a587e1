"""What a report carries to prove itself: its checkpoint and its digest.

Every rendered report names the checkpoint it was built from (origin, tree
size, root) and the SHA-256 digest of its **canonical form**, defined here
once: the report's JSON rendering (:func:`projections.reports.render.document`)
without its own ``digest`` member and without ``provenance.verify``, encoded as
RFC 8785 canonical JSON (:func:`ledger.envelope.canonical`). ``verify`` is left
out because it is advice that names how long the log was when the report was
printed, not what the report says; everything else is in, so the digest of a
report re-derived from the log at the same checkpoint, any time later, is the
same (``letopis report check``).

The printed forms (HTML, PDF) show the checkpoint and the digest as text and
as a QR code (:func:`qr_svg`, inline SVG made by ``segno``) that holds
:func:`qr_text`: five lines, ``letopis-report``, origin, size, root, digest.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import segno

from ledger.envelope import canonical

DIGEST = "digest"
DIGEST_PREFIX = "sha256:"
QR_MAGIC = "letopis-report"


def canonical_form(document: Mapping[str, Any]) -> bytes:
    """The canonical JSON bytes of a report's JSON document (see the module)."""
    content = {k: v for k, v in document.items() if k != DIGEST}
    provenance = content.get("provenance")
    if isinstance(provenance, Mapping):
        content["provenance"] = {k: v for k, v in provenance.items() if k != "verify"}
    return canonical(content)


def digest_of(document: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical form of ``document``."""
    return DIGEST_PREFIX + hashlib.sha256(canonical_form(document)).hexdigest()


@dataclass(frozen=True)
class Evidence:
    """The checkpoint and digest a report names, as printed and as QR code."""

    origin: str
    tree_size: int
    root: str
    digest: str

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> Evidence:
        provenance = document["provenance"]
        return cls(
            origin=provenance["origin"],
            tree_size=int(provenance["tree_size"]),
            root=provenance["root"],
            digest=document.get(DIGEST) or digest_of(document),
        )

    def qr_text(self) -> str:
        return "\n".join(
            (QR_MAGIC, self.origin, str(self.tree_size), self.root, self.digest)
        )

    def qr_svg(self) -> str:
        """The QR code of :meth:`qr_text` as an inline ``<svg>`` element."""
        code = segno.make(self.qr_text(), error="m", micro=False)
        out = io.BytesIO()
        code.save(out, kind="svg", xmldecl=False, svgclass="qr", scale=2, border=2)
        return out.getvalue().decode()
