"""The sandbox personas as users of the dev user pool: confirmed, email verified, in their
groups, with their own `sub` as username and their dev password.

Idempotent: a persona that exists already is left as it is (a password a developer changed
stays changed until `bnpl reset`).
"""

from __future__ import annotations

from types import MappingProxyType

from bnpl.idp.provider import Provider
from bnpl.idp.store import EmailTakenError
from bnpl.idp.users import CONFIRMED, User, Verifier
from bnpl.personas import PERSONAS, Persona


def persona_user(provider: Provider, persona: Persona) -> User:
    now = provider.now()
    return User(
        username=persona.sub,
        status=CONFIRMED,
        email=persona.email,
        email_verified=True,
        credentials=Verifier.for_password(provider.pool.name, persona.sub, persona.password),
        attributes=MappingProxyType(
            {"given_name": persona.given_name, "family_name": persona.family_name}
        ),
        groups=persona.groups,
        created_at=now,
        updated_at=now,
    )


def seed_personas(provider: Provider) -> list[str]:
    """Create the personas that are missing.

    Returns:
        The names of the personas created now.
    """
    created = []
    for persona in PERSONAS.values():
        if provider.store.user(persona.sub) is not None:
            continue
        try:
            provider.store.create(persona_user(provider, persona))
        except EmailTakenError:
            continue  # another process seeded it first, or a shopper took the email
        created.append(persona.name)
    return created
