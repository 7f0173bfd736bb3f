"""The dev identity provider's signing key: created on first use, loaded, published as a JWK."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwt.algorithms import RSAAlgorithm


@dataclass(frozen=True)
class SigningKey:
    """The provider's RSA key and its public JWK (`kid` = RFC 7638 thumbprint)."""

    private_key: rsa.RSAPrivateKey
    kid: str

    def derived_secret(self, purpose: str) -> bytes:
        """A 32-byte secret for one `purpose`, derived from the private key: it lives as long as
        the key does, every process that reads the key derives the same one, and none is stored.
        """
        material = self.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
        return hkdf.derive(material)

    @property
    def jwk(self) -> dict[str, str]:
        """The public key as Cognito publishes it in its JWKS."""
        public = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"kid": self.kid, "alg": "RS256", "kty": "RSA", "use": "sig", **_rsa_members(public)}


def _rsa_members(jwk: Mapping[str, Any]) -> dict[str, str]:
    return {"e": str(jwk["e"]), "n": str(jwk["n"])}


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 thumbprint of an RSA public JWK: the `kid`, stable for as long as the key is."""
    # SHA-256 over the required members in lexicographic order, without whitespace.
    members = {**_rsa_members(jwk), "kty": "RSA"}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


_KEY_CACHE: dict[tuple[Path, int, int], SigningKey] = {}


def signing_key(path: Path) -> SigningKey:
    """Load the RSA private key at `path` (PEM), creating it (mode 0600) on first use.

    Raises:
        ValueError: the file exists but does not hold an RSA private key.
    """
    if not path.exists():
        _create_key_file(path)
    stat = path.stat()
    cache_key = (path.resolve(), stat.st_ino, stat.st_mtime_ns)
    cached = _KEY_CACHE.get(cache_key)
    if cached is not None:
        return cached
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError):
        loaded = None
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not a PEM RSA private key; delete it to get a new one")
    key = SigningKey(
        private_key=loaded,
        kid=jwk_thumbprint(RSAAlgorithm.to_jwk(loaded.public_key(), as_dict=True)),
    )
    _KEY_CACHE[cache_key] = key
    return key


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Write a private temporary file, then hard-link it into place: the link fails if another
    # process (`bnpl dev` and `bnpl token` at once) created the key first, and nobody ever reads
    # a half-written key.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".dev-idp-key-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
