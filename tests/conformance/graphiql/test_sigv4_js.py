"""The page's SigV4 signer (`appsync/graphiql/static/sigv4.js`, WebCrypto) signs as botocore
does: the emulator's own IAM verifier, which recomputes signatures with botocore, accepts what it
signs for HTTP requests, real-time connects and subscription starts, and refuses it for any other
body. The script runs in Node's WebCrypto, the same API browsers give the page."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from appsync.auth.iam import IamAuthenticator, IamConfig, IamPrincipal, SignedRequest
from appsync.auth.modes import AuthMode, Unauthenticated

SIGV4_JS = Path(__file__).resolve().parents[3] / "appsync" / "graphiql" / "static" / "sigv4.js"
REGION = "ap-southeast-2"
ACCESS_KEY, SECRET_KEY = "AKIASIGV4JSTEST00001", "sigv4-js/test+secret=key"
HOST = "127.0.0.1:4000"
SIGNED_AT = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
# Text outside ASCII, hashed as UTF-8 on both sides: a pound sign, an en dash, a diaeresis.
QUERY = 'mutation { createCheckout(input: {merchantReference: "£5 \u2013 naïve"}) { id } }'
CASES = {
    # path, body: a query POSTed over HTTP, a real-time connect, a subscription's start.
    "http": (
        "/graphql",
        json.dumps({"query": QUERY, "variables": {"x": "ü"}}, ensure_ascii=False),
    ),
    "connect": ("/graphql/connect", "{}"),
    "start": ("/graphql", json.dumps({"query": "subscription { onItem { id } }", "variables": {}})),
}

SCRIPT = """
require(process.argv[1]);
const cases = JSON.parse(process.argv[2]);
(async () => {
  const out = {};
  for (const [name, [path, body]] of Object.entries(cases)) {
    out[name] = await globalThis.AppSyncSigV4.sign({
      host: process.argv[3], path, body, region: process.argv[4],
      credentials: {accessKeyId: process.argv[5], secretAccessKey: process.argv[6]},
      date: new Date(process.argv[7]),
    });
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


@pytest.fixture(scope="module")
def signed() -> dict[str, dict[str, str]]:
    node = shutil.which("node")
    assert node is not None, "Node.js is a prerequisite of the project (make checks for it)"
    result = subprocess.run(
        [
            node,
            "-e",
            SCRIPT,
            str(SIGV4_JS),
            json.dumps(CASES),
            HOST,
            REGION,
            ACCESS_KEY,
            SECRET_KEY,
            SIGNED_AT.isoformat(),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    headers: dict[str, dict[str, str]] = json.loads(result.stdout)
    return headers


def verifier() -> IamAuthenticator:
    principal = IamPrincipal(
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
        account_id="123456789012",
        user_arn="arn:aws:iam::123456789012:user/page",
        username="page",
    )
    return IamAuthenticator(IamConfig(region=REGION, principals=(principal,)))


def verify(headers: dict[str, str], path: str, body: str, **at: Any) -> None:
    request = SignedRequest(
        method="POST",
        url=f"https://{HOST}{path}",
        headers={name.lower(): value for name, value in headers.items()},
        body=body.encode(),
        source_ip=["127.0.0.1"],
    )
    caller = verifier().authenticate(request, now=at.get("now", SIGNED_AT))
    assert caller.mode is AuthMode.IAM
    assert caller.identity is not None
    assert caller.identity["username"] == "page"


@pytest.mark.parametrize("case", CASES)
def test_the_emulators_verifier_accepts_what_the_page_signs(signed, case):
    path, body = CASES[case]
    headers = signed[case]
    assert set(headers) == {"content-type", "host", "x-amz-date", "authorization"}
    assert headers["host"] == HOST
    assert headers["x-amz-date"] == "20260304T050607Z"
    assert headers["authorization"].startswith(
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20260304/{REGION}/appsync/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, Signature="
    )
    verify(headers, path, body)


def test_a_signature_holds_for_its_own_body_path_and_time_only(signed):
    _, body = CASES["http"]
    with pytest.raises(Unauthenticated, match="does not match"):
        verify(signed["http"], "/graphql", body.replace("ü", "u"))
    with pytest.raises(Unauthenticated, match="does not match"):
        verify(signed["connect"], "/graphql", "{}")
    with pytest.raises(Unauthenticated, match="Signature expired"):
        verify(signed["http"], "/graphql", body, now=SIGNED_AT + dt.timedelta(minutes=6))
