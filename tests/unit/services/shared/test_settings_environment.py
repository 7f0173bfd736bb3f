"""`ENVIRONMENT` declares exactly the variables the services read; Terraform is held to it."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping

from services.credit.webhooks.settings import WebhookSettings
from services.scoring import app as scoring_app
from services.shared.environment import COMPONENTS, ENVIRONMENT
from services.shared.settings import Settings

SETTINGS_READER = "Settings.from_environ"
WEBHOOK_SETTINGS_READER = "WebhookSettings.from_environ"


class RecordingEnviron(Mapping[str, str]):
    """An environment that remembers every name looked up in it, set or not."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = dict(values or {})
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.read.add(name)
        return name in self._values

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.read.add(name)
        return self._values.get(name, default)

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("Settings must look variables up by name, not list them")

    def __len__(self) -> int:
        return len(self._values)


def _declared(reader: str) -> set[str]:
    return {var.name for var in ENVIRONMENT if var.reader == reader}


def test_from_environ_reads_exactly_the_declared_variables():
    environ = RecordingEnviron()
    Settings.from_environ(environ)
    assert environ.read == _declared(SETTINGS_READER)


def test_the_declared_variables_are_read_with_every_variable_set():
    # Some defaults are built from other variables only when a value is missing (the JWKS URL
    # from the issuer, the URLs from host and port); with all set, nothing new may be read.
    values = {
        name: "ENABLED" if name == "BNPL_INTROSPECTION_CONFIG" else "1"
        for name in _declared(SETTINGS_READER)
    }
    values |= {
        "BNPL_MESSAGING": "outbox",
        "BNPL_EVENTS": "outbox",
        "BNPL_USER_SERVICE_AUTH": "iam",
        "BNPL_PAYMENTS": "none",
        "BNPL_WORKFLOW_ENGINE": "step_functions",
    }
    environ = RecordingEnviron(values)
    Settings.from_environ(environ)
    assert environ.read <= _declared(SETTINGS_READER)


def test_webhook_settings_read_exactly_the_declared_variables():
    environ = RecordingEnviron()
    WebhookSettings.from_environ(environ)
    assert environ.read == _declared(WEBHOOK_SETTINGS_READER)


def test_webhook_settings_read_nothing_more_with_every_variable_set():
    values = dict.fromkeys(_declared(WEBHOOK_SETTINGS_READER), "1")
    values |= {"BNPL_WEBHOOK_SECRETS": "secretsmanager", "BNPL_WEBHOOKS_ALLOW_LOCAL": "false"}
    environ = RecordingEnviron(values)
    WebhookSettings.from_environ(environ)
    assert environ.read == _declared(WEBHOOK_SETTINGS_READER)


def test_variables_read_elsewhere_are_read_there():
    for var in ENVIRONMENT:
        if var.reader == "services.scoring.app.create_app":
            assert f'"{var.name}"' in inspect.getsource(scoring_app.create_app), var.name
        else:
            assert var.reader in (SETTINGS_READER, WEBHOOK_SETTINGS_READER), var


def test_each_variable_is_declared_once_and_described():
    names = [var.name for var in ENVIRONMENT]
    assert len(names) == len(set(names))
    assert all(var.description.strip() for var in ENVIRONMENT)


def test_a_component_requires_only_what_it_reads():
    for var in ENVIRONMENT:
        assert var.required_by <= var.read_by, var.name
        assert var.read_by <= set(COMPONENTS), var.name


def test_every_component_reads_something():
    read = {component for var in ENVIRONMENT for component in var.read_by}
    assert read == set(COMPONENTS)
