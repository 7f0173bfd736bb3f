"""SECRET_BLOCKs and refresh tokens: opaque, tamper-evident, bound to their purpose."""

from __future__ import annotations

import os

from bnpl.idp.sealing import RefreshTokens, Sealer, b64url, looks_like_jwt, unb64url

KEY = bytes(range(32))


def test_a_sealed_payload_opens_only_with_its_key_purpose_and_context():
    sealed = Sealer(KEY, "SECRET_BLOCK").seal({"user": "u-1", "b": "ff"}, context=b"pool-a")
    assert Sealer(KEY, "SECRET_BLOCK").open(sealed, context=b"pool-a") == {"user": "u-1", "b": "ff"}
    assert b"u-1" not in sealed
    assert Sealer(KEY, "SECRET_BLOCK").open(sealed, context=b"pool-b") is None
    assert Sealer(KEY, "REFRESH_TOKEN").open(sealed, context=b"pool-a") is None
    assert Sealer(os.urandom(32), "SECRET_BLOCK").open(sealed, context=b"pool-a") is None


def test_changing_any_byte_of_a_sealed_payload_breaks_it():
    sealer = Sealer(KEY, "SECRET_BLOCK")
    sealed = sealer.seal({"id": "c-1"})
    for index in range(0, len(sealed), 7):
        changed = bytearray(sealed)
        changed[index] ^= 0x01
        assert sealer.open(bytes(changed)) is None
    assert sealer.open(b"") is None
    assert sealer.open(sealed[:20]) is None


def test_refresh_tokens_are_jwe_shaped_and_read_back():
    tokens = RefreshTokens(Sealer(KEY, "REFRESH_TOKEN"))
    token = tokens.issue({"jti": "origin-1", "pool": "us-east-1_bnplLocal"})
    parts = token.split(".")
    assert len(parts) == 5
    assert unb64url(parts[0]) == b'{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}'
    assert tokens.read(token) == {"jti": "origin-1", "pool": "us-east-1_bnplLocal"}
    assert not looks_like_jwt(token)
    assert "origin-1" not in token
    assert tokens.issue({"jti": "origin-1"}) != tokens.issue({"jti": "origin-1"})


def test_a_forged_or_changed_refresh_token_reads_as_nothing():
    tokens = RefreshTokens(Sealer(KEY, "REFRESH_TOKEN"))
    token = tokens.issue({"jti": "origin-1"})
    parts = token.split(".")
    ciphertext = bytearray(unb64url(parts[3]))
    ciphertext[0] ^= 0x01
    assert tokens.read(".".join([*parts[:3], b64url(bytes(ciphertext)), parts[4]])) is None
    assert tokens.read("a.b.c") is None
    assert tokens.read("not a token") is None
    assert tokens.read(".".join([*parts[:4], "!!"])) is None
    other = RefreshTokens(Sealer(os.urandom(32), "REFRESH_TOKEN"))
    assert other.read(token) is None
