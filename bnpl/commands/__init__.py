"""The work behind each `bnpl` command, one module per command; `groups` declares the arguments
of the commands that take a sub-command."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from bnpl.settings import DevSettings
from services.shared.settings import Settings


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


def table_environ(endpoint: str | None, table_prefix: str | None) -> dict[str, str]:
    """The environment of a command that reads the tables: the local stack's, with the fake
    credentials DynamoDB Local takes (as `bnpl dev`), or `endpoint`'s with the caller's own AWS
    credentials from their environment; `table_prefix` overrides the tables' prefix."""
    if endpoint is None:
        environ = dev_settings().service_environ()
    else:
        environ = {"BNPL_DYNAMODB_ENDPOINT": endpoint}
    if table_prefix is not None:
        environ["BNPL_TABLE_PREFIX"] = table_prefix
    return environ


def table_settings(environ: Mapping[str, str]) -> Settings:
    """The services' settings under `table_environ`'s values."""
    return Settings.from_environ({**os.environ, **environ})
