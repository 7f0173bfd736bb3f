"""The user pool's errors: Cognito's exception names and the messages Cognito writes.

Clients branch on the name (`__type`, and the `x-amzn-ErrorType` header); Amplify turns some into
sign-in steps (UserNotConfirmedException → CONFIRM_SIGN_UP), so names and messages are Cognito's.
"""

from __future__ import annotations

# Messages Cognito answers with, for the cases that several operations share. (Messages, not
# secrets: S105 mistakes names with PASSWORD or TOKEN in them for credentials.)
INCORRECT_CREDENTIALS = "Incorrect username or password."
PASSWORD_ATTEMPTS_EXCEEDED = "Password attempts exceeded"  # noqa: S105
USER_NOT_CONFIRMED = "User is not confirmed."
EMAIL_EXISTS = "An account with the given email already exists."
CODE_MISMATCH = "Invalid verification code provided, please try again."
CODE_EXPIRED = "Invalid code provided, please request a code again."
ATTEMPT_LIMIT = "Attempt limit exceeded, please try after some time."
USER_NOT_FOUND = "User does not exist."
USER_CLIENT_NOT_FOUND = "Username/client id combination not found."
INVALID_ACCESS_TOKEN = "Invalid Access Token"  # noqa: S105
ACCESS_TOKEN_EXPIRED = "Access Token has expired"  # noqa: S105
ACCESS_TOKEN_REVOKED = "Access Token has been revoked"  # noqa: S105
INVALID_REFRESH_TOKEN = "Invalid Refresh Token"  # noqa: S105
REFRESH_TOKEN_EXPIRED = "Refresh Token has expired"  # noqa: S105
REFRESH_TOKEN_REVOKED = "Refresh Token has been revoked"  # noqa: S105
INVALID_SESSION = "Invalid session for the user."
SESSION_EXPIRED = "Invalid session for the user, session is expired."
RATE_EXCEEDED = "Rate exceeded"
TOO_MANY_FAILED_ATTEMPTS = "Too many failed attempts."


class CognitoError(Exception):
    """An operation refused with one of Cognito's exceptions (HTTP 400 unless `status` says)."""

    def __init__(self, name: str, message: str, *, status: int = 400) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message
        self.status = status


def invalid_parameter(message: str) -> CognitoError:
    return CognitoError("InvalidParameterException", message)


def not_authorized(message: str = INCORRECT_CREDENTIALS) -> CognitoError:
    return CognitoError("NotAuthorizedException", message)


def code_mismatch() -> CognitoError:
    return CognitoError("CodeMismatchException", CODE_MISMATCH)


def code_expired() -> CognitoError:
    return CognitoError("ExpiredCodeException", CODE_EXPIRED)


def limit_exceeded() -> CognitoError:
    return CognitoError("LimitExceededException", ATTEMPT_LIMIT)


def user_not_found(message: str = USER_NOT_FOUND) -> CognitoError:
    return CognitoError("UserNotFoundException", message)


def user_not_confirmed() -> CognitoError:
    return CognitoError("UserNotConfirmedException", USER_NOT_CONFIRMED)


def alias_exists() -> CognitoError:
    return CognitoError("AliasExistsException", EMAIL_EXISTS)


def missing(member: str) -> CognitoError:
    """AWS's validation error for a required member left out (`member` in camelCase)."""
    return invalid_parameter(
        f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
        "Member must not be null"
    )
