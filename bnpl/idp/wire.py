"""Cognito's request members, read and checked the way the service checks them.

Requests are AWS JSON 1.1 objects whose members are PascalCase; AWS names a member in its
validation errors in camelCase (`Value null at 'clientId'`), and a value of the wrong JSON type
is a SerializationException.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bnpl.idp import errors

MAX_USERNAME = 128
MAX_PASSWORD = 256
MAX_TOKEN = 16384


def _camel(member: str) -> str:
    return member[:1].lower() + member[1:]


def _serialization(member: str) -> errors.CognitoError:
    return errors.CognitoError(
        "SerializationException", f"Unexpected value type for member {member}"
    )


class Request:
    """An operation's input object."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        self._body = body

    def has(self, member: str) -> bool:
        return self._body.get(member) is not None

    def string(self, member: str, *, max_length: int = 2048) -> str:
        """A required string member.

        Raises:
            CognitoError: missing or empty (InvalidParameterException), too long, or not a
                string (SerializationException).
        """
        value = self.optional_string(member, max_length=max_length)
        if value is None:
            raise errors.missing(_camel(member))
        return value

    def optional_string(self, member: str, *, max_length: int = 2048) -> str | None:
        value = self._body.get(member)
        if value is None:
            return None
        if not isinstance(value, str):
            raise _serialization(member)
        if not value:
            raise errors.invalid_parameter(
                f"1 validation error detected: Value at '{_camel(member)}' failed to satisfy "
                "constraint: Member must have length greater than or equal to 1"
            )
        if len(value) > max_length:
            raise errors.invalid_parameter(
                f"1 validation error detected: Value at '{_camel(member)}' failed to satisfy "
                f"constraint: Member must have length less than or equal to {max_length}"
            )
        return value

    def password(self, member: str) -> str:
        """A password member: at most 256 characters, no leading or trailing whitespace."""
        value = self.string(member, max_length=MAX_PASSWORD)
        if value != value.strip():
            raise errors.invalid_parameter(
                f"1 validation error detected: Value at '{_camel(member)}' failed to satisfy "
                r"constraint: Member must satisfy regular expression pattern: ^[\S]+.*[\S]+$"
            )
        return value

    def string_map(self, member: str) -> dict[str, str]:
        """A string → string map member (AuthParameters, ChallengeResponses); {} if absent."""
        value = self._body.get(member)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise _serialization(member)
        return dict(value)

    def attributes(self, member: str) -> list[tuple[str, str]]:
        """An AttributeType list member as (name, value) pairs; [] if absent."""
        value = self._body.get(member)
        if value is None:
            return []
        if not isinstance(value, list):
            raise _serialization(member)
        pairs: list[tuple[str, str]] = []
        for entry in value:
            if not isinstance(entry, dict) or not isinstance(entry.get("Name"), str):
                raise _serialization(member)
            if not isinstance(entry.get("Value", ""), str):
                raise _serialization(member)
            pairs.append((entry["Name"], entry.get("Value", "")))
        return pairs


def required_parameter(parameters: Mapping[str, str], name: str) -> str:
    """An entry of AuthParameters or ChallengeResponses that the flow needs."""
    value = parameters.get(name)
    if not value:
        raise errors.invalid_parameter(f"Missing required parameter {name}")
    return value
