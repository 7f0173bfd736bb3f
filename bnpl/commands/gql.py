"""`bnpl gql`: send one GraphQL request to the local API as a customer or as the merchant."""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx

from bnpl.commands import UsageError, dev_settings
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.personas import DEFAULT_PERSONA, PERSONAS, not_a_persona


def parse_variables(text: str | None) -> dict[str, Any] | None:
    """The `--variables` JSON object.

    Raises:
        UsageError: not JSON, or JSON that is not an object.
    """
    if text is None:
        return None
    try:
        variables = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--variables is not valid JSON: {exc}") from None
    if not isinstance(variables, dict):
        raise UsageError('--variables must be a JSON object, e.g. \'{"id": "c_1"}\'')
    return variables


def run(
    *,
    document: str,
    variables: str | None,
    iam: bool,
    persona: str | None,
    url: str | None,
) -> int:
    """Post the request, print the response as indented JSON.

    Args:
        document: the GraphQL document, or `-` to read it from stdin.
        variables: the variables as JSON text.
        iam: sign the request with SigV4 as the sandbox merchant.
        persona: send a dev token for this persona (or sub); the default persona otherwise.
        url: the endpoint; the local emulator's by default.

    Returns:
        0, or 1 when the response carries `errors` or its HTTP status is 400 or more.
    """
    parsed_variables = parse_variables(variables)
    query = sys.stdin.read() if document == "-" else document
    if not query.strip():
        raise UsageError("the GraphQL document is empty")
    settings = dev_settings()
    endpoint = url or settings.graphql_url
    with httpx.Client(timeout=30.0) as http:
        if iam:
            client = GraphQLClient(endpoint, iam_region=settings.region, http=http)
        else:
            name = persona or DEFAULT_PERSONA
            known = PERSONAS.get(name)
            warning = not_a_persona(name)
            if warning:
                sys.stderr.write(f"bnpl gql: {warning}\n")
            token = mint_token(
                settings,
                sub=known.sub if known else name,
                email=known.email if known else f"{name}@example.test",
                groups=known.groups if known else (),
            )
            client = GraphQLClient(endpoint, token=token, http=http)
        try:
            response = client.post(query, parsed_variables)
        except httpx.TransportError as exc:
            sys.stderr.write(f"bnpl gql: cannot reach {endpoint} ({exc}); is `bnpl dev` up?\n")
            return 1
    try:
        body = response.json()
    except ValueError:
        sys.stdout.write(response.text + "\n")
        sys.stderr.write(f"bnpl gql: HTTP {response.status_code}, the response is not JSON\n")
        return 1
    printed = json.dumps(body, indent=2, ensure_ascii=False)
    try:
        printed.encode(sys.stdout.encoding or "utf-8")
    except UnicodeEncodeError:  # a lone surrogate sent back, or a terminal that is not UTF-8
        printed = json.dumps(body, indent=2)
    sys.stdout.write(printed + "\n")
    failed = response.status_code >= 400 or (isinstance(body, dict) and bool(body.get("errors")))
    return 1 if failed else 0
