"""What `bnpl amplify-config` prints is accepted by the real aws-amplify (node_modules): each
shape goes through `Amplify.configure` in Node, and `Amplify.getConfig()` gives back the local
stack's pool, client and HTTPS endpoints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bnpl.commands.amplify_config import write_files
from bnpl.settings import DevSettings

ROOT = Path(__file__).resolve().parents[3]
BNPL = Path(sys.executable).parent / "bnpl"

# Configure Amplify with the JSON on stdin and print what it kept. For amplify_outputs.json it
# then adds the user pool endpoint from `custom`, as the README tells a page to.
CONFIGURE = """
import { Amplify } from 'aws-amplify';
import { readFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(0, 'utf8'));
Amplify.configure(input);
let config = Amplify.getConfig();
if (input.custom?.user_pool_endpoint) {
  Amplify.configure({
    ...config,
    Auth: {
      Cognito: { ...config.Auth.Cognito, userPoolEndpoint: input.custom.user_pool_endpoint },
    },
  });
  config = Amplify.getConfig();
}
process.stdout.write('\\n' + JSON.stringify(config) + '\\n');
"""

ENVIRON = {
    "BNPL_HOST": "127.0.0.1",
    "BNPL_APPSYNC_TLS_PORT": "24443",
    "BNPL_IDP_TLS_PORT": "24433",
    "AWS_REGION": "eu-west-2",
    "BNPL_USER_POOL_ID": "eu-west-2_bnplLocal",
    "BNPL_WEB_CLIENT_ID": "web-client-1",
}


@pytest.fixture
def environ(tmp_path) -> dict[str, str]:
    return {**os.environ, **ENVIRON, "BNPL_DATA_DIR": str(tmp_path / "data")}


def printed(environ: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BNPL), "amplify-config", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def configured(document: str) -> dict[str, Any]:
    """`Amplify.getConfig()` after `Amplify.configure(<document>)`, in Node."""
    result = subprocess.run(
        ["node", "--input-type=module", "-e", CONFIGURE],
        input=document,
        cwd=ROOT,  # where node_modules/aws-amplify is
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return config


def test_amplify_keeps_the_configure_object_as_printed(environ):
    document = printed(environ)

    config = configured(document)

    assert config == json.loads(document)
    assert config["Auth"]["Cognito"]["userPoolEndpoint"] == "https://127.0.0.1:24433"
    assert config["API"]["GraphQL"]["endpoint"] == "https://127.0.0.1:24443/graphql"


def test_amplify_reads_the_outputs_into_the_same_configuration(environ):
    config = configured(printed(environ, "--outputs"))

    cognito = config["Auth"]["Cognito"]
    assert cognito["userPoolId"] == "eu-west-2_bnplLocal"
    assert cognito["userPoolClientId"] == "web-client-1"
    assert cognito["userPoolEndpoint"] == "https://127.0.0.1:24433"
    assert cognito["loginWith"]["email"] is True
    assert config["API"]["GraphQL"] == {
        "endpoint": "https://127.0.0.1:24443/graphql",
        "region": "eu-west-2",
        "defaultAuthMode": "userPool",
    }


def test_the_files_bnpl_dev_writes_are_what_the_command_prints(environ, tmp_path):
    """`bnpl dev` writes the same two documents into the data folder."""
    config_file, outputs_file = write_files(DevSettings.from_environ(environ))

    assert json.loads(config_file.read_text()) == json.loads(printed(environ))
    assert configured(outputs_file.read_text()) == configured(printed(environ, "--outputs"))
