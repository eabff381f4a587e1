"""Is the server up: a trivial endpoint (also the load benchmark's baseline)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The server answers."""

    status: str


@router.get("/health")
def health() -> Health:
    """Always ``{"status": "ok"}`` while the server runs; no sign-in."""
    return Health(status="ok")
