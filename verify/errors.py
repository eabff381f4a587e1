"""One exception family for the verifier (STYLE.md §3)."""


class VerificationError(Exception):
    """Base of every error the verifier raises on purpose."""


class NoteError(VerificationError):
    """A signed note or checkpoint is malformed or its signature does not verify."""
