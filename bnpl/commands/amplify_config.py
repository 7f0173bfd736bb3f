"""`bnpl amplify-config`: what a front end passes to Amplify JS v6 to use the local stack.

Two shapes of the same settings:

- the object `Amplify.configure` takes (`ResourcesConfig`): Cognito's user pool with
  `userPoolEndpoint` set to the dev identity provider over HTTPS, so Amplify Auth sends its
  user-pool calls there instead of `cognito-idp.<region>.amazonaws.com`, and the emulator's
  HTTPS GraphQL endpoint, from which Amplify derives the real-time `wss://…/graphql/realtime`;
- `amplify_outputs.json` (Amplify Gen 2, version 1.3). Its schema has no field for a user pool
  endpoint (Amplify's parser keeps only the fields it knows), so the endpoint travels in
  `custom.user_pool_endpoint` and the page adds it after configuring:

      Amplify.configure(outputs);
      const config = Amplify.getConfig();
      Amplify.configure({...config, Auth: {Cognito: {...config.Auth.Cognito,
          userPoolEndpoint: outputs.custom.user_pool_endpoint}}});

Both point at HTTPS: browsers load the page over HTTPS and Amplify dials `wss://` for the
real-time endpoint, so the local CA (bnpl.tls) must be trusted.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from bnpl.commands import dev_settings
from bnpl.settings import DevSettings

CONFIG_FILE = "amplify-config.json"
OUTPUTS_FILE = "amplify_outputs.json"
OUTPUTS_VERSION = "1.3"


def user_pool_endpoint(settings: DevSettings) -> str:
    """The dev identity provider's HTTPS base URL: Cognito's user-pool API (`POST /`)."""
    return settings.https_url(settings.idp_tls_port)


def graphql_endpoint(settings: DevSettings) -> str:
    """The emulator's HTTPS GraphQL endpoint."""
    return f"{settings.https_url(settings.appsync_tls_port)}/graphql"


def resources_config(settings: DevSettings) -> dict[str, Any]:
    """The object `Amplify.configure` takes, for the local stack."""
    return {
        "Auth": {
            "Cognito": {
                "userPoolId": settings.user_pool_id,
                "userPoolClientId": settings.web_client_id,
                "userPoolEndpoint": user_pool_endpoint(settings),
                "loginWith": {"email": True},
            }
        },
        "API": {
            "GraphQL": {
                "endpoint": graphql_endpoint(settings),
                "region": settings.region,
                "defaultAuthMode": "userPool",
            }
        },
    }


def outputs(settings: DevSettings) -> dict[str, Any]:
    """`amplify_outputs.json` (Gen 2) for the local stack, the endpoint in `custom`."""
    return {
        "version": OUTPUTS_VERSION,
        "auth": {
            "user_pool_id": settings.user_pool_id,
            "aws_region": settings.region,
            "user_pool_client_id": settings.web_client_id,
            "username_attributes": ["email"],
            "user_verification_types": ["email"],
        },
        "data": {
            "url": graphql_endpoint(settings),
            "aws_region": settings.region,
            "default_authorization_type": "AMAZON_COGNITO_USER_POOLS",
            # Merchants' backends sign with SigV4; browsers never use it.
            "authorization_types": ["AWS_IAM"],
        },
        "custom": {"user_pool_endpoint": user_pool_endpoint(settings)},
    }


def render(document: dict[str, Any]) -> str:
    """JSON as the files and the command print it."""
    return json.dumps(document, indent=2) + "\n"


def write_files(settings: DevSettings) -> list[Path]:
    """Write both shapes into the data folder, for a front end's build to copy or import.

    Returns:
        The files written: `amplify-config.json`, `amplify_outputs.json`.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in (
        (CONFIG_FILE, resources_config(settings)),
        (OUTPUTS_FILE, outputs(settings)),
    ):
        path = settings.data_dir / name
        temporary = path.with_name(f".{name}.tmp")
        temporary.write_text(render(document), encoding="utf-8")
        # Whole or not at all: a dev server watching the file never reads half of it.
        os.replace(temporary, path)
        written.append(path)
    return written


def run(*, gen2_outputs: bool = False, out: TextIO | None = None) -> int:
    """Print the configuration (`Amplify.configure`'s object, or amplify_outputs.json)."""
    settings = dev_settings()
    document = outputs(settings) if gen2_outputs else resources_config(settings)
    (out or sys.stdout).write(render(document))
    return 0
