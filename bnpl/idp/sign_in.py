"""InitiateAuth and RespondToAuthChallenge: SRP and plain-password sign-in, refresh, lockout.

SRP (USER_SRP_AUTH): InitiateAuth answers the PASSWORD_VERIFIER challenge (salt, B, and a
SECRET_BLOCK that seals this challenge's state for `auth_session_ttl_s`), and
RespondToAuthChallenge checks the client's password claim against it; the password never travels.
A SECRET_BLOCK is answered once only.

Failed password proofs lock the user out as Cognito does: after five in a row, for 1 s, doubling
with each further failure up to 15 minutes; tries during a lockout are refused without counting,
and failures are forgotten after 15 quiet minutes.

With `prevent_user_existence_errors` (the web client), an unknown user gets a challenge that
looks like any other and then "Incorrect username or password.", and an unconfirmed user is told
so only once the password is proven.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import replace
from typing import Any

from bnpl.idp import errors, sessions, srp
from bnpl.idp.pool import AUTH_FLOW_PERMISSIONS, AppClient
from bnpl.idp.provider import Provider
from bnpl.idp.users import User, Verifier
from bnpl.idp.wire import MAX_TOKEN, MAX_USERNAME, Request, required_parameter

PASSWORD_VERIFIER = "PASSWORD_VERIFIER"  # noqa: S105 - a challenge name
_ADMIN_FLOWS = frozenset({"ADMIN_NO_SRP_AUTH", "ADMIN_USER_PASSWORD_AUTH"})


# ---------------------------------------------------------------- lockout


def admitted(provider: Provider, user: User) -> User:
    """`user` if it may try a password now (failures forgotten after a quiet spell).

    Raises:
        CognitoError: NotAuthorizedException "Password attempts exceeded" during a lockout.
    """
    now = provider.now()
    if user.locked_until is not None and now < user.locked_until:
        raise errors.not_authorized(errors.PASSWORD_ATTEMPTS_EXCEEDED)
    quiet = user.last_failure_at is None or now - user.last_failure_at >= (
        provider.pool.failure_memory_s
    )
    if user.failed_sign_ins and quiet:
        return replace(user, failed_sign_ins=0, last_failure_at=None, locked_until=None)
    return user


def record_failure(provider: Provider, username: str) -> None:
    """One more failed password proof, and the lockout it earns."""
    now = provider.now()

    def failed(user: User) -> User:
        user = admitted_or_same(provider, user)
        failures = user.failed_sign_ins + 1
        lockout = provider.pool.lockout_s(failures)
        return replace(
            user,
            failed_sign_ins=failures,
            last_failure_at=now,
            locked_until=now + lockout if lockout else None,
        )

    provider.update_user(username, failed)


def admitted_or_same(provider: Provider, user: User) -> User:
    try:
        return admitted(provider, user)
    except errors.CognitoError:
        return user


def record_success(provider: Provider, user: User) -> User:
    if not (user.failed_sign_ins or user.locked_until):
        return user
    return provider.update_user(
        user.username,
        lambda u: replace(u, failed_sign_ins=0, last_failure_at=None, locked_until=None),
    )


def set_password(provider: Provider, username: str, password: str) -> None:
    """Replace the user's verifier with one for `password`; a new password ends any lockout,
    as whoever set it has just proved who they are (the old password, or a reset code)."""
    credentials = Verifier.for_password(provider.pool.name, username, password)
    provider.update_user(
        username,
        lambda u: replace(
            u,
            credentials=credentials,
            failed_sign_ins=0,
            last_failure_at=None,
            locked_until=None,
            updated_at=provider.now(),
        ),
    )


# ---------------------------------------------------------------- InitiateAuth


def initiate_auth(provider: Provider, request: Request) -> dict[str, Any]:
    """InitiateAuth with USER_SRP_AUTH, USER_PASSWORD_AUTH or REFRESH_TOKEN(_AUTH)."""
    flow = request.string("AuthFlow", max_length=64)
    client = provider.client(request.string("ClientId", max_length=128))
    parameters = request.string_map("AuthParameters")
    if flow in _ADMIN_FLOWS:
        raise errors.invalid_parameter("Initiate Auth method not supported.")
    if flow not in AUTH_FLOW_PERMISSIONS:
        raise errors.invalid_parameter(
            f"1 validation error detected: Value '{flow}' at 'authFlow' failed to satisfy "
            f"constraint: Member must satisfy enum value set: {sorted(AUTH_FLOW_PERMISSIONS)}"
        )
    if not client.allows(flow):
        raise errors.invalid_parameter(f"{flow} flow not enabled for this client")
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        token = required_parameter(parameters, "REFRESH_TOKEN")
        if len(token) > MAX_TOKEN:
            raise errors.not_authorized(errors.INVALID_REFRESH_TOKEN)
        result = sessions.refresh(provider, client, token)
        return {"AuthenticationResult": result, "ChallengeParameters": {}}
    username = required_parameter(parameters, "USERNAME")[:MAX_USERNAME]
    provider.check_secret_hash(client, username, parameters.get("SECRET_HASH"))
    if flow == "USER_PASSWORD_AUTH":
        return _password_sign_in(provider, client, username, parameters)
    return _srp_challenge(provider, client, username, parameters)


def _password_sign_in(
    provider: Provider, client: AppClient, username: str, parameters: dict[str, str]
) -> dict[str, Any]:
    password = required_parameter(parameters, "PASSWORD")
    user = provider.store.find(username)
    if user is None:
        if not client.prevent_user_existence_errors:
            raise errors.user_not_found()
        # The same work as for a real user, so the answer's timing says nothing either.
        srp.verifier(provider.pool.name, username, password, 1)
        raise errors.not_authorized()
    admitted(provider, user)
    if not user.credentials.matches(provider.pool.name, user.username, password):
        record_failure(provider, user.username)
        raise errors.not_authorized()
    return _signed_in(provider, client, user)


def _signed_in(provider: Provider, client: AppClient, user: User) -> dict[str, Any]:
    if not user.confirmed:
        raise errors.user_not_confirmed()
    user = record_success(provider, user)
    return {
        "AuthenticationResult": sessions.sign_in(provider, user, client),
        "ChallengeParameters": {},
    }


def _decoy(provider: Provider, username: str) -> tuple[str, int, int]:
    """A stable made-up (user id, salt, verifier) for a name no user has."""
    digest = hmac.new(provider.decoy_key, username.lower().encode(), hashlib.sha256).digest()
    user_id = str(uuid.UUID(bytes=digest[:16], version=4))
    salt = int.from_bytes(digest[16:], "big") or 1
    return user_id, salt, srp.verifier(provider.pool.name, user_id, digest.hex(), salt)


def _srp_challenge(
    provider: Provider, client: AppClient, username: str, parameters: dict[str, str]
) -> dict[str, Any]:
    try:
        client_public = int(required_parameter(parameters, "SRP_A"), 16)
    except ValueError:
        raise errors.invalid_parameter("SRP_A is not a hex number") from None
    if not srp.acceptable_client_public(client_public):
        raise errors.invalid_parameter("SRP_A is invalid")
    user = provider.store.find(username)
    if user is None:
        if not client.prevent_user_existence_errors:
            raise errors.user_not_found()
        user_id, salt, verifier_value = _decoy(provider, username)
    else:
        user_id = user.username
        salt, verifier_value = int(user.credentials.salt, 16), int(user.credentials.verifier, 16)
    ephemeral = srp.server_ephemeral(verifier_value)
    state = {
        "id": str(uuid.uuid4()),
        "user": user_id,
        "known": user is not None,
        "client": client.client_id,
        "A": f"{client_public:x}",
        "b": f"{ephemeral.secret:x}",
        "B": f"{ephemeral.public:x}",
        "exp": provider.now() + provider.pool.auth_session_ttl_s,
    }
    block = provider.challenges.seal(state, context=provider.pool.pool_id.encode())
    return {
        "ChallengeName": PASSWORD_VERIFIER,
        "ChallengeParameters": {
            "SALT": srp.pad_hex(salt),
            "SECRET_BLOCK": base64.b64encode(block).decode("ascii"),
            "SRP_B": f"{ephemeral.public:x}",
            "USERNAME": user_id,
            "USER_ID_FOR_SRP": user_id,
        },
    }


# ---------------------------------------------------------------- RespondToAuthChallenge


def respond_to_auth_challenge(provider: Provider, request: Request) -> dict[str, Any]:
    """RespondToAuthChallenge for PASSWORD_VERIFIER: checks the SRP password claim."""
    client = provider.client(request.string("ClientId", max_length=128))
    challenge = request.string("ChallengeName", max_length=64)
    responses = request.string_map("ChallengeResponses")
    if challenge != PASSWORD_VERIFIER:
        raise errors.invalid_parameter(f"Invalid challenge name: {challenge}")
    username = required_parameter(responses, "USERNAME")[:MAX_USERNAME]
    provider.check_secret_hash(client, username, responses.get("SECRET_HASH"))
    state = _challenge_state(
        provider, client, required_parameter(responses, "PASSWORD_CLAIM_SECRET_BLOCK")
    )
    signature = required_parameter(responses, "PASSWORD_CLAIM_SIGNATURE")
    timestamp = srp.canonical_timestamp(required_parameter(responses, "TIMESTAMP"))
    if timestamp is None:
        raise errors.invalid_parameter("TIMESTAMP format is invalid")
    user = provider.store.user(state["user"]) if state["known"] else None
    named = provider.store.find(username)
    if user is None or named is None or named.username != user.username:
        raise errors.not_authorized()
    admitted(provider, user)
    if not provider.store.use_challenge(state["id"], expires_at=float(state["exp"])):
        raise errors.not_authorized(errors.INVALID_SESSION)
    if not _claim_holds(provider, user, state, signature, timestamp):
        record_failure(provider, user.username)
        raise errors.not_authorized()
    return _signed_in(provider, client, user)


def _challenge_state(provider: Provider, client: AppClient, secret_block: str) -> dict[str, Any]:
    try:
        sealed = base64.b64decode(secret_block, validate=True)
    except (binascii.Error, ValueError):
        raise errors.not_authorized(errors.INVALID_SESSION) from None
    state = provider.challenges.open(sealed, context=provider.pool.pool_id.encode())
    if state is None or state.get("client") != client.client_id:
        raise errors.not_authorized(errors.INVALID_SESSION)
    if provider.now() >= float(state["exp"]):
        raise errors.not_authorized(errors.SESSION_EXPIRED)
    state["block"] = sealed
    return state


def _claim_holds(
    provider: Provider, user: User, state: dict[str, Any], signature: str, timestamp: str
) -> bool:
    try:
        claimed = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    ephemeral = srp.ServerEphemeral(secret=int(state["b"], 16), public=int(state["B"], 16))
    try:
        key = srp.password_key(
            client_public=int(state["A"], 16),
            ephemeral=ephemeral,
            verifier_value=int(user.credentials.verifier, 16),
        )
    except ValueError:
        return False
    expected = srp.claim_signature(
        key,
        pool=provider.pool.name,
        user_id=user.username,
        secret_block=state["block"],
        timestamp=timestamp,
    )
    return hmac.compare_digest(expected, claimed)
