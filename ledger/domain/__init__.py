"""The school records domain (issue 3): every record kind of the regulations as
signed events, their rules, and the services that enforce them at append time.

Modules: ``school``, ``people``, ``journal``, ``attestation``, ``decisions``,
``attestat``, ``portfolio`` (aggregates and their events, pure); ``grading``,
``schoolyear``, ``honours`` (pure values and rules); ``ids`` (deterministic
stream ids); ``errors`` (the :class:`DomainError` family); ``services/`` and
``records`` (the application services). See ``docs/domain.md``.
"""

from ledger.domain import (  # noqa: F401 - importing registers every event type
    attestat,
    attestation,
    decisions,
    journal,
    people,
    portfolio,
    school,
)
