"""The server's side of Cognito's SRP-6a variant: verifiers, the server's public value, and the
check of a client's password claim.

Cognito's clients (amplify-js, amazon-cognito-identity-js, pycognito, the AWS SDKs) all compute
the same values, and they agree only byte for byte:

- the group is RFC 5054's 3072-bit prime with g = 2, and k = H(pad(N) ‖ pad(g));
- every hash input made of numbers is the concatenation of their *padded* hex (`pad_hex`), and a
  hash is read back as a positive integer;
- x = H(pad(salt) ‖ H(poolName ‖ userId ‖ ":" ‖ password)), poolName being the part of the pool
  id after `_` and userId the user's internal username (`USER_ID_FOR_SRP`);
- u = H(pad(A) ‖ pad(B)); the server's S = (A · v^u)^b mod N;
- the key is HKDF-SHA256 of pad(S), salted with pad(u), info "Caldera Derived Key", 16 bytes;
- the claim is HMAC-SHA256(key, poolName ‖ userId ‖ SECRET_BLOCK bytes ‖ timestamp), where the
  timestamp reads `EEE MMM d HH:mm:ss UTC yyyy` (English names, day without a leading zero).

Pure: no storage, no clock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
HKDF_INFO = b"Caldera Derived Key"
KEY_BYTES = 16
# RFC 5054 asks for an ephemeral secret of at least 256 bits.
SERVER_SECRET_BITS = 256
SALT_BITS = 128

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TIMESTAMP = re.compile(
    r"(?P<weekday>[A-Z][a-z]{2}) (?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2}) "
    r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2}) UTC (?P<year>\d{4})"
)


def pad_hex(value: int) -> str:
    """A non-negative integer in hex as Cognito's clients hash it (amplify-js `getPaddedHex`,
    Java's `BigInteger.toByteArray`): even length, and a leading `00` when the top bit is set,
    so the bytes never read as a negative number.

    Example:
        >>> pad_hex(0x14), pad_hex(0xEC), pad_hex(0x123)
        ('14', '00ec', '0123')
    """
    if value < 0:
        raise ValueError("SRP values are never negative")
    text = f"{value:x}"
    if len(text) % 2:
        text = f"0{text}"
    if text[0] in "89abcdef":
        text = f"00{text}"
    return text


def _hash_hex(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


def _hash_int(*values: int) -> int:
    return int(_hash_hex("".join(pad_hex(v) for v in values)), 16)


K = _hash_int(N, G)


def pool_name(user_pool_id: str) -> str:
    """The part of a pool id (`<region>_<name>`) that goes into every SRP hash."""
    region, separator, name = user_pool_id.partition("_")
    if not (region and separator and name):
        raise ValueError(f"a user pool id reads <region>_<id>, not {user_pool_id!r}")
    return name


def new_salt() -> int:
    """A fresh random salt for a verifier (never zero)."""
    return secrets.randbits(SALT_BITS) or 1


def password_exponent(pool: str, user_id: str, password: str, salt: int) -> int:
    """x = H(pad(salt) ‖ H(poolName ‖ userId ‖ ":" ‖ password))."""
    inner = hashlib.sha256(f"{pool}{user_id}:{password}".encode()).hexdigest()
    return int(_hash_hex(pad_hex(salt) + inner), 16)


def verifier(pool: str, user_id: str, password: str, salt: int) -> int:
    """v = g^x mod N: what the pool keeps instead of the password."""
    return pow(G, password_exponent(pool, user_id, password, salt), N)


@dataclass(frozen=True)
class ServerEphemeral:
    """The server's secret `b` and public value B = (k·v + g^b) mod N for one sign-in."""

    secret: int
    public: int


def server_ephemeral(verifier_value: int, *, secret: int | None = None) -> ServerEphemeral:
    """A fresh ephemeral for a user with `verifier_value` (`secret` fixes b, for tests)."""
    while True:
        b = secret if secret is not None else secrets.randbits(SERVER_SECRET_BITS)
        public = (K * verifier_value + pow(G, b, N)) % N
        if b and public:
            return ServerEphemeral(secret=b, public=public)
        if secret is not None:
            raise ValueError("this secret gives a zero public value")


def acceptable_client_public(value: int) -> bool:
    """The client's A is usable only when A mod N ≠ 0 (else S would not depend on it)."""
    return value > 0 and value % N != 0


def scrambler(client_public: int, server_public: int) -> int:
    """u = H(pad(A) ‖ pad(B))."""
    return _hash_int(client_public, server_public)


def password_key(*, client_public: int, ephemeral: ServerEphemeral, verifier_value: int) -> bytes:
    """The 16-byte key both sides derive from the shared secret S.

    Raises:
        ValueError: A is not acceptable, or u is zero (the sign-in must be refused).
    """
    if not acceptable_client_public(client_public):
        raise ValueError("A mod N must not be zero")
    u = scrambler(client_public, ephemeral.public)
    if u == 0:
        raise ValueError("u must not be zero")
    shared = pow(client_public * pow(verifier_value, u, N) % N, ephemeral.secret, N)
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=bytes.fromhex(pad_hex(u)),
        info=HKDF_INFO,
    )
    return hkdf.derive(bytes.fromhex(pad_hex(shared)))


def claim_signature(
    key: bytes, *, pool: str, user_id: str, secret_block: bytes, timestamp: str
) -> bytes:
    """HMAC-SHA256(key, poolName ‖ userId ‖ SECRET_BLOCK ‖ timestamp): the password claim."""
    message = pool.encode() + user_id.encode() + secret_block + timestamp.encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def format_timestamp(moment: datetime) -> str:
    """`EEE MMM d HH:mm:ss UTC yyyy` in UTC, e.g. `Tue Jan 6 09:05:03 UTC 2026`."""
    moment = moment.astimezone(UTC)
    return (
        f"{_WEEKDAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day} "
        f"{moment:%H:%M:%S} UTC {moment.year}"
    )


def canonical_timestamp(text: str) -> str | None:
    """The client's TIMESTAMP as the pool reads and re-writes it before checking the claim, or
    None when it is no date in that format.

    The pool parses the date and formats it again (as a Java date format would), so a claim
    signed over another spelling of the same moment (a day with a leading zero, a weekday that
    does not match the date) does not verify.
    """
    match = _TIMESTAMP.fullmatch(text)
    if match is None or match["month"] not in _MONTHS or match["weekday"] not in _WEEKDAYS:
        return None
    try:
        moment = datetime(
            int(match["year"]),
            _MONTHS.index(match["month"]) + 1,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"]),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    return format_timestamp(moment)
