"""AppSync's built-in AWS scalars: the formats AppSync accepts, for inputs and for results.

A schema uses the `NewType`s below as field types and builds with `SCALAR_MAP`; the executable
schema gets the same parse and serialize functions through `install_scalars`. AppSync forbids
declaring these scalars in the SDL, so `appsync.sdl` strips them from the printed schema.

Formats follow the AppSync developer guide, "Scalar types" (appsync.md §2). Refusals carry
AppSync's own wording: AppSync reports a bad variable as "Variable 'phone' has an invalid value.
Unable to parse `1110004444` as a valid phone number." and a bad result as "Can't serialize value
(/path) : Unable to serialize `...` as a valid DateTime Object." (quoted in aws-amplify issues
flutter#822 and js#5963, cli#2033); `appsync.validation` adds the prefixes.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, NewType
from urllib.parse import urlsplit

import strawberry
from graphql import GraphQLScalarType, GraphQLSchema

AWSDate = NewType("AWSDate", str)
AWSTime = NewType("AWSTime", str)
AWSDateTime = NewType("AWSDateTime", str)
AWSTimestamp = NewType("AWSTimestamp", int)
AWSEmail = NewType("AWSEmail", str)
AWSJSON = NewType("AWSJSON", object)
AWSPhone = NewType("AWSPhone", str)
AWSURL = NewType("AWSURL", str)
AWSIPAddress = NewType("AWSIPAddress", str)

_OFFSET = r"(?:Z|[+-]\d{2}:\d{2}(?::\d{2})?)"
_DATE = re.compile(rf"^([+-]?\d{{4,}})-(\d{{2}})-(\d{{2}})({_OFFSET})?$")
_TIME = r"(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?"
_TIME_RE = re.compile(rf"^{_TIME}({_OFFSET})?$")
_DATETIME = re.compile(rf"^([+-]?\d{{4,}})-(\d{{2}})-(\d{{2}})T{_TIME}({_OFFSET})$")
# RFC 822 addr-spec, as far as a single regular expression sensibly goes: no spaces, one `@`,
# a domain of one or more labels. AppSync takes `a@b` (RFC 822 allows a single-label domain;
# amplify-js aligned its AWSEmail check with AppSync to accept it, PR aws-amplify/amplify-js#7717).
_EMAIL = re.compile(
    r"^[^@\s\"(),:;<>\[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)
# Digit groups separated by single spaces or hyphens, with an optional `+country` prefix.
_PHONE = re.compile(r"^\+?\d+(?:[ -]\d+)*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class ScalarFormatError(ValueError):
    """A value that is not in the scalar's format.

    `str()` is AppSync's parse message ("Unable to parse `x` as a valid DateTime Object.");
    `serialize_message` is the one for a result that does not serialize.

    Attributes:
        scalar: the scalar's name, e.g. `AWSDateTime`.
        value: the refused value.
    """

    def __init__(self, scalar: str, value: object) -> None:
        self.scalar, self.value = scalar, value
        super().__init__(_parse_message(scalar, value))

    @property
    def serialize_message(self) -> str:
        """AppSync's wording for a resolver result the scalar cannot serialize."""
        return f"Unable to serialize `{_java_text(self.value)}` as a valid {_LABELS[self.scalar]}."


# What AppSync's scalar implementations call each format in their messages. DateTime Object,
# phone number and JSON are quoted from AppSync responses (see the module docstring); the others
# follow the same pattern and are UNVERIFIED.
_LABELS = {
    "AWSDate": "Date Object",
    "AWSTime": "Time Object",
    "AWSDateTime": "DateTime Object",
    "AWSTimestamp": "Timestamp",
    "AWSEmail": "email address",
    "AWSJSON": "JSON",
    "AWSPhone": "phone number",
    "AWSURL": "URL",
    "AWSIPAddress": "IP address",
}


def _java_text(value: object) -> str:
    """A value as Java's `toString` prints it: AppSync's messages show the JVM's view of the
    variables' JSON (`{key1=hi, key2=3}`, `[]`, `true`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={_java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_java_text(v) for v in value) + "]"
    return str(value)


def _parse_message(scalar: str, value: object) -> str:
    if scalar == "AWSJSON":  # AppSync: "Unable to parse [] as valid JSON." (no backticks)
        return f"Unable to parse {_java_text(value)} as valid JSON."
    return f"Unable to parse `{_java_text(value)}` as a valid {_LABELS[scalar]}."


def _invalid(scalar: str, value: object) -> ScalarFormatError:
    return ScalarFormatError(scalar, value)


def _check_offset(offset: str | None) -> bool:
    if not offset or offset == "Z":
        return True
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    return hours <= 18 and minutes < 60


def _check_date(year: str, month: str, day: str) -> bool:
    try:
        # The calendar check: rejects 2026-02-30. Extended years fall back to a leap-year-free
        # check of the day of the month, which is all Python's date can say about them.
        y = int(year)
        dt.date(y if 1 <= y <= 9999 else 2001, int(month), int(day))
    except ValueError:
        return False
    return True


def _check_clock(hour: str, minute: str, second: str | None) -> bool:
    return int(hour) < 24 and int(minute) < 60 and (second is None or int(second) < 60)


def parse_date(value: object) -> str:
    """AWSDate: `YYYY-MM-DD` with an optional offset (`1970-01-01Z`, `1970-01-01-07:00`)."""
    match = _DATE.match(value) if isinstance(value, str) else None
    if not match or not _check_date(*match.group(1, 2, 3)) or not _check_offset(match.group(4)):
        raise _invalid("AWSDate", value)
    return match.string


def parse_time(value: object) -> str:
    """AWSTime: `hh:mm[:ss[.sss]]` with an optional offset."""
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if not match or not _check_clock(*match.group(1, 2, 3)) or not _check_offset(match.group(4)):
        raise _invalid("AWSTime", value)
    return match.string


def parse_datetime(value: object) -> str:
    """AWSDateTime: date, `T`, time and a *mandatory* offset; up to nanoseconds."""
    match = _DATETIME.match(value) if isinstance(value, str) else None
    if (
        not match
        or not _check_date(*match.group(1, 2, 3))
        or not _check_clock(*match.group(4, 5, 6))
        or not _check_offset(match.group(7))
    ):
        raise _invalid("AWSDateTime", value)
    return match.string


def serialize_datetime(value: object) -> str:
    """Results may be `datetime`s (naive ones are taken as UTC) or strings in the format."""
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.isoformat().replace("+00:00", "Z")
    return parse_datetime(value)


def serialize_date(value: object) -> str:
    """Results may be `date`s or strings in the format."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return parse_date(value)


_LONG = 1 << 63


def parse_timestamp(value: object) -> int:
    """AWSTimestamp: whole seconds since the epoch, negative allowed (a JVM `long`)."""
    if isinstance(value, bool) or not isinstance(value, int) or not -_LONG <= value < _LONG:
        raise _invalid("AWSTimestamp", value)
    return value


def parse_email(value: object) -> str:
    """AWSEmail: `local-part@domain-part`."""
    if not isinstance(value, str) or len(value) > 254 or not _EMAIL.match(value):
        raise _invalid("AWSEmail", value)
    return value


def parse_json(value: object) -> Any:
    """AWSJSON input arrives as a JSON *string*; resolvers see the parsed value."""
    if not isinstance(value, str):
        raise _invalid("AWSJSON", value)
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise _invalid("AWSJSON", value) from None


def serialize_json(value: object) -> str:
    """AWSJSON results go out as JSON strings."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def parse_phone(value: object) -> str:
    """AWSPhone: digit groups separated by spaces or hyphens, optional `+` country code."""
    if not isinstance(value, str) or not _PHONE.match(value):
        raise _invalid("AWSPhone", value)
    digits = sum(ch.isdigit() for ch in value)
    if not 5 <= digits <= 15:  # E.164 allows at most 15 digits
        raise _invalid("AWSPhone", value)
    return value


def parse_url(value: object) -> str:
    """AWSURL: RFC 1738 with a scheme; `//` may not appear in the path."""
    if not isinstance(value, str) or " " in value or not _SCHEME.match(value):
        raise _invalid("AWSURL", value)
    parts = urlsplit(value)
    hierarchical = value[len(parts.scheme) + 1 :].startswith("//")
    if (hierarchical and not parts.netloc) or "//" in parts.path:
        raise _invalid("AWSURL", value)
    return value


def parse_ip_address(value: object) -> str:
    """AWSIPAddress: IPv4 or IPv6, optionally with a CIDR prefix (`123.12.34.56/24`)."""
    if not isinstance(value, str):
        raise _invalid("AWSIPAddress", value)
    try:
        if "/" in value:
            ipaddress.ip_network(value, strict=False)
        else:
            ipaddress.ip_address(value)
    except ValueError:
        raise _invalid("AWSIPAddress", value) from None
    return value


# name -> (parse input, serialize result)
_FORMATS: dict[str, tuple[Callable[[object], Any], Callable[[object], Any]]] = {
    "AWSDate": (parse_date, serialize_date),
    "AWSTime": (parse_time, parse_time),
    "AWSDateTime": (parse_datetime, serialize_datetime),
    "AWSTimestamp": (parse_timestamp, parse_timestamp),
    "AWSEmail": (parse_email, parse_email),
    "AWSJSON": (parse_json, serialize_json),
    "AWSPhone": (parse_phone, parse_phone),
    "AWSURL": (parse_url, parse_url),
    "AWSIPAddress": (parse_ip_address, parse_ip_address),
}

AWS_SCALAR_NAMES = frozenset(_FORMATS)

SCALAR_MAP: dict[object, Any] = {
    new_type: strawberry.scalar(
        name=new_type.__name__,
        serialize=_FORMATS[new_type.__name__][1],
        parse_value=_FORMATS[new_type.__name__][0],
    )
    for new_type in (
        AWSDate,
        AWSTime,
        AWSDateTime,
        AWSTimestamp,
        AWSEmail,
        AWSJSON,
        AWSPhone,
        AWSURL,
        AWSIPAddress,
    )
}
"""`StrawberryConfig(scalar_map=SCALAR_MAP)` makes a Strawberry schema use the AWS scalars."""


def install_scalars(schema: GraphQLSchema) -> None:
    """Give an executable schema's AWS scalars their formats (they arrive as plain scalars)."""
    for name, (parse, serialize) in _FORMATS.items():
        scalar = schema.type_map.get(name)
        if isinstance(scalar, GraphQLScalarType):
            # graphql-core 3.3 reads the coerce_* copies it made at construction time.
            scalar.parse_value = scalar.coerce_input_value = parse  # type: ignore[method-assign,assignment]
            scalar.serialize = scalar.coerce_output_value = serialize  # type: ignore[method-assign,assignment]
