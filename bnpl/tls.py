"""The local stack's TLS: a certificate authority made once per data folder, and the server
certificate it issues for this machine's addresses.

Browsers refuse plain `ws://` from an `https://` page, and Amplify's real-time client always
dials `wss://` for a host that is not an AppSync domain, so the emulator and the dev identity
provider also listen over HTTPS/WSS. Their certificate chains to a CA that lives in the data
folder, so a browser or operating system told to trust it once goes on trusting every stack
started from that folder, `--in-memory` ones included; `bnpl reset` leaves it alone.

What `<data folder>/tls/` holds (the folder is 0700, private keys 0600):

- `ca.pem`: the CA's certificate, the file to trust.
- `ca-key.pem`: the CA's key, kept so that a re-issued server certificate chains to the CA
  already trusted.
- `server.pem`, `server-key.pem`: the certificate the HTTPS listeners present (SANs 127.0.0.1,
  localhost and the stack's host), re-issued when missing, near expiry, for other names, or not
  from the kept CA.
"""

from __future__ import annotations

import fcntl
import ipaddress
import os
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
_LOCK_FILE = ".lock"

DEFAULT_NAMES = ("127.0.0.1", "localhost")
# Apple refuses server certificates valid for more than 825 days, even from a CA a user added,
# and Chrome caps publicly trusted ones at 398: a year stays under both.
SERVER_CERT_LIFETIME = timedelta(days=365)
# Renewed this long before expiry, so a stack left running for weeks never presents an expired one.
RENEW_BEFORE = timedelta(days=30)
# Certificates start a little in the past: a clock that lags behind must not see them as not
# valid yet.
_BACKDATE = timedelta(days=1)
_CA_ORGANIZATION = "bnpl local development"
_CA_UNIT = "bnpl local CA"


@dataclass(frozen=True)
class LocalTls:
    """Where the local CA and the server certificate are, and whether the CA is new.

    Attributes:
        folder: the `tls/` folder of the data folder.
        ca_created: the CA was made by this call: browsers trusting an earlier one must be told
            to trust this one.
    """

    folder: Path
    ca_created: bool = False

    @property
    def ca_path(self) -> Path:
        """The CA's certificate (PEM): what clients verify against and browsers trust."""
        return self.folder / CA_FILE

    @property
    def ca_key_path(self) -> Path:
        """The CA's private key (PEM, 0600)."""
        return self.folder / CA_KEY_FILE

    @property
    def cert_path(self) -> Path:
        """The server certificate (PEM), uvicorn's `ssl_certfile`."""
        return self.folder / CERT_FILE

    @property
    def key_path(self) -> Path:
        """The server certificate's private key (PEM, 0600), uvicorn's `ssl_keyfile`."""
        return self.folder / KEY_FILE


def trusting(ca_path: Path) -> ssl.SSLContext:
    """A client context that trusts the local CA and nothing else, checking host names: for
    httpx (`verify=`), `websockets` (`ssl=`) and the supervisor's probes."""
    return ssl.create_default_context(cafile=str(ca_path))


def server_names(host: str) -> tuple[str, ...]:
    """The names the server certificate is for: 127.0.0.1, localhost, and `host` when the stack
    binds one address (a wildcard address is no name a client can dial)."""
    if host in DEFAULT_NAMES or host in ("0.0.0.0", "::", ""):
        return DEFAULT_NAMES
    return (*DEFAULT_NAMES, host)


def local_tls(
    folder: Path, *, names: Sequence[str] = DEFAULT_NAMES, now: datetime | None = None
) -> LocalTls:
    """The CA and server certificate in `folder`: reused when still good, made when not.

    Args:
        folder: where they are kept (created 0700 if missing).
        names: the host names and IP addresses the server certificate must cover.
        now: the current time (tests pass another moment to see renewal).
    """
    now = now or datetime.now(UTC)
    tls = LocalTls(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Two stacks on one data folder start at once: one makes the CA, the other reuses it.
    with _locked(folder / _LOCK_FILE):
        ca = _load_ca(tls, now)
        created = ca is None
        if ca is None:
            ca = trustme.CA(organization_name=_CA_ORGANIZATION, organization_unit_name=_CA_UNIT)
            _write(tls.ca_key_path, ca.private_key_pem.bytes(), private=True)
            _write(tls.ca_path, ca.cert_pem.bytes(), private=False)
        if created or not _server_cert_good(tls, names=names, now=now):
            leaf = ca.issue_cert(
                *names, not_before=now - _BACKDATE, not_after=now + SERVER_CERT_LIFETIME
            )
            chain = b"".join(pem.bytes() for pem in leaf.cert_chain_pems)
            _write(tls.key_path, leaf.private_key_pem.bytes(), private=True)
            _write(tls.cert_path, chain, private=False)
        for key in (tls.ca_key_path, tls.key_path):
            os.chmod(key, 0o600)  # a key copied in by hand keeps no wider mode
    return LocalTls(folder, ca_created=created)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write(path: Path, data: bytes, *, private: bool) -> None:
    """Write whole or not at all; a key is 0600 from its first byte, never briefly readable."""
    temporary = path.with_name(f".{path.name}.tmp")
    with suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def _certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _public_bytes(certificate: x509.Certificate) -> bytes:
    return certificate.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def _key_matches(key_path: Path, certificate: x509.Certificate) -> bool:
    key = load_pem_private_key(key_path.read_bytes(), password=None)
    public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return public == _public_bytes(certificate)


def _load_ca(tls: LocalTls, now: datetime) -> trustme.CA | None:
    """The kept CA, or None when it is missing, unreadable, near expiry or not its key's."""
    try:
        certificate = _certificate(tls.ca_path)
        if certificate.not_valid_after_utc - now < RENEW_BEFORE or not _key_matches(
            tls.ca_key_path, certificate
        ):
            return None
        return trustme.CA.from_pem(tls.ca_path.read_bytes(), tls.ca_key_path.read_bytes())
    except (OSError, ValueError, TypeError):
        return None


def _covers(certificate: x509.Certificate, names: Sequence[str]) -> bool:
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    addresses = set(san.get_values_for_type(x509.IPAddress))
    dns_names = {name.lower() for name in san.get_values_for_type(x509.DNSName)}
    for name in names:
        try:
            if ipaddress.ip_address(name) not in addresses:
                return False
        except ValueError:
            if name.lower() not in dns_names:
                return False
    return True


def _server_cert_good(tls: LocalTls, *, names: Sequence[str], now: datetime) -> bool:
    """Whether the kept server certificate is the kept CA's, for `names`, its key's, and good
    for longer than `RENEW_BEFORE`."""
    try:
        certificate = _certificate(tls.cert_path)
        certificate.verify_directly_issued_by(_certificate(tls.ca_path))
        return (
            certificate.not_valid_before_utc <= now
            and certificate.not_valid_after_utc - now >= RENEW_BEFORE
            and _covers(certificate, names)
            and _key_matches(tls.key_path, certificate)
        )
    except (OSError, ValueError, TypeError, InvalidSignature):
        return False


def trust_instructions(ca_path: Path, *, created: bool = False) -> str:
    """How to make browsers and tools trust the local CA: one command per platform.

    Args:
        ca_path: the CA's certificate.
        created: the CA is new (made by this run): say so, since a browser trusting an
            earlier one does not trust this one.
    """
    nssdb = "<dir>/.pki/nssdb"
    new = " (new: made by this run)" if created else ""
    return "\n".join(
        [
            f"  Trust the local CA once: {ca_path}{new}",
            "    Debian/Ubuntu  sudo cp "
            f"{ca_path} /usr/local/share/ca-certificates/bnpl-local-ca.crt"
            " && sudo update-ca-certificates",
            "    macOS          sudo security add-trusted-cert -d -r trustRoot"
            f" -k /Library/Keychains/System.keychain {ca_path}",
            f"    Chromium       mkdir -p {nssdb} && certutil -d sql:{nssdb} -N --empty-password"
            f' && certutil -d sql:{nssdb} -A -t "C,," -n bnpl-local -i {ca_path}',
            "                   then HOME=<dir> chromium (a throwaway NSS database)",
            f"    Node, Python   NODE_EXTRA_CA_CERTS={ca_path}; httpx.Client(verify=<that path>)",
            "",
        ]
    )
