"""One exception family for the write side; every message says what is allowed."""


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""


class EnvelopeError(LedgerError):
    """An envelope is malformed, or a field does not match what it must."""


class SignatureError(EnvelopeError):
    """A signature does not verify, or the signer is not who may sign."""


class TrustError(LedgerError):
    """A key is unknown, unreadable, or may not be used now."""


class UnknownKeyError(TrustError):
    """The key id is not registered in the log's key registry."""


class KeyNotValidError(TrustError):
    """The key is outside its validity window, or revoked."""


class PassphraseError(TrustError):
    """The passphrase does not open the encrypted private key."""


class PolicyError(LedgerError):
    """The signing policy does not allow this signer for this event type."""


class ConcurrencyError(LedgerError):
    """Another writer appended to the same stream first; nothing was written."""


class StoreURLError(LedgerError):
    """The store URL is not one Letopis can open."""


class PersonalDataError(LedgerError):
    """Personal data cannot be sealed or opened (missing or destroyed data key)."""
