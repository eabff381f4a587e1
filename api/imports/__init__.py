"""Onboarding and imports from spreadsheets (XLSX, ODS, CSV).

``letopis import staff|classes|pupils|teaching|marks|exams FILE`` and
``POST /imports/{kind}`` both call :func:`run_import`: every row is read and
checked first, and nothing is written unless every row is accepted; then the
rows are appended in signed saves through the records services. A refusal
(:class:`ImportRefusedError`) lists every bad row with its sheet, row number,
column and what is allowed. :func:`write_template` writes each kind's XLSX
template with Russian headers.

Modules: ``sheets`` (reading), ``columns`` (headers and cells), ``lookups``
(what rows name, in the ledger), ``kind`` (what every kind does), one module
per area of kinds (``setup``, ``pupils``, ``marks``, ``exams``), ``run``
(the two passes), ``templates``.
"""

from api.imports.problems import ImportRefusedError, RowProblem
from api.imports.run import KINDS, Imported, importer_for, run_import
from api.imports.templates import write_template

__all__ = [
    "KINDS",
    "ImportRefusedError",
    "Imported",
    "RowProblem",
    "importer_for",
    "run_import",
    "write_template",
]
