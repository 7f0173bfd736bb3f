"""The work behind each `bnpl` command, one module per command."""

from __future__ import annotations

from bnpl.settings import DevSettings


class UsageError(Exception):
    """Bad input from the command line or the environment: exit code 2, one-line message."""


def dev_settings() -> DevSettings:
    """The local stack's settings from the environment.

    Raises:
        UsageError: a port variable is not a number.
    """
    try:
        return DevSettings.from_environ()
    except ValueError as exc:
        raise UsageError(f"invalid setting in the environment: {exc}") from exc
