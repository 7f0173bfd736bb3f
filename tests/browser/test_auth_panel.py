"""GraphiQL's authorization panel in headless Chromium, against an emulator serving a small API
(`tests/conformance/graphiql/api.py`) and the dev identity provider (Cognito's user-pool API on
DynamoDB Local), whose tokens the emulator verifies with the provider's JWKS: each way of
authorizing reaches the API as the identity it names, the choice survives a reload, and
subscriptions run over AppSync's real-time protocol, `wss://` when the page is on HTTPS (its
certificate's CA trusted through Chromium's NSS database, nothing ignored)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from playwright.sync_api import Browser, BrowserContext, Error as PlaywrightError

from appsync.graphiql import SignInUser, UserPoolSignIn
from bnpl.idp.app import create_app as identity_provider_app
from bnpl.idp.background import user_pool_server
from bnpl.idp.provider import Provider
from bnpl.settings import DevSettings
from bnpl.tls import local_tls, trusting
from services.user.messaging.outbox import newest_messages
from tests.browser.conftest import VIEWPORT, Chromium, Served, Watch, watched
from tests.browser.graphiql_page import GraphiQLPage
from tests.conformance.graphiql.api import CLIENT_ID, ISSUER, LIVE_KEY, REGION, build_app

pytestmark = [pytest.mark.e2e, pytest.mark.ddblocal]

TARGET = "AWSCognitoIdentityProviderService.InitiateAuth"
AMZ_JSON = "application/x-amz-json-1.1"
WHOAMI = "{ whoami { kind sub username email } }"
ON_ITEM = "subscription OnItem($id: ID) { onItem(id: $id) { id name } }"


@dataclass(frozen=True)
class User:
    """A user signed up and confirmed in the pool."""

    email: str
    password: str
    sub: str


@dataclass
class Local:
    """The emulator (`url`), the user pool's endpoint, a Cognito client of it and its users."""

    url: str
    pool_url: str
    sign_in: UserPoolSignIn
    cognito: Any
    users: dict[str, User]


@pytest.fixture(scope="module")
def pool(
    tmp_path_factory: pytest.TempPathFactory, ddb_settings: Any
) -> Iterator[tuple[str, Provider]]:
    """The dev identity provider as the API's user pool: the API's issuer, and its developer
    console client is the page's."""
    settings = DevSettings.from_environ(
        {
            "BNPL_DATA_DIR": str(tmp_path_factory.mktemp("idp")),
            "AWS_REGION": REGION,
            "BNPL_USER_POOL_ID": ISSUER.rsplit("/", 1)[1],
            "BNPL_CONSOLE_CLIENT_ID": CLIENT_ID,
        }
    )
    assert settings.issuer == ISSUER
    with user_pool_server(settings, ddb_settings) as running:
        yield running


def signed_up(cognito: Any, ddb_settings: Any, web_client: str, email: str) -> User:
    """`email` signed up through the web client and confirmed with the code from the outbox."""
    password = f"Browser-{email.split('@', maxsplit=1)[0]}-42"
    sub = cognito.sign_up(ClientId=web_client, Username=email, Password=password)["UserSub"]
    code = newest_messages(ddb_settings, limit=1, destination=email)[0].code
    cognito.confirm_sign_up(ClientId=web_client, Username=email, ConfirmationCode=code)
    return User(email=email, password=password, sub=sub)


@pytest.fixture(scope="module")
def local(
    tmp_path_factory: pytest.TempPathFactory, ddb_settings: Any, pool: tuple[str, Provider]
) -> Iterator[Local]:
    url, provider = pool
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}),
    )
    web_client = provider.settings.web_client_id
    users = {
        name: signed_up(cognito, ddb_settings, web_client, f"{name}@example.test")
        for name in ("ada", "bob", "carol")
    }
    sign_in = UserPoolSignIn(
        endpoint=f"{url}/",
        client_id=CLIENT_ID,
        users=(
            SignInUser(
                name="ada",
                email=users["ada"].email,
                password=users["ada"].password,
                description="known",
            ),
            SignInUser(name="bob", email=users["bob"].email, description="no password given"),
        ),
    )
    _, app = build_app(
        tmp_path_factory.mktemp("code"),
        jwks_url=f"{url}/{provider.pool.pool_id}/.well-known/jwks.json",
        user_pool=sign_in,
    )
    emulator = Served(app)
    yield Local(f"{emulator.url}/graphql", f"{url}/", sign_in, cognito, users)
    emulator.close()


@pytest.fixture
def opened(context: BrowserContext, local: Local) -> Iterator[tuple[GraphiQLPage, Watch]]:
    page = context.new_page()
    watch = watched(page)
    yield GraphiQLPage(page, local.url), watch
    watch.assert_stayed_local()


def whoami(graphiql: GraphiQLPage) -> dict[str, Any]:
    graphiql.run(WHOAMI)
    identity: dict[str, Any] = graphiql.result('"whoami"')["data"]["whoami"]
    return identity


def test_a_first_visit_signs_in_the_first_user_whose_password_is_known(opened, local):
    """The API's default mode is Cognito: the page starts signed in, as AppSync's console starts
    in the default mode."""
    graphiql, watch = opened
    ada = local.users["ada"]
    graphiql.wait_for_status(f"signed in as {ada.email}")
    assert graphiql.page.input_value("#auth-identity") == "user:0"
    assert f"signed in as {ada.email} (Cognito ID token, expires" in graphiql.status()
    # Cognito's InitiateAuth, as the AWS SDKs send it; once, though GraphiQL fetched the schema
    # while it was under way.
    [sent] = watch.posts_to(local.pool_url)
    headers = sent.all_headers()
    assert (headers["x-amz-target"], headers["content-type"]) == (TARGET, AMZ_JSON)
    assert sent.post_data_json == {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": CLIENT_ID,
        "AuthParameters": {"USERNAME": ada.email, "PASSWORD": ada.password},
    }
    assert graphiql.page.is_hidden("#auth-sign-in")
    # The pool names its users by their sub, as Cognito does when email is an alias.
    assert whoami(graphiql) == {
        "kind": "COGNITO",
        "sub": ada.sub,
        "username": ada.sub,
        "email": ada.email,
    }


def test_a_refused_sign_in_shows_cognitos_error_and_a_retry_succeeds(opened, local):
    graphiql, _ = opened
    page = graphiql.page
    bob = local.users["bob"]
    graphiql.choose("bob (no password given)")
    assert page.is_visible("#auth-sign-in")
    assert page.input_value("#auth-email") == bob.email
    page.fill("#auth-password", "Wrong-Password-1")
    page.click("#auth-submit")
    page.wait_for_selector("#auth-error:has-text('Incorrect username or password.')")
    assert (
        page.inner_text("#auth-error") == "NotAuthorizedException: Incorrect username or password."
    )
    assert graphiql.status() == "Not signed in."
    page.fill("#auth-password", bob.password)
    page.click("#auth-submit")
    graphiql.wait_for_status(f"signed in as {bob.email}")
    assert page.inner_text("#auth-error") == ""
    assert whoami(graphiql)["sub"] == bob.sub


def test_another_user_signs_in_with_what_they_type(opened):
    graphiql, _ = opened
    page = graphiql.page
    graphiql.choose("Another user…")
    page.fill("#auth-email", "nobody@example.test")
    page.fill("#auth-password", "Whatever-Password-1")
    page.click("#auth-submit")
    page.wait_for_selector("#auth-error:has-text('User does not exist.')")
    assert page.inner_text("#auth-error") == "UserNotFoundException: User does not exist."


def test_a_pasted_token_is_sent_as_it_is(opened, local):
    graphiql, _ = opened
    page = graphiql.page
    carol = local.users["carol"]
    signed_in = local.cognito.initiate_auth(
        ClientId=CLIENT_ID,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": carol.email, "PASSWORD": carol.password},
    )
    graphiql.choose("Paste a token…")
    page.fill("#auth-token", signed_in["AuthenticationResult"]["IdToken"])
    page.click("#auth-use-token")
    graphiql.wait_for_status(f"pasted token of {carol.email}")
    assert whoami(graphiql)["sub"] == carol.sub


def test_an_api_key_goes_in_x_api_key(opened):
    graphiql, _ = opened
    graphiql.choose(LIVE_KEY)
    graphiql.wait_for_status(f"API key {LIVE_KEY}")
    assert whoami(graphiql) == {"kind": "API_KEY", "sub": None, "username": None, "email": None}


def test_iam_signs_each_request_and_the_choice_survives_a_reload(opened, local):
    graphiql, _ = opened
    graphiql.choose("test merchant")
    graphiql.wait_for_status("IAM test merchant")
    assert whoami(graphiql)["kind"] == "AWS_IAM"
    reloaded = GraphiQLPage(graphiql.page, local.url)
    assert reloaded.page.input_value("#auth-identity") == "iam:0"
    assert "IAM test merchant" in reloaded.status()
    assert whoami(reloaded) == {
        "kind": "AWS_IAM",
        "sub": None,
        "username": "graphiql-merchant",
        "email": None,
    }


def subscribe_and_hear(
    graphiql: GraphiQLPage, emulator_url: str, item_id: str, *, ca: Path | None = None
) -> dict[str, Any]:
    """Subscribe to `item_id` from the page, put the item over HTTP(S) (verified against `ca`),
    and return what the page showed; then stop the subscription from GraphiQL."""
    graphiql.run(ON_ITEM, {"id": item_id})
    graphiql.wait_for_realtime("OnItem: subscribed, waiting for events")
    put = httpx.post(
        emulator_url,
        json={"query": f'mutation {{ putItem(id: "{item_id}", name: "lamp") {{ id name }} }}'},
        headers={"x-api-key": LIVE_KEY},
        verify=trusting(ca) if ca else True,
    )
    assert put.json() == {"data": {"putItem": {"id": item_id, "name": "lamp"}}}
    heard = graphiql.result('"onItem"')
    graphiql.page.click(".graphiql-execute-button")  # the run button stops a subscription
    graphiql.wait_for_realtime("OnItem: stopped")
    return heard


def test_a_subscription_runs_over_the_realtime_protocol_and_stop_sends_stop(opened, local):
    graphiql, watch = opened
    sent: list[dict[str, Any]] = []
    graphiql.page.on(
        "websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(json.loads(frame)))
    )
    graphiql.choose("ada (known)")
    graphiql.wait_for_status(f"signed in as {local.users['ada'].email}")
    heard = subscribe_and_hear(graphiql, local.url, "item-1")
    assert heard == {"data": {"onItem": {"id": "item-1", "name": "lamp"}}}
    assert watch.sockets == [local.url.replace("http://", "ws://") + "/realtime"]
    init, start, stop = sent
    assert init == {"type": "connection_init"}
    assert start["type"] == "start"
    request = json.loads(start["payload"]["data"])
    assert (request["query"], request["variables"]) == (ON_ITEM, {"id": "item-1"})
    assert request.get("operationName", "OnItem") == "OnItem"  # sent once GraphiQL has parsed it
    authorization = start["payload"]["extensions"]["authorization"]
    assert authorization["host"] == local.url.split("/")[2]
    assert authorization["Authorization"].count(".") == 2  # the ID token
    assert stop == {"type": "stop", "id": start["id"]}


@dataclass
class Secure:
    """The API and the user pool over HTTPS, and the CA their certificate chains to."""

    url: str
    pool_url: str
    ca: Path


@pytest.fixture(scope="module")
def secure(
    tmp_path_factory: pytest.TempPathFactory, local: Local, pool: tuple[str, Provider]
) -> Iterator[Secure]:
    """The same API and pool over HTTPS, with a certificate from a local CA made as `bnpl dev`
    makes its own."""
    url, provider = pool
    tls = local_tls(tmp_path_factory.mktemp("tls"))
    certificate = (tls.cert_path, tls.key_path)
    idp = Served(
        identity_provider_app(provider.settings, user_pool_factory=lambda: provider),
        tls=certificate,
    )
    _, app = build_app(
        tmp_path_factory.mktemp("code"),
        jwks_url=f"{url}/{provider.pool.pool_id}/.well-known/jwks.json",
        user_pool=replace(local.sign_in, secure_endpoint=f"{idp.url}/"),
    )
    emulator = Served(app, tls=certificate)
    yield Secure(f"{emulator.url}/graphql", f"{idp.url}/", tls.ca_path)
    emulator.close()
    idp.close()


@pytest.fixture(scope="module")
def trusting_chromium(chromium: Chromium, secure: Secure) -> Iterator[Browser]:
    with chromium.trusting(secure.ca) as launched:
        yield launched


def test_on_https_the_page_signs_in_over_https_and_subscribes_over_wss(
    trusting_chromium: Browser, secure: Secure, local: Local, axe_source: str, tmp_path: Path
):
    context = trusting_chromium.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        watch = watched(page)
        graphiql = GraphiQLPage(page, secure.url)
        graphiql.wait_for_status(f"signed in as {local.users['ada'].email}")
        assert len(watch.posts_to(secure.pool_url)) == 1
        assert watch.posts_to(local.pool_url) == []
        graphiql.choose("test merchant")
        heard = subscribe_and_hear(graphiql, secure.url, "item-2", ca=secure.ca)
        assert heard == {"data": {"onItem": {"id": "item-2", "name": "lamp"}}}
        assert watch.sockets == [secure.url.replace("https://", "wss://") + "/realtime"]
        assert graphiql.accessibility_violations(axe_source) == []
        page.screenshot(path=str(tmp_path / "https.png"))
        watch.assert_stayed_local()
    finally:
        context.close()


def test_a_chromium_that_does_not_trust_the_local_ca_cannot_open_the_https_page(
    chromium: Chromium, secure: Secure
):
    """The control of the test above: the same Chromium but for the CA in its NSS database."""
    with chromium.trusting() as untrusting:
        page = untrusting.new_page()
        with pytest.raises(PlaywrightError, match="net::ERR_CERT_AUTHORITY_INVALID"):
            page.goto(secure.url)


def test_the_sign_in_form_and_its_errors_pass_axe(opened, axe_source, tmp_path):
    graphiql, _ = opened
    page = graphiql.page
    graphiql.choose("bob (no password given)")
    page.fill("#auth-password", "Wrong-Password-1")
    page.click("#auth-submit")
    page.wait_for_selector("#auth-error:has-text('Incorrect')")
    assert graphiql.accessibility_violations(axe_source) == []
    page.screenshot(path=str(tmp_path / "sign-in-refused.png"))
