"""Reading back a JSON object our own code wrote (a `to_json`), exactly or not at all.

State that crosses a process boundary as JSON (a workflow run's state between its Step
Functions states) must come back as the very object that was written. So a missing key is a
KeyError, and an unknown key, a value of the wrong type or an invalid value is a ValueError:
never a default or a coercion that hands the next step a different object.

Pure: standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import Enum
from types import TracebackType
from typing import Any, TypeVar, cast

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

# A JSON number may be written without a fraction ("2"), so a float field takes an int too.
_ACCEPTED: Mapping[type, tuple[type, ...]] = {float: (int, float)}


class JsonRecord:
    """One JSON object being read back: typed getters, and on leaving the `with` block a
    check that every key was read (an unknown key is a field this code would drop).

    Args:
        data: the decoded JSON value, expected to be an object.
        where: what the object is, named in every error.

    Example:
        >>> with JsonRecord({"amount": 1999, "currency": "GBP"}, "Money") as record:
        ...     record.value("amount", int), record.value("currency", str)
        (1999, 'GBP')
    """

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"{where}: must be a JSON object, not {type(data).__name__}")
        self._data: dict[str, Any] = data
        self._where = where
        self._read: set[str] = set()

    def __enter__(self) -> JsonRecord:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.done()

    def done(self) -> None:
        """Raises ValueError when a key was left unread."""
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise ValueError(f"{self._where}: unknown key {unknown[0]!r}")

    def _at(self, key: str) -> str:
        return f"{self._where}.{key}"

    def _get(self, key: str) -> Any:
        self._read.add(key)
        if key not in self._data:
            raise KeyError(self._at(key))
        return self._data[key]

    def _typed(self, key: str, value: object, kind: type[T]) -> T:
        # bool is an int in Python, but a flag is never a count and a count never a flag.
        if isinstance(value, bool) is not (kind is bool) or not isinstance(
            value, _ACCEPTED.get(kind, kind)
        ):
            raise ValueError(f"{self._at(key)}: must be {kind.__name__}, not {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{self._at(key)}: must be a finite number, not {value!r}")
        return cast(T, value)

    def value(self, key: str, kind: type[T]) -> T:
        """A scalar (`str`, `int`, `float` or `bool`); null is refused."""
        return self._typed(key, self._get(key), kind)

    def optional(self, key: str, kind: type[T]) -> T | None:
        """A scalar or null (the key must still be there)."""
        value = self._get(key)
        return None if value is None else self._typed(key, value, kind)

    def values(self, key: str, kind: type[T]) -> list[T]:
        """A list of scalars of one kind."""
        return [self._typed(key, item, kind) for item in self.items(key)]

    def items(self, key: str) -> list[Any]:
        """A list, its items as they are."""
        value = self._get(key)
        if not isinstance(value, list):
            raise ValueError(f"{self._at(key)}: must be a list, not {value!r}")
        return value

    def mapping(self, key: str) -> dict[str, Any]:
        """A JSON object taken whole (a payload this code does not interpret)."""
        value = self._get(key)
        if not isinstance(value, dict):
            raise ValueError(f"{self._at(key)}: must be a JSON object, not {value!r}")
        return dict(value)

    def choice(self, key: str, enum: type[E]) -> E:
        """An enum member, by its value."""
        value = self.value(key, str)
        try:
            return enum(value)
        except ValueError:
            raise ValueError(f"{self._at(key)}: {value!r} is not a {enum.__name__}") from None

    def optional_choice(self, key: str, enum: type[E]) -> E | None:
        """An enum member by its value, or null."""
        return None if self._peek_null(key) else self.choice(key, enum)

    def iso_date(self, key: str) -> date:
        """A date written by `date.isoformat`."""
        return self._parsed(key, date.fromisoformat)

    def iso_datetime(self, key: str) -> datetime:
        """A datetime written by `datetime.isoformat` (its offset, if any, kept)."""
        return self._parsed(key, datetime.fromisoformat)

    def optional_iso_datetime(self, key: str) -> datetime | None:
        """A datetime written by `datetime.isoformat`, or null."""
        return None if self._peek_null(key) else self.iso_datetime(key)

    def decode(self, key: str, read: Callable[[Any], T]) -> T:
        """A nested object, read by `read` (a `from_json`); its errors name this key too."""
        value = self._get(key)
        try:
            return read(value)
        except (KeyError, ValueError) as exc:
            exc.add_note(f"in {self._at(key)}")
            raise

    def optional_decode(self, key: str, read: Callable[[Any], T]) -> T | None:
        """A nested object read by `read`, or null."""
        return None if self._peek_null(key) else self.decode(key, read)

    def decode_all(self, key: str, read: Callable[[Any], T]) -> list[T]:
        """A list of nested objects, each read by `read`."""
        decoded = []
        for index, item in enumerate(self.items(key)):
            try:
                decoded.append(read(item))
            except (KeyError, ValueError) as exc:
                exc.add_note(f"in {self._at(key)}[{index}]")
                raise
        return decoded

    def _peek_null(self, key: str) -> bool:
        return self._get(key) is None

    def _parsed(self, key: str, parse: Callable[[str], T]) -> T:
        text = self.value(key, str)
        try:
            return parse(text)
        except ValueError:
            raise ValueError(f"{self._at(key)}: {text!r} is not ISO 8601") from None
