"""Letopis write side: signed envelopes, keys, policy and the event store."""
