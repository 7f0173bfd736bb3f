"""Declaring root fields in Strawberry whose resolvers live in AppSync, not in Python."""

from __future__ import annotations

from typing import NoReturn


class UnboundFieldError(RuntimeError):
    """A field declared for AppSync was executed by Strawberry itself, outside the emulator."""


def resolved_by_binding() -> NoReturn:
    """The body of a Strawberry field whose resolver is an AppSync binding.

    Strawberry needs a function to read a field's arguments from; the emulator replaces it with
    the field's bound resolver, as AppSync would, so this body never runs there.
    """
    raise UnboundFieldError("this field is resolved by its AppSync resolver binding")
