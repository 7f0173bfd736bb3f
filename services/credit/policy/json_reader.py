"""Reading a JSON configuration object with errors that name the field, for the policy file.

Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, NoReturn, TypeVar

_E = TypeVar("_E", bound=StrEnum)


class ConfigError(ValueError):
    """A configuration file is invalid; the message names the file and the field."""


class JsonObject:
    """A JSON object being read: typed getters whose errors name the path, and a final check
    that no unknown key (a typo) was left unread."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(f"{path}: must be an object")
        self._data = data
        self._path = path
        self._read: set[str] = set()

    def fail(self, key: str, problem: str) -> NoReturn:
        raise ConfigError(f"{self._path}.{key}: {problem}")

    def names(self) -> list[str]:
        return [str(k) for k in self._data]

    def _get(self, key: str, required: bool) -> Any:
        self._read.add(key)
        value = self._data.get(key)
        if value is None and required:
            self.fail(key, "is required")
        return value

    def text(self, key: str, *, required: bool = True) -> str:
        value = self._get(key, required)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            self.fail(key, "must be a non-empty string")
        return value or ""

    def integer(self, key: str, minimum: int = 0) -> int:
        value = self._get(key, True)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.fail(key, f"must be a whole number of at least {minimum}")
        return int(value)

    def number(self, key: str, low: float, high: float) -> float:
        value = self.optional_number(key, low, high)
        if value is None:
            self.fail(key, "is required")
        return value

    def optional_number(self, key: str, low: float, high: float) -> float | None:
        value = self._get(key, False)
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.fail(key, f"must be a number from {low} to {high}")
        if not low <= value <= high:
            self.fail(key, f"must be a number from {low} to {high}")
        return float(value)

    def share(self, key: str) -> float:
        return self.number(key, 0.0, 1.0)

    def choice(self, key: str, enum: type[_E]) -> _E:
        value = self.optional_choice(key, enum)
        if value is None:
            self.fail(key, "is required")
        return value

    def optional_choice(self, key: str, enum: type[_E]) -> _E | None:
        value = self._get(key, False)
        if value is None:
            return None
        try:
            return enum(value)
        except ValueError:
            self.fail(key, f"must be one of {', '.join(e.value for e in enum)}")

    def obj(self, key: str) -> JsonObject:
        return JsonObject(self._get(key, True), f"{self._path}.{key}")

    def items(self, key: str) -> list[Any]:
        value = self._get(key, True)
        if not isinstance(value, list):
            self.fail(key, "must be a list")
        return list(value)

    def done(self) -> None:
        unknown = sorted(set(self.names()) - self._read)
        if unknown:
            self.fail(unknown[0], "is not a known setting (a typo?)")
