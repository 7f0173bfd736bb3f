"""Sandbox personas: customers whose data gives known outcomes in the local stack.

`bnpl token <persona>` signs a token for one of them; `bnpl dev` seeds their profiles.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Persona:
    """A sandbox customer: the token's subject and the profile seeded for it."""

    name: str
    sub: str
    email: str
    given_name: str
    family_name: str
    date_of_birth: str
    phone: str
    summary: str
    groups: tuple[str, ...] = ("customers",)


def _persona(name: str, given: str, family: str, dob: str, phone: str, summary: str) -> Persona:
    return Persona(
        name=name,
        sub=f"sandbox-{name}",
        email=f"{name}@sandbox.bnpl.test",
        given_name=given,
        family_name=family,
        date_of_birth=dob,
        phone=phone,
        summary=summary,
    )


PERSONAS: dict[str, Persona] = {
    p.name: p
    for p in (
        _persona("approve", "Amelia", "Hart", "1988-04-12", "+447700900001", "good file: approved"),
        _persona("decline", "Dominic", "Price", "1979-09-30", "+447700900002", "recent defaults"),
        _persona("refer", "Rosa", "Flint", "1995-01-23", "+447700900003", "borderline score"),
        _persona("thin", "Theo", "Lane", "2004-06-05", "+447700900004", "no bureau file"),
        _persona("fraud", "Felix", "Crane", "1990-11-11", "+447700900005", "on the blocklist"),
        Persona(
            name="underwriter",
            sub="sandbox-underwriter",
            email="underwriter@sandbox.bnpl.test",
            given_name="Uma",
            family_name="Reed",
            date_of_birth="1985-02-14",
            phone="+447700900009",
            summary="risk analyst (group underwriters)",
            groups=("underwriters",),
        ),
    )
}

# The customer whose token `bnpl dev` prints at start-up.
DEFAULT_PERSONA = "approve"
