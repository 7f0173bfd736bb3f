"""What `bnpl dev` prints once the stack serves: its URLs (HTTP, HTTPS/WSS), how to trust the
local CA, where the Amplify configuration was written, a ready-to-paste token, the personas and
the sandbox merchant's IAM keys."""

from __future__ import annotations

from bnpl import settings as dev_credentials
from bnpl.commands import amplify_config
from bnpl.idp.tokens import mint_token
from bnpl.personas import DEFAULT_PERSONA, PERSONAS
from bnpl.settings import DevSettings
from bnpl.tls import LocalTls, trust_instructions

BANNER_TOKEN_TTL_S = 8 * 3600
AMPLIFY_FILES = (amplify_config.CONFIG_FILE, amplify_config.OUTPUTS_FILE)


def banner(settings: DevSettings, *, ready_after_s: float, ca_created: bool = False) -> str:
    """What `bnpl dev` prints once everything is healthy: URLs (HTTP, HTTPS/WSS), how to trust
    the local CA, the Amplify configuration files, a token, personas, IAM keys.

    Args:
        settings: the stack's settings.
        ready_after_s: the start-up time.
        ca_created: the local CA was made by this run (browsers must trust it anew).
    """
    persona = PERSONAS[DEFAULT_PERSONA]
    token = mint_token(
        settings,
        sub=persona.sub,
        email=persona.email,
        groups=persona.groups,
        ttl_s=BANNER_TOKEN_TTL_S,
    )
    width = max(len(name) for name in PERSONAS)
    email_width = max(len(p.email) for p in PERSONAS.values())
    password_width = max(len(p.password) for p in PERSONAS.values())
    personas = "\n".join(
        f"    {p.name:<{width}}  {p.email:<{email_width}}  {p.password:<{password_width}}"
        f"  {p.summary}"
        for p in PERSONAS.values()
    )
    url = settings.url
    hours = BANNER_TOKEN_TTL_S // 3600
    secure_graphql = amplify_config.graphql_endpoint(settings)
    realtime = secure_graphql.replace("https://", "wss://", 1) + "/realtime"
    amplify_files = "  ".join(str(settings.data_dir / name) for name in AMPLIFY_FILES)
    return f"""
bnpl dev: ready in {ready_after_s:.1f} s

  GraphiQL      {settings.graphql_url}
  services      user {url(settings.user_port)}  credit {url(settings.credit_port)}
                webhooks: the sender runs; `bnpl webhooks listen` receives and verifies
                idp {url(settings.idp_port)}  dynamodb {url(settings.dynamodb_port)}
                scoring {url(settings.scoring_port)} (SageMaker runtime API, `invoke_endpoint`)
  HTTPS, WSS    {secure_graphql}  {realtime}
                idp {amplify_config.user_pool_endpoint(settings)}
  demo shop     {settings.shop_url}  (basket, "Pay later" as the sandbox merchant)
  checkout page {settings.checkout_page_url}/checkout/<checkoutId>  (web/dist, /config.json)
  Amplify       {amplify_files}
                (`bnpl amplify-config`, `bnpl amplify-config --outputs`)

{trust_instructions(LocalTls(settings.tls_dir).ca_path, created=ca_created)}
  Authorization header for persona "{persona.name}" (id token, valid {hours} h):
{token}

  Personas (sign in with email and password, or `bnpl token <name>`, `bnpl gql --as <name> ...`):
    {"name":<{width}}  {"email":<{email_width}}  {"password":<{password_width}}  summary
{personas}

  Sandbox merchant, AWS_IAM (SigV4, service appsync; `bnpl gql --iam '<document>'`):
    access key id      {dev_credentials.SANDBOX_MERCHANT_ACCESS_KEY_ID}
    secret access key  {dev_credentials.SANDBOX_MERCHANT_SECRET_ACCESS_KEY}
    region             {settings.region}

  Ctrl-C stops everything.
"""
