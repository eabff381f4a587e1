"""What can be told of a PDF report's PDF/A-3b conformance without veraPDF.

WeasyPrint writes the PDF/A-3b variant (``pdf_variant="pdf/a-3b"``); veraPDF,
the reference validator, is not available here. :func:`pdfa_problems` reads
the file back with ``pypdf`` and checks what that variant promises and an
archive relies on: XMP metadata naming PDF/A part 3 conformance B, an output
intent (the sRGB profile), no encryption, every font of every page embedded,
and every attached file an associated file (``/AF``, PDF/A-3) with its
relationship. ``letopis report check`` prints the result for a PDF; the tests
run it on every PDF they render.
"""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def pdfa_problems(data: bytes) -> list[str]:
    """What a PDF/A-3b report lacks, as sentences (none: nothing found)."""
    reader = PdfReader(io.BytesIO(data))
    root: Any = reader.trailer["/Root"]
    problems = []
    xmp = reader.xmp_metadata
    packet = xmp.stream.get_data().decode() if xmp is not None else ""
    if 'pdfaid:part="3"' not in packet or 'pdfaid:conformance="B"' not in packet:
        problems.append("its XMP metadata does not name PDF/A-3B")
    if "/OutputIntents" not in root:
        problems.append("it has no output intent")
    if reader.is_encrypted:
        problems.append("it is encrypted")
    for number, page in enumerate(reader.pages, 1):
        resources: Any = page["/Resources"].get_object()
        for name, ref in resources.get("/Font", {}).items():
            if not _embedded(ref.get_object()):
                problems.append(f"page {number}: font {name} is not embedded")
    associated = {f.get_object()["/F"]: f.get_object() for f in root.get("/AF", [])}
    for name in reader.attachments:
        spec = associated.get(name)
        if spec is None or "/AFRelationship" not in spec:
            problems.append(f"attachment {name} is not an associated file (/AF)")
    return problems


def _embedded(font: Any) -> bool:
    described = [font, *(f.get_object() for f in font.get("/DescendantFonts", []))]
    return any(
        key in d["/FontDescriptor"].get_object()
        for d in described
        if "/FontDescriptor" in d
        for key in FONT_FILES
    )
