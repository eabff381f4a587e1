"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api.server import problems
from api.server.office import Clock, system_clock
from api.server.routers import (
    audit,
    auth,
    cosignatures,
    envelopes,
    health,
    imports,
    journal,
    lists,
    log,
    periods,
    records,
    reports,
    signed,
)
from api.server.routers import schools as schools_router
from api.server.schools import Schools
from api.server.settings import Settings
from api.server.submit import submit
from api.server.tokens import Tokens
from api.server.web import install as install_web

DESCRIPTION = """
Letopis, the school's signed, append-only records ledger, over HTTP.

Sign in at `/token` (the **Authorize** button), then append certified journal
entries (server-signed for staff whose key it keeps, or signed on your own
device and sent to `/envelopes`), read reports, checkpoints and proofs, and,
as an auditor, verify the store and read the access log. Every error is an
RFC 9457 problem (`application/problem+json`) naming the field and what is
allowed; nothing is written when a request is refused.
"""


def create_app(settings: Settings, *, clock: Clock = system_clock) -> FastAPI:
    """The application on the configured store; refuses default secrets.

    The store stays open while the application object lives (servers and test
    clients come and go with the lifespan); ``app.state.office.close()`` closes it.
    With ``settings.many_schools`` it serves every school of the deployment
    (``api.server.schools``); ``app.state.office`` is then the default school's,
    if there is one, and ``app.state.schools.close()`` closes them all.
    """
    settings.check_secrets()
    schools = Schools(settings, clock)
    office = schools.default

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        schools.start()
        try:
            yield
        finally:
            schools.stop()

    # /docs and /redoc from assets served here, not from a CDN (closed networks)
    app = FastAPIOffline(
        title="Letopis",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=records.openapi_tags(),
    )
    app.state.office = office
    app.state.schools = schools
    app.state.tokens = Tokens(
        settings.token_secret.get_secret_value(),
        timedelta(minutes=settings.token_minutes),
    )
    problems.install(app)
    for module in (
        health,
        auth,
        journal,
        envelopes,
        signed,
        log,
        audit,
        reports,
        lists,
        periods,
        imports,
    ):
        app.include_router(module.router)
    app.include_router(cosignatures.router)
    app.include_router(schools_router.router)
    app.openapi_tags = [
        *(app.openapi_tags or []),
        lists.TAG_METADATA,
        signed.TAG_METADATA,
        cosignatures.TAG_METADATA,
        imports.TAG_METADATA,
        schools_router.TAG_METADATA,
    ]
    for router in records.routers(submit):
        app.include_router(router)
    install_web(app, settings)
    return app
