"""The witness's HTTP interface: ``POST /add-checkpoint`` (C2SP tlog-witness).

A small FastAPI app of its own, apart from ``letopis serve``: another party
runs it on another machine, with its own key and state. Refusals carry the
status codes the protocol names (400, 403, 404, 409 with the latest size as
``text/x.tlog.size``, 422) and a one-line reason in plain text.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from api.witness.witness import SIZE_TYPE, Witness, WitnessError

MAX_BODY = 64 * 1024
"""A checkpoint and 63 proof lines fit in a few kilobytes; more is refused."""


def make_app(witness: Witness) -> FastAPI:
    """The witness's ASGI app over one state directory."""
    app = FastAPI(title=f"Letopis witness {witness.name}", docs_url=None)

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> PlainTextResponse:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse(f"body over {MAX_BODY} bytes\n", status_code=413)
        try:
            # in a worker thread: the state's fsync must not stall the event loop;
            # the witness's lock keeps the old-size check and the write one step
            line = await run_in_threadpool(witness.add_checkpoint, body)
        except WitnessError as e:
            if e.status == 409 and e.latest is not None:
                return PlainTextResponse(
                    f"{e.latest}\n", status_code=409, media_type=SIZE_TYPE
                )
            return PlainTextResponse(f"{e}\n", status_code=e.status)
        return PlainTextResponse(line)

    @app.get("/key")
    def key() -> PlainTextResponse:
        """The witness's public key as a cosignature/v1 vkey (for policies)."""
        return PlainTextResponse(witness.vkey + "\n")

    return app
