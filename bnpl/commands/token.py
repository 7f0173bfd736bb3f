"""`bnpl token`: print a dev token for a sandbox persona or any subject."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bnpl.commands import UsageError, dev_settings
from bnpl.idp.tokens import mint_token
from bnpl.personas import PERSONAS, not_a_persona


def run(
    *,
    subject: str,
    groups: Sequence[str],
    access: bool,
    email: str | None,
    ttl_s: int,
) -> int:
    """Print one line: the token, ready to be the `Authorization` header.

    Args:
        subject: a persona name (its sub, email and groups) or any other string, taken as the sub.
        groups: more `cognito:groups`, after the persona's own.
        access: mint an access token instead of an id token.
        email: the email claim; the persona's, or `<sub>@example.test`, by default.
        ttl_s: seconds until the token expires.
    """
    if not subject.strip() or any(ch.isspace() or not ch.isprintable() for ch in subject):
        raise UsageError(f"{subject!r} is not a persona or a valid sub (no spaces)")
    if email is not None and "@" not in email:
        raise UsageError(f"--email {email!r} is not an email address")
    persona = PERSONAS.get(subject)
    sub = persona.sub if persona else subject
    warning = not_a_persona(subject)
    if warning:
        sys.stderr.write(f"bnpl token: {warning}\n")
    try:
        token = mint_token(
            dev_settings(),
            sub=sub,
            email=email or (persona.email if persona else f"{sub}@example.test"),
            groups=[*(persona.groups if persona else ()), *groups],
            token_use="access" if access else "id",
            ttl_s=ttl_s,
        )
    except ValueError as exc:  # an unreadable key file
        sys.stderr.write(f"bnpl token: {exc}\n")
        return 1
    sys.stdout.write(token + "\n")
    return 0
