"""The SRP arithmetic of the user pool, against pycognito's client (an independent implementation
of Cognito's SRP): fixed vectors, and properties over random passwords and secrets."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings, strategies as st
from pycognito import aws_srp as client

from bnpl.idp import srp
from bnpl.idp.users import Verifier

POOL_ID = "us-east-1_bnplLocal"
POOL = "bnplLocal"
USER = "sandbox-approve"
PASSWORD = "Sandbox-approve-1"
# The vector's inputs: a salt whose top bit is set (so it is hashed with a leading 00), and the
# two ephemeral secrets.
SALT = int("8c1f2e3d4c5b6a798877665544332211", 16)
CLIENT_SECRET = int(hashlib.sha512(b"client secret a").hexdigest() * 2, 16)
SERVER_SECRET = int(hashlib.sha256(b"server secret b").hexdigest(), 16)
BLOCK = bytes(range(48))
TIMESTAMP = "Tue Jan 6 09:05:03 UTC 2026"
# Computed with pycognito 2024.5.1's client from the inputs above.
VECTOR = {
    "verifier_sha256": "0572fe60d840b8f03d79d69c97e896bb4bb9d428496cb99a21eafb369ed1c177",
    "client_public_sha256": "7d364fb908e9935240b53367ba4bd829db12451214ebb87743ad66437f0be81f",
    "server_public_sha256": "22fa9b403e211e407e5263b563a315bd6af03d48bf11a733e1d71bcc8d02a869",
    "u": "00978a10aae4b7c55817a17b7cf8e5d40f8ee7a9e957cea6dba09743ac209e52d3",
    "key": "5a3d63319e04deabbf19bf15a570baa7",
    "signature": "MbQSF0P8akqHDfSsdJYj9jXPsMhqobN0Jn/qJO2ttt8=",
}


def sha256_hex(value: int) -> str:
    return hashlib.sha256(srp.pad_hex(value).encode()).hexdigest()


def pycognito_client(password: str = PASSWORD, *, secret: int | None = None) -> client.AWSSRP:
    signer = client.AWSSRP(
        username=USER, password=password, pool_id=POOL_ID, client_id="web", client=object()
    )
    if secret is not None:
        signer.small_a_value = secret
        signer.large_a_value = pow(srp.G, secret, srp.N)
    return signer


def test_the_group_is_rfc_5054s_3072_bit_prime_with_generator_2():
    assert srp.N_HEX == client.N_HEX
    assert srp.N.bit_length() == 3072
    assert int(client.G_HEX, 16) == srp.G
    assert client.hex_to_long(client.hex_hash("00" + client.N_HEX + "0" + client.G_HEX)) == srp.K


@pytest.mark.parametrize(
    ("value", "padded"),
    [(0x14, "14"), (0xEC, "00ec"), (0x123, "0123"), (0x8AB, "08ab"), (0x80, "0080"), (1, "01")],
)
def test_pad_hex_writes_even_length_non_negative_hex(value, padded):
    assert srp.pad_hex(value) == padded == client.pad_hex(value)


@given(st.integers(min_value=1, max_value=srp.N))
def test_pad_hex_agrees_with_pycognito(value):
    assert srp.pad_hex(value) == client.pad_hex(value)


def test_pool_name_is_the_part_after_the_underscore():
    assert srp.pool_name(POOL_ID) == POOL
    with pytest.raises(ValueError, match="<region>_<id>"):
        srp.pool_name("bnplLocal")


def test_the_fixed_vector_matches_pycognito():
    verifier_value = srp.verifier(POOL, USER, PASSWORD, SALT)
    assert sha256_hex(verifier_value) == VECTOR["verifier_sha256"]
    ephemeral = srp.server_ephemeral(verifier_value, secret=SERVER_SECRET)
    client_public = pow(srp.G, CLIENT_SECRET, srp.N)
    assert sha256_hex(client_public) == VECTOR["client_public_sha256"]
    assert sha256_hex(ephemeral.public) == VECTOR["server_public_sha256"]
    assert srp.pad_hex(srp.scrambler(client_public, ephemeral.public)) == VECTOR["u"]

    key = srp.password_key(
        client_public=client_public, ephemeral=ephemeral, verifier_value=verifier_value
    )
    assert key.hex() == VECTOR["key"]
    signature = srp.claim_signature(
        key, pool=POOL, user_id=USER, secret_block=BLOCK, timestamp=TIMESTAMP
    )
    assert base64.b64encode(signature).decode() == VECTOR["signature"]


def test_pycognitos_answer_to_a_challenge_verifies():
    """pycognito's own process_challenge (its timestamp, its SECRET_BLOCK decoding) signs a
    claim the server accepts."""
    salt = srp.new_salt()
    verifier_value = srp.verifier(POOL, USER, PASSWORD, salt)
    ephemeral = srp.server_ephemeral(verifier_value)
    signer = pycognito_client()
    answer = signer.process_challenge(
        {
            "USER_ID_FOR_SRP": USER,
            "USERNAME": USER,
            "SALT": srp.pad_hex(salt),
            "SRP_B": f"{ephemeral.public:x}",
            "SECRET_BLOCK": base64.b64encode(BLOCK).decode(),
        },
        {"USERNAME": "approve@sandbox.bnpl.test"},
    )
    key = srp.password_key(
        client_public=signer.large_a_value, ephemeral=ephemeral, verifier_value=verifier_value
    )
    assert srp.canonical_timestamp(answer["TIMESTAMP"]) == answer["TIMESTAMP"]
    expected = srp.claim_signature(
        key, pool=POOL, user_id=USER, secret_block=BLOCK, timestamp=answer["TIMESTAMP"]
    )
    assert base64.b64decode(answer["PASSWORD_CLAIM_SIGNATURE"]) == expected


passwords = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FFF), min_size=1, max_size=40
)


@settings(max_examples=20, deadline=None)
@given(password=passwords, salt=st.integers(min_value=1, max_value=2**128 - 1))
def test_the_right_password_always_gives_the_servers_key(password, salt):
    verifier_value = srp.verifier(POOL, USER, password, salt)
    ephemeral = srp.server_ephemeral(verifier_value)
    signer = pycognito_client(password)
    client_key = signer.get_password_authentication_key(
        USER, password, ephemeral.public, srp.pad_hex(salt)
    )
    server_key = srp.password_key(
        client_public=signer.large_a_value, ephemeral=ephemeral, verifier_value=verifier_value
    )
    assert client_key == server_key


@settings(max_examples=20, deadline=None)
@given(password=passwords, other=passwords, salt=st.integers(min_value=1, max_value=2**128 - 1))
def test_a_wrong_password_never_gives_the_servers_key(password, other, salt):
    if other == password:
        other += "!"
    verifier_value = srp.verifier(POOL, USER, password, salt)
    ephemeral = srp.server_ephemeral(verifier_value)
    signer = pycognito_client(other)
    client_key = signer.get_password_authentication_key(
        USER, other, ephemeral.public, srp.pad_hex(salt)
    )
    server_key = srp.password_key(
        client_public=signer.large_a_value, ephemeral=ephemeral, verifier_value=verifier_value
    )
    assert client_key != server_key


def test_the_verifier_binds_the_user_and_the_pool():
    salt = srp.new_salt()
    value = srp.verifier(POOL, USER, PASSWORD, salt)
    assert srp.verifier(POOL, "sandbox-decline", PASSWORD, salt) != value
    assert srp.verifier("otherPool", USER, PASSWORD, salt) != value


def test_a_stored_verifier_checks_a_plain_password():
    stored = Verifier.for_password(POOL, USER, PASSWORD)
    assert stored.matches(POOL, USER, PASSWORD)
    assert not stored.matches(POOL, USER, PASSWORD.upper())
    assert PASSWORD not in stored.salt + stored.verifier


@pytest.mark.parametrize("client_public", [0, srp.N, 2 * srp.N])
def test_a_client_value_that_is_zero_mod_n_is_refused(client_public):
    ephemeral = srp.server_ephemeral(srp.verifier(POOL, USER, PASSWORD, SALT))
    assert not srp.acceptable_client_public(client_public)
    with pytest.raises(ValueError, match="A mod N"):
        srp.password_key(client_public=client_public, ephemeral=ephemeral, verifier_value=1)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_timestamps_read_as_cognitos_clients_write_them(moment):
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    written = client.AWSSRP.get_cognito_formatted_timestamp(moment)
    assert srp.format_timestamp(moment) == written
    assert srp.canonical_timestamp(written) == written


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        # A leading zero, or a weekday that is not the date's, is written back as the pool
        # writes the date: the claim signed over the sent text then does not verify.
        ("Tue Jan 06 09:05:03 UTC 2026", "Tue Jan 6 09:05:03 UTC 2026"),
        ("Mon Jan 6 09:05:03 UTC 2026", "Tue Jan 6 09:05:03 UTC 2026"),
        ("Tue Jan 6 09:05:03 UTC 2026", "Tue Jan 6 09:05:03 UTC 2026"),
        ("Tue Feb 30 09:05:03 UTC 2026", None),
        ("2026-01-06T09:05:03Z", None),
        ("Tue Jan 6 09:05:03 GMT 2026", None),
        ("Xyz Jan 6 09:05:03 UTC 2026", None),
    ],
)
def test_the_pool_rewrites_the_timestamp_it_was_sent(sent, read):
    assert srp.canonical_timestamp(sent) == read
