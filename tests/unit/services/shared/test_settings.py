"""Settings from the environment: the local API's introspection switch and execution limits."""

from __future__ import annotations

import pytest

from services.shared.settings import (
    DEFAULT_INTROSPECTION_CONFIG,
    DEFAULT_QUERY_DEPTH_LIMIT,
    DEFAULT_RESOLVER_COUNT_LIMIT,
    Settings,
)


def test_the_limits_default_to_the_dev_environments_terraform_defaults():
    """tests/infra/test_limits.py holds these equal to infra/envs/dev/variables.tf."""
    settings = Settings.from_environ({})
    assert settings.introspection_config == DEFAULT_INTROSPECTION_CONFIG == "ENABLED"
    assert settings.query_depth_limit == DEFAULT_QUERY_DEPTH_LIMIT == 10
    assert settings.resolver_count_limit == DEFAULT_RESOLVER_COUNT_LIMIT == 100


def test_the_limits_are_read_from_the_environment():
    settings = Settings.from_environ(
        {
            "BNPL_INTROSPECTION_CONFIG": "DISABLED",
            "BNPL_QUERY_DEPTH_LIMIT": "0",
            "BNPL_RESOLVER_COUNT_LIMIT": "250",
        }
    )
    assert (
        settings.introspection_config,
        settings.query_depth_limit,
        settings.resolver_count_limit,
    ) == ("DISABLED", 0, 250)


@pytest.mark.parametrize("value", ["disabled", "OFF", ""])
def test_introspection_is_enabled_or_disabled_as_terraform_spells_it(value):
    with pytest.raises(ValueError, match="BNPL_INTROSPECTION_CONFIG must be ENABLED or DISABLED"):
        Settings.from_environ({"BNPL_INTROSPECTION_CONFIG": value})


def test_a_limit_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError, match="invalid literal"):
        Settings.from_environ({"BNPL_QUERY_DEPTH_LIMIT": "ten"})
