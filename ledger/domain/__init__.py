"""The school records domain (issue 3): every record kind of the regulations as
signed events, and the rules their aggregates' commands enforce at append time.

Modules: ``school``, ``academic_year``, ``classes``, ``people``, ``journal``,
``attestation``, ``exams``, ``final_grades``, ``decisions``, ``attestat``,
``portfolio``, ``admission``, ``archive``, ``disposal`` (aggregates, their
commands and events, pure); ``grading``, ``schoolyear``,
``honours``, ``graduation``, ``promotion`` (pure values and rules); ``base``
(typed events, streams any event may open); ``ids`` (deterministic stream ids);
``errors`` (the :class:`DomainError` family). The application services that
load, command and save are in :mod:`ledger.records`. See ``docs/domain.md``.
"""

from ledger.domain import (  # noqa: F401 - importing registers every event type
    academic_year,
    admission,
    archive,
    attestat,
    attestation,
    classes,
    decisions,
    disposal,
    exams,
    final_grades,
    journal,
    people,
    portfolio,
    school,
)
