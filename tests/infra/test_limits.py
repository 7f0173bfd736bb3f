"""The API's introspection switch and execution limits: the same locally and in Terraform.

AppSync's `introspection_config`, `query_depth_limit` and `resolver_count_limit` are set in the
dev environment's Terraform variables (infra/envs/dev/variables.tf), which are the source of
truth; the local emulator reads the same three from settings (`BNPL_INTROSPECTION_CONFIG`,
`BNPL_QUERY_DEPTH_LIMIT`, `BNPL_RESOLVER_COUNT_LIMIT`) whose defaults must be those defaults, so
`bnpl dev` refuses what the deployed API refuses. The module's own defaults are AppSync's
(appsync/limits.py). The .tf files are read with a small parser for `terraform fmt`-formatted
variable blocks whose defaults are literals; it fails rather than guess.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from appsync.config import ApiConfig
from appsync.limits import QUERY_DEPTH_LIMIT_OFF, RESOLVER_COUNT_LIMIT
from bnpl.emulator import api_config
from services.shared.settings import Settings
from tests.infra.conftest import INFRA

pytestmark = pytest.mark.infra

LIMITS = ("introspection_config", "query_depth_limit", "resolver_count_limit")
_VARIABLE = re.compile(r'^variable "(?P<name>[A-Za-z0-9_-]+)" \{\n(?P<body>.*?)^\}$', re.M | re.S)
# A block's own attributes are indented by two spaces (terraform fmt, which test_fmt enforces);
# nested blocks and heredoc lines are indented further.
_DEFAULT = re.compile(r"^  default\s*=\s*(?P<value>.+?)\s*$", re.M)
_NO_DEFAULT = object()
# ApiConfig's defaults are AppSync's.
APPSYNC_DEFAULTS = {f.name: f.default for f in dataclasses.fields(ApiConfig) if f.name in LIMITS}


def variable_defaults(path: Path) -> dict[str, Any]:
    """Each variable of a .tf file and its default (`_NO_DEFAULT` when it has none).

    Defaults must be literals HCL and JSON write alike (numbers, "strings", true, false, null,
    [], {}); anything else fails the test instead of being guessed at.
    """
    text = path.read_text(encoding="utf-8")
    defaults: dict[str, Any] = {}
    for block in _VARIABLE.finditer(text):
        found = _DEFAULT.findall(block["body"])
        assert len(found) <= 1, f"{path}: variable {block['name']} has {len(found)} defaults"
        try:
            defaults[block["name"]] = json.loads(found[0]) if found else _NO_DEFAULT
        except json.JSONDecodeError:
            pytest.fail(f"{path}: the default of {block['name']} is not a literal: {found[0]}")
    declared = re.findall(r'^variable "', text, re.M)
    assert len(defaults) == len(declared), f"{path}: some variable blocks were not parsed"
    return defaults


def test_the_parser_reads_literal_defaults():
    defaults = variable_defaults(INFRA / "envs" / "dev" / "variables.tf")
    assert defaults["region"] == "us-east-1"
    assert defaults["deletion_protection"] is True
    assert defaults["tags"] == {}
    assert defaults["cognito_domain_prefix"] is None
    assert defaults["account_id"] is _NO_DEFAULT


def test_the_local_defaults_are_the_dev_environments_terraform_defaults():
    terraform = variable_defaults(INFRA / "envs" / "dev" / "variables.tf")
    settings = Settings.from_environ({})
    assert {name: terraform[name] for name in LIMITS} == {
        name: getattr(settings, name) for name in LIMITS
    }
    # ...and they reach the emulator unchanged.
    config = api_config(settings)
    assert {name: terraform[name] for name in LIMITS} == {
        name: getattr(config, name) for name in LIMITS
    }


def test_the_dev_environment_differs_from_appsync_in_its_depth_and_resolver_limits():
    """AppSync leaves the depth limit off (0) and allows 10,000 resolvers; the dev environment
    sets 10 and 100 on purpose (a document of a thousand aliases is refused, not run), and the
    local emulator follows Terraform, not AppSync's defaults."""
    terraform = variable_defaults(INFRA / "envs" / "dev" / "variables.tf")
    assert APPSYNC_DEFAULTS == {
        "introspection_config": "ENABLED",
        "query_depth_limit": QUERY_DEPTH_LIMIT_OFF,
        "resolver_count_limit": RESOLVER_COUNT_LIMIT,
    }
    assert {name: terraform[name] for name in LIMITS} == {
        **APPSYNC_DEFAULTS,
        "query_depth_limit": 10,
        "resolver_count_limit": 100,
    }


def test_the_module_defaults_are_appsyncs():
    """The graphql_api module, used without these inputs, configures AppSync's defaults; 0 for
    `resolver_count_limit` is the API's way of asking for its default, 10,000."""
    module = variable_defaults(INFRA / "modules" / "graphql_api" / "variables.tf")
    assert module["introspection_config"] == APPSYNC_DEFAULTS["introspection_config"]
    assert module["query_depth_limit"] == APPSYNC_DEFAULTS["query_depth_limit"]
    assert module["resolver_count_limit"] in (0, APPSYNC_DEFAULTS["resolver_count_limit"])


def test_the_dev_root_passes_the_three_to_the_api():
    """The dev root hands its variables to the platform, which hands them to the API module."""
    for path in (INFRA / "envs" / "dev" / "main.tf", INFRA / "modules" / "platform" / "main.tf"):
        main = path.read_text(encoding="utf-8")
        for name in LIMITS:
            assert re.search(rf"^  {name}\s*=\s*var\.{name}$", main, re.M), (path, name)
