"""Where webhooks may be sent: the URL rules and the SSRF guard.

A merchant names a URL; the sender must never be turned against our own network. In AWS a
receiver is HTTPS, on port 443, on a public address: private (RFC 1918, unique-local), loopback,
link-local (which holds the instance metadata service), shared, multicast, reserved and
unspecified addresses are refused, both when the URL is given and, because a name can be
re-pointed after it was checked, at the moment the sender connects (`transport.py`). The local
stack allows plain HTTP to loopback, where `bnpl webhooks listen` and developers' receivers run.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from services.shared.errors import ValidationError

URL_MAX_CHARS = 2048
_LOCAL_NAMES = frozenset({"localhost"})
# A public host is named by DNS, as the API document's pattern says: labels of letters, digits
# and hyphens, the last starting with a letter (so no address literal passes for a name).
_DNS_NAME = re.compile(r"(?:[a-z0-9-]+\.)+[a-z][a-z0-9-]*")


def check_url(url: object, *, allow_local: bool) -> str:
    """`url` if a webhook may be sent there.

    Raises:
        ValidationError: not an absolute https URL (http only to loopback when `allow_local`),
            has credentials, a fragment or a space, names an address the sender may not reach,
            or names a host other than loopback by anything but a DNS name.
    """
    if not isinstance(url, str) or not url or len(url) > URL_MAX_CHARS:
        raise ValidationError(
            f"url must be an absolute URL of at most {URL_MAX_CHARS} characters", field="url"
        )
    if any(character.isspace() for character in url):
        raise ValidationError("url must not contain spaces", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number from 0 to 65535
    except ValueError:
        raise ValidationError("url is not a valid URL", field="url") from None
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in {"https", "http"} or not host:
        raise ValidationError("url must be an absolute https URL", field="url")
    if parts.username is not None or parts.password is not None:
        raise ValidationError("url must not carry credentials", field="url")
    if parts.fragment:
        raise ValidationError("url must not have a fragment", field="url")
    local = host in _LOCAL_NAMES or _is_loopback(host)
    if parts.scheme == "http" and not (allow_local and local):
        raise ValidationError("url must use https", field="url")
    if local and not allow_local:
        raise ValidationError("url must not point at this machine", field="url")
    # In AWS the sender's network lets HTTPS out on its own port only.
    if not allow_local and port not in (None, 443):
        raise ValidationError("url must use https's own port, 443", field="url")
    literal = _literal(host)
    if literal is not None and not permitted(literal, allow_local=allow_local):
        raise ValidationError("url must point at a public address", field="url")
    if not local and not _DNS_NAME.fullmatch(host):
        raise ValidationError("url must name its host by a public DNS name", field="url")
    return url


def permitted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_local: bool) -> bool:
    """Whether the sender may connect to `address`: a global one, or loopback locally."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return allow_local
    return address.is_global and not address.is_multicast


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _is_loopback(host: str) -> bool:
    literal = _literal(host)
    if isinstance(literal, ipaddress.IPv6Address) and literal.ipv4_mapped is not None:
        literal = literal.ipv4_mapped
    return literal is not None and literal.is_loopback
