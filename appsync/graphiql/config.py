"""What the GraphiQL page offers: who a request may be sent as, and where the page's assets are.

The emulator knows nothing of the product, so the app that serves an API hands this in: the
users its user pool signs in, the IAM principals the page may sign as, and the folder its npm
packages are installed in. The API's own configuration adds the rest (its modes, region and
API keys).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["VENDOR_ASSETS", "GraphiQLConfig", "IamSigner", "SignInUser", "UserPoolSignIn"]

# The browser builds of the npm packages the page runs on, by the name the page asks for them
# under, relative to `node_modules`.
VENDOR_ASSETS: Mapping[str, str] = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
}


@dataclass(frozen=True, kw_only=True)
class SignInUser:
    """A user of the user pool the page offers to sign in as.

    Attributes:
        name: what the page calls them.
        email: their user name in the pool.
        password: their password, when the page may fill it in; without one the page asks.
        description: a few words on who they are.
    """

    name: str
    email: str
    password: str | None = None
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class UserPoolSignIn:
    """Where the page signs users in: Cognito's user-pool API (`InitiateAuth`,
    `USER_PASSWORD_AUTH`) and the app client it signs in with.

    Attributes:
        endpoint: the URL `InitiateAuth` is POSTed to (Cognito's `https://cognito-idp.<region>
            .amazonaws.com/`, or a local stand-in for it).
        client_id: the app client; its ID tokens must be ones the API admits.
        users: the users offered by name; anyone else can be signed in by email and password.
        secure_endpoint: the same API over HTTPS, for the page when it is itself served over
            HTTPS (browsers refuse to call plain HTTP from there); `endpoint` when None.
    """

    endpoint: str
    client_id: str
    users: tuple[SignInUser, ...] = ()
    secure_endpoint: str | None = None


@dataclass(frozen=True, kw_only=True)
class IamSigner:
    """An IAM principal the page may sign requests as (SigV4, in the page).

    The secret reaches the browser: offer only development keys that verify nowhere but here.
    """

    label: str
    access_key_id: str
    secret_access_key: str


@dataclass(frozen=True, kw_only=True)
class GraphiQLConfig:
    """The GraphiQL page of one API.

    Attributes:
        node_modules: the folder the npm packages `graphiql`, `react` and `react-dom` are
            installed in; None when the page has no assets.
        assets: the vendor assets by name (`VENDOR_ASSETS`' names), replacing `node_modules`.
        title: the page's heading.
        user_pool: how the page signs users in; None offers only a pasted token.
        iam_signers: the IAM principals offered.
        default_query: the editor's text on a first visit.
    """

    node_modules: Path | None = None
    assets: Mapping[str, Path] | None = None
    title: str = "AppSync"
    user_pool: UserPoolSignIn | None = None
    iam_signers: tuple[IamSigner, ...] = ()
    default_query: str = ""

    def vendor_files(self) -> dict[str, Path] | None:
        """Where each vendor asset is; None when neither a folder nor a map was given."""
        if self.assets is not None:
            return dict(self.assets)
        if self.node_modules is None:
            return None
        return {name: self.node_modules / path for name, path in VENDOR_ASSETS.items()}
