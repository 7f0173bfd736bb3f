from __future__ import annotations

import pytest

from services.shared.errors import (
    Conflict,
    DependencyFailure,
    InternalError,
    NotFound,
    PayloadTooLarge,
    ServiceError,
    Unauthorized,
    UnauthorizedException,
    ValidationError,
    error_class,
)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (ValidationError, "ValidationError", 400),
        (UnauthorizedException, "UnauthorizedException", 401),
        (Unauthorized, "Unauthorized", 403),
        (NotFound, "NotFound", 404),
        (Conflict, "Conflict", 409),
        (DependencyFailure, "DependencyFailure", 502),
        (InternalError, "InternalError", 500),
        (PayloadTooLarge, "ValidationError", 413),
    ],
)
def test_codes_and_statuses(error, code, status):
    assert (error.code, error.status) == (code, status)
    assert error("boom").to_json() == {"error": code, "message": "boom"}


def test_details_and_field_travel_in_the_body():
    body = ValidationError("bad", field="amount.currency", details={"hint": "GBP"}).to_json()
    assert body == {
        "error": "ValidationError",
        "message": "bad",
        "details": {"hint": "GBP", "field": "amount.currency"},
    }


def test_error_class_returns_the_known_classes():
    assert error_class("NotFound") is NotFound
    assert error_class("ValidationError") is ValidationError


def test_error_class_names_unknown_codes_after_the_code_and_reuses_them():
    cls = error_class("CardExpired")
    assert cls.__name__ == "CardExpired"
    assert issubclass(cls, ServiceError)
    assert error_class("CardExpired") is cls
    assert str(cls("too late")) == "too late"


@pytest.mark.parametrize("code", ["", "not-an-identifier", "lower", "X" * 65, "A b"])
def test_error_class_refuses_codes_that_are_not_identifiers(code):
    assert error_class(code) is InternalError
