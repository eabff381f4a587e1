"""The one error of report building: bad input, with what exists instead."""

from __future__ import annotations

from ledger.errors import LedgerError


class ReportError(LedgerError):
    """A report was asked for something that does not exist (a class, subject,
    pupil, year, period or as-of point); the message names what does."""


class ViewsDisagreeError(ReportError):
    """The report views disagree with the log (a row changed, added or
    missing): no report is rendered from them; the message names the rows."""


class NamesUnavailableError(ReportError):
    """A report needs pupils' names and the personal data keys do not open
    (no passphrase, or a wrong one); ``--pseudonymous`` shows file numbers."""
