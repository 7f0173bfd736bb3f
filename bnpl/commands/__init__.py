"""The work behind each `bnpl` command, one module per command; `groups` declares the arguments
of the commands that take a sub-command."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

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


@contextmanager
def local_environment(values: Mapping[str, str]) -> Iterator[None]:
    """The process environment with `values` set, restored afterwards (botocore reads the
    local stack's fake credentials from it)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
