"""The errors every service answers with: a stable wire code, an HTTP status and a message.

The class name *is* the wire code: REST bodies carry it as `error`, and the credit proxy raises an
exception of the same name so AppSync reports it as `errorType`. Rename a class and every client
that branches on the code breaks, so treat the names as part of the API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

# What a wire code may look like; anything else coming back from a service is not trusted as a
# class name.
_CODE = re.compile(r"^[A-Z][A-Za-z0-9]{0,63}$")


class ServiceError(Exception):
    """Base of every error a service answers on purpose.

    Attributes:
        code: the stable wire code (the class name unless a subclass says otherwise).
        status: the HTTP status the services answer it with.
        message: a sentence for humans; never a stack trace or internal detail.
        details: optional machine-readable context, e.g. `{"field": "amount.currency"}`.
    """

    code: ClassVar[str] = "ServiceError"
    status: ClassVar[int] = 500

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The wire code follows the class name unless the class says otherwise, so a new error
        # cannot forget to declare its code.
        if "code" not in cls.__dict__:
            cls.code = cls.__name__

    def to_json(self) -> dict[str, Any]:
        """The JSON body services answer with: `{"error", "message"[, "details"]}`."""
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class ValidationError(ServiceError):
    """The request is malformed or breaks a rule; `details["field"]` names the culprit."""

    status = 400

    def __init__(
        self, message: str, *, field: str | None = None, details: Mapping[str, Any] | None = None
    ) -> None:
        merged = dict(details or {})
        if field is not None:
            merged["field"] = field
        super().__init__(message, details=merged)
        self.field = field


class RequestTimeout(ValidationError):  # noqa: N818 - sent as ValidationError
    """The request body did not arrive in time (a ValidationError on the wire)."""

    code = "ValidationError"
    status = 408


class PayloadTooLarge(ValidationError):  # noqa: N818 - sent as ValidationError
    """The request body is larger than the service accepts (a ValidationError on the wire)."""

    # One code for "fix your request" keeps clients simple; the status tells the size apart.
    code = "ValidationError"
    status = 413


class UnauthorizedException(ServiceError):  # noqa: N818 - the name is the wire code
    """No valid token: missing, expired, tampered, or issued for someone else (HTTP 401)."""

    status = 401


class Unauthorized(ServiceError):  # noqa: N818 - the name is the wire code
    """A valid caller who is not allowed to do this (HTTP 403), as AppSync names it."""

    status = 403


class NotFound(ServiceError):  # noqa: N818 - the name is the wire code
    """The thing does not exist, or the caller may not know that it does (HTTP 404)."""

    status = 404


class Conflict(ServiceError):  # noqa: N818 - the name is the wire code
    """The request contradicts what is already stored, e.g. a reused reference (HTTP 409)."""

    status = 409


class RateLimited(ServiceError):  # noqa: N818 - the name is the wire code
    """Too many requests of this kind; `details["retryAfterSeconds"]` says when to try again."""

    status = 429


class ChallengeExpired(ServiceError):  # noqa: N818 - the name is the wire code
    """The verification code's time is up; start a new verification (HTTP 410)."""

    status = 410


class ChallengeLocked(ServiceError):  # noqa: N818 - the name is the wire code
    """Too many wrong codes: the challenge accepts no more, even the right one (HTTP 409)."""

    status = 409


class ChallengeUsed(ServiceError):  # noqa: N818 - the name is the wire code
    """The code was already used once; a code is never accepted twice (HTTP 409)."""

    status = 409


class InvalidState(ServiceError):  # noqa: N818 - the name is the wire code
    """The thing exists but its state forbids this, e.g. revoking a revoked consent (HTTP 409)."""

    status = 409


class VerificationRequired(ServiceError):  # noqa: N818 - the name is the wire code
    """The customer must verify their phone or email before doing this (HTTP 403)."""

    status = 403


class IdempotencyKeyReused(ServiceError):  # noqa: N818 - the name is the wire code
    """The idempotency key was used before for a different request (HTTP 422)."""

    status = 422


class PaymentDeclined(ServiceError):  # noqa: N818 - the name is the wire code
    """The card was declined; `details["failureCode"]` says why, e.g. `insufficient_funds` (402)."""

    status = 402


class CheckoutExpired(ServiceError):  # noqa: N818 - the name is the wire code
    """The checkout's time is up: nobody may apply to it any more (HTTP 410)."""

    status = 410


class DependencyFailure(ServiceError):  # noqa: N818 - the name is the wire code
    """A service we depend on failed or did not answer; nothing was written (HTTP 502)."""

    status = 502


class InternalError(ServiceError):
    """Something broke on our side; the details are in the server log, never in the answer."""

    status = 500


KNOWN_ERRORS: dict[str, type[ServiceError]] = {
    cls.code: cls
    for cls in (
        ValidationError,
        UnauthorizedException,
        Unauthorized,
        NotFound,
        Conflict,
        RateLimited,
        ChallengeExpired,
        ChallengeLocked,
        ChallengeUsed,
        InvalidState,
        VerificationRequired,
        IdempotencyKeyReused,
        PaymentDeclined,
        CheckoutExpired,
        DependencyFailure,
        InternalError,
    )
}
_RECEIVED: dict[str, type[ServiceError]] = {}


def error_class(code: str) -> type[ServiceError]:
    """The exception class whose name is `code`, for re-raising an error a service answered.

    Codes this module does not define (say `CardExpired`) get a `ServiceError` subclass of that
    name, created once, so the code survives the hop even before this module learns it. A code
    that is not a plain identifier becomes `InternalError`.

    Example:
        >>> error_class("NotFound") is NotFound
        True
        >>> error_class("CardExpired").__name__
        'CardExpired'
    """
    if code in KNOWN_ERRORS:
        return KNOWN_ERRORS[code]
    if not _CODE.fullmatch(code):
        return InternalError
    if code not in _RECEIVED:
        _RECEIVED[code] = type(code, (ServiceError,), {"__module__": __name__})
    return _RECEIVED[code]
