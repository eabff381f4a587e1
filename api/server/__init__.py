"""The HTTP API (FastAPI): ``create_app(settings)``; ``letopis serve`` runs it."""
