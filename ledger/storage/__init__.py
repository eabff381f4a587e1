"""Storage: store URLs and the ledger factory (``stores``), portable SQL beside
the event tables (``sql``), ``letopis init`` (``init``) and its PostgreSQL roles,
schema and triggers (``postgres``).
"""
