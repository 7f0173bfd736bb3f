"""Sandbox personas: customers whose data gives known outcomes in the local stack.

`bnpl token <persona>` signs a token for one of them; `bnpl dev` seeds their profiles, and the
dev identity provider keeps each as a confirmed user who signs in with the persona's email and
dev password (`Sandbox-<name>-1`), as a shopper signs in through Amplify.
"""

from __future__ import annotations

import difflib
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

    @property
    def password(self) -> str:
        """The persona's dev password (`Sandbox-<name>-1`), for signing in to the dev identity
        provider. Local only, and printed by `bnpl dev`; it meets the user pool's password
        policy (12+ characters, upper and lower case, a digit, a symbol), and the pool keeps only
        its SRP verifier."""
        return dev_password(self.name)


def dev_password(name: str) -> str:
    """A persona's dev password.

    Example:
        >>> dev_password("approve")
        'Sandbox-approve-1'
    """
    return f"Sandbox-{name}-1"


def _persona(name: str, *, given: str, family: str, dob: str, phone: str, summary: str) -> Persona:
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
        _persona(
            "approve",
            given="Amelia",
            family="Hart",
            dob="1988-04-12",
            phone="+447700900001",
            summary="good file: approved",
        ),
        _persona(
            "decline",
            given="Dominic",
            family="Price",
            dob="1979-09-30",
            phone="+447700900002",
            summary="recent defaults",
        ),
        _persona(
            "refer",
            given="Rosa",
            family="Flint",
            dob="1995-01-23",
            phone="+447700900003",
            summary="borderline score",
        ),
        _persona(
            "thin",
            given="Theo",
            family="Lane",
            dob="2004-06-05",
            phone="+447700900004",
            summary="no bureau file",
        ),
        _persona(
            "fraud",
            given="Felix",
            family="Crane",
            dob="1990-11-11",
            phone="+447700900005",
            summary="on the blocklist",
        ),
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


def not_a_persona(name: str) -> str | None:
    """The warning for a name that is no persona (None for a persona): a typo such as `aprove`
    would otherwise mint a token for a new, empty shopper without a word.

    Example:
        >>> not_a_persona("aprove").endswith("(did you mean 'approve'?)")
        True
    """
    if name in PERSONAS:
        return None
    warning = (
        f"{name!r} is not a sandbox persona ({', '.join(PERSONAS)}); "
        f"minting a token for a new subject {name!r}"
    )
    closest = difflib.get_close_matches(name, PERSONAS, n=1)
    return f"{warning} (did you mean {closest[0]!r}?)" if closest else warning
