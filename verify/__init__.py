"""Independent verifier of a Letopis archive; never imports ledger/."""
