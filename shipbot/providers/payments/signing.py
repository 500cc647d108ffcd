"""Oxapay's callback signature (SPEC §6.2): hex HMAC-SHA512 of the raw body, keyed with the
merchant API key, sent in the `HMAC` header. The sandbox payment page signs the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import string

_HEX_LENGTH = hashlib.sha512().digest_size * 2  # 128
_HEX = frozenset(string.hexdigits)


def sign(body: bytes, key: str) -> str:
    """The lower-case hex signature Oxapay puts in the `HMAC` header for `body`."""
    return hmac.new(key.encode(), body, hashlib.sha512).hexdigest()


def verify(body: bytes, key: str, signature: str | None) -> bool:
    """True only if `signature` is `body` signed with `key`; never raises.

    Hex is compared case-insensitively; a missing, empty or malformed header is simply False.
    """
    try:
        if not key or not isinstance(signature, str):
            return False
        candidate = signature.strip().lower()
        # Checked before comparing: compare_digest only takes ASCII strings.
        if len(candidate) != _HEX_LENGTH or not _HEX.issuperset(candidate):
            return False
        return hmac.compare_digest(sign(bytes(body), key), candidate)
    except Exception:  # a body of the wrong type, say: not a valid signature either
        return False
