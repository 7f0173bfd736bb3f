"""Opaque values the pool hands out and reads back: SRP challenges' SECRET_BLOCKs and refresh
tokens. Both are authenticated encryption (AES-256-GCM) under keys derived from the signing key,
so nobody can read or forge one, every process of the stack reads the others', and nothing about
them needs storing until they are used.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12
_TAG_BYTES = 16
# Cognito's refresh tokens are JWEs (RSA-OAEP, A256GCM); ours have the same five-part shape.
_JWE_HEADER = {"cty": "JWT", "enc": "A256GCM", "alg": "RSA-OAEP"}
_MAX_SEALED_BYTES = 8192


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sealer:
    """Seals JSON payloads for one purpose; a value sealed for one purpose opens for no other."""

    def __init__(self, key: bytes, purpose: str) -> None:
        self._aead = AESGCM(key)
        self._purpose = purpose.encode()

    def seal(self, payload: Mapping[str, Any], *, context: bytes = b"") -> bytes:
        """`payload` encrypted and authenticated, bound to `context` (which must match on open)."""
        nonce = os.urandom(_NONCE_BYTES)
        plaintext = json.dumps(payload, separators=(",", ":")).encode()
        return nonce + self._aead.encrypt(nonce, plaintext, self._purpose + b"|" + context)

    def open(self, sealed: bytes, *, context: bytes = b"") -> dict[str, Any] | None:
        """The payload, or None for anything this sealer did not seal with this context."""
        if not _NONCE_BYTES + _TAG_BYTES <= len(sealed) <= _MAX_SEALED_BYTES:
            return None
        nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        try:
            plaintext = self._aead.decrypt(nonce, ciphertext, self._purpose + b"|" + context)
        except InvalidTag:
            return None
        payload = json.loads(plaintext)
        return payload if isinstance(payload, dict) else None


class RefreshTokens:
    """Refresh tokens: opaque JWE-shaped strings that name their sign-in session."""

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer
        self._header = b64url(json.dumps(_JWE_HEADER, separators=(",", ":")).encode())

    def issue(self, payload: Mapping[str, Any]) -> str:
        # The second part stands where a JWE's encrypted key would: random, so no two tokens
        # share a prefix beyond the header.
        sealed = self._sealer.seal(payload, context=self._header.encode())
        nonce, body = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        ciphertext, tag = body[:-_TAG_BYTES], body[-_TAG_BYTES:]
        parts = (self._header, b64url(os.urandom(32)), b64url(nonce), b64url(ciphertext))
        return ".".join((*parts, b64url(tag)))

    def read(self, token: str) -> dict[str, Any] | None:
        """What `issue` sealed into `token`, or None if it is not one of ours."""
        parts = token.split(".")
        if len(parts) != 5 or parts[0] != self._header:
            return None
        try:
            nonce, ciphertext, tag = (unb64url(p) for p in parts[2:])
        except (binascii.Error, ValueError):
            return None
        return self._sealer.open(nonce + ciphertext + tag, context=self._header.encode())


def looks_like_jwt(token: str) -> bool:
    """Three dot-separated parts: an ID or access token, not a refresh token."""
    return token.count(".") == 2
