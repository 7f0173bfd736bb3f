"""The product's local API takes its introspection switch and limits from settings."""

from __future__ import annotations

import dataclasses

import pytest

from appsync.limits import RESOLVER_COUNT_LIMIT
from bnpl.emulator import api_config
from services.shared.settings import Settings


def _settings(**changes: object) -> Settings:
    return dataclasses.replace(Settings.from_environ({}), **changes)  # type: ignore[arg-type]


def test_the_settings_reach_the_api_config():
    config = api_config(
        _settings(introspection_config="DISABLED", query_depth_limit=3, resolver_count_limit=7)
    )
    assert (config.introspection_config, config.query_depth_limit) == ("DISABLED", 3)
    assert config.resolver_count_limit == 7


def test_the_defaults_limit_depth_and_resolvers_as_the_dev_environment_does():
    config = api_config(Settings.from_environ({}))
    assert (config.introspection_config, config.query_depth_limit) == ("ENABLED", 10)
    assert config.resolver_count_limit == 100 < RESOLVER_COUNT_LIMIT


def test_a_resolver_count_limit_of_0_is_appsyncs_default_as_in_terraform():
    assert api_config(_settings(resolver_count_limit=0)).resolver_count_limit == 10_000


@pytest.mark.parametrize(
    ("setting", "value"),
    [("query_depth_limit", 76), ("query_depth_limit", -1), ("resolver_count_limit", 10_001)],
)
def test_limits_appsync_refuses_are_refused(setting, value):
    with pytest.raises(ValueError, match=setting):
        api_config(_settings(**{setting: value}))
