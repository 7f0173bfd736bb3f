"""SigV4 signatures computed for verification, exactly as botocore's `SigV4Auth` computes them.

botocore can sign a request but has no API to verify one: verifying with it means rebuilding an
`AWSRequest` and running the signer's canonicalisation (email-style header maps, a prepared
request for the body, path normalisation), about 40 µs per request even with the day's signing
key cached, against about 6 µs here (a small GraphQL POST, warm). This module builds the same
canonical request and string to sign directly from the request's parts, and keeps what repeats
between requests: the canonical path, query and header list of a URL and `SignedHeaders`
value, and each day's keyed HMAC. Every step mirrors `SigV4Auth` in the installed botocore;
tests/unit/appsync/auth/test_sigv4.py holds the two to the same answers.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from botocore.auth import SIGNED_HEADERS_BLACKLIST
from botocore.utils import normalize_url_path

ALGORITHM = "AWS4-HMAC-SHA256"
# botocore leaves these out of the canonical request even when the client lists them.
_UNSIGNABLE = frozenset(SIGNED_HEADERS_BLACKLIST)


def signature(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    signed_headers: str,
    payload_hash: str,
    amz_date: str,
    secret_access_key: str,
    region: str,
    service: str,
) -> str:
    """The hex signature botocore would put on the request.

    Args:
        headers: the request's headers, lower-cased names; every signed one must be present.
        signed_headers: the `SignedHeaders` value of the `Authorization` header.
        payload_hash: the hex SHA-256 of the body (botocore uses `x-amz-content-sha256`
            instead when that header is signed; callers check the two agree).
        amz_date: the `X-Amz-Date` the client signed at; its first 8 characters are the
            date of the scope and of the signing key, as in botocore.
    """
    canonical = canonical_request(method, url, headers, signed_headers, payload_hash)
    date = amz_date[0:8]
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    to_sign = f"{ALGORITHM}\n{amz_date}\n{date}/{region}/{service}/aws4_request\n{digest}"
    mac = _signer(secret_access_key, date, region, service).copy()
    mac.update(to_sign.encode("utf-8"))
    return mac.hexdigest()


def canonical_request(
    method: str, url: str, headers: Mapping[str, str], signed_headers: str, payload_hash: str
) -> str:
    """`SigV4Auth.canonical_request` for a request carrying only its signed headers."""
    head, names, tail = _frame(method, url, signed_headers)
    # Trimall as botocore does it: `str.split()` also splits on Unicode whitespace.
    values = [f"{name}:{' '.join(headers[name].split())}\n" for name in names]
    return f"{head}{''.join(values)}{tail}{payload_hash}"


@functools.lru_cache(maxsize=256)
def _frame(method: str, url: str, signed_headers: str) -> tuple[str, tuple[str, ...], str]:
    """What the canonical request holds around the header values: the method, the canonical
    path and query, the names of the headers to sign in order, and the `SignedHeaders` line.
    Requests to one endpoint from one client repeat these, so they are built once."""
    parts = urlsplit(url)
    path = quote(normalize_url_path(parts.path), safe="/~")
    query = ""
    if parts.query:
        # botocore sorts the query's pairs as sent, without re-encoding them.
        pairs = sorted(pair.partition("=")[::2] for pair in parts.query.split("&"))
        query = "&".join(f"{key}={value}" for key, value in pairs)
    names = tuple(sorted(set(signed_headers.split(";")) - _UNSIGNABLE))
    return f"{method.upper()}\n{path}\n{query}\n", names, f"\n{';'.join(names)}\n"


@functools.lru_cache(maxsize=256)
def _signer(secret_access_key: str, date: str, region: str, service: str) -> hmac.HMAC:
    # One keyed HMAC per day and scope, copied for each request: deriving the key takes four
    # HMACs, and keying one costs more than the signature itself.
    key = signing_key(secret_access_key, date, region, service)
    return hmac.new(key, digestmod=hashlib.sha256)


def signing_key(secret_access_key: str, date: str, region: str, service: str) -> bytes:
    """The HMAC chain date → region → service → aws4_request (derived once a day and scope,
    by `_signer`)."""
    key = f"AWS4{secret_access_key}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key
