"""GraphiQL for the emulator, served from this machine: the page, its assets, and a panel that
signs requests in as a user, as an IAM principal (SigV4 in the page) or with an API key, with
subscriptions over AppSync's real-time protocol."""

from appsync.graphiql.config import (
    VENDOR_ASSETS,
    GraphiQLConfig,
    IamSigner,
    SignInUser,
    UserPoolSignIn,
)
from appsync.graphiql.page import ASSET_ROUTE, GraphiQLPage, page_config

__all__ = [
    "ASSET_ROUTE",
    "VENDOR_ASSETS",
    "GraphiQLConfig",
    "GraphiQLPage",
    "IamSigner",
    "SignInUser",
    "UserPoolSignIn",
    "page_config",
]
