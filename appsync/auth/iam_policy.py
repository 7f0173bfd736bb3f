"""IAM identity policies for `appsync:GraphQL`, evaluated per field as AWS evaluates them.

AppSync authorizes an AWS_IAM caller by its identity-based policies (it has no resource
policies and supports no condition keys: AWS guide "How AWS AppSync works with IAM"). The
action is `appsync:GraphQL`; the resource of a field is
`arn:aws:appsync:<region>:<account>:apis/<api id>/types/<Type>/fields/<field>`. Evaluation is
IAM's: an explicit Deny wins, otherwise an Allow is needed, otherwise the request is denied.
`Action`/`NotAction` and `Resource`/`NotResource` match case-insensitively for actions and
case-sensitively for ARNs, with `*` and `?` wildcards. A statement with a `Condition` is refused
when the policy is loaded: AppSync honours no condition keys, so a policy relying on one would
behave differently than its author expects.

Which fields are checked: the fields of the operation root types (Query, Mutation,
Subscription). UNVERIFIED whether AppSync also checks the fields of nested object types; policies
in the wild grant root fields only and read the objects those return.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ACTION = "appsync:GraphQL"

PolicyDocument = Mapping[str, Any]
"""An IAM policy document: `{"Version": ..., "Statement": [...]}` (or one statement object)."""

ALLOW_ALL: PolicyDocument = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ACTION, "Resource": "*"}],
}
"""A principal allowed every field of every API (what the AWS-managed admin policies grant)."""


class PolicyError(ValueError):
    """A policy document the emulator cannot evaluate faithfully."""


@dataclass(frozen=True)
class _Statement:
    allow: bool
    actions: tuple[re.Pattern[str], ...]
    not_action: bool
    resources: tuple[re.Pattern[str], ...]
    not_resource: bool

    def applies(self, resource: str) -> bool:
        action = any(p.fullmatch(ACTION.lower()) for p in self.actions) != self.not_action
        return action and any(p.fullmatch(resource) for p in self.resources) != self.not_resource


class IamPolicy:
    """The compiled policies of one principal.

    Args:
        documents: its identity-based policy documents (all of them apply).

    Raises:
        PolicyError: a document is malformed or uses something AppSync does not honour.
    """

    def __init__(self, documents: Sequence[PolicyDocument]) -> None:
        self._statements = tuple(s for d in documents for s in _statements(d))
        self._decisions = functools.lru_cache(maxsize=1024)(self._decide)

    def allows(self, resource: str) -> bool:
        """Whether `appsync:GraphQL` on `resource` (a field's ARN) is allowed."""
        return self._decisions(resource)

    def _decide(self, resource: str) -> bool:
        applicable = [s for s in self._statements if s.applies(resource)]
        if any(not s.allow for s in applicable):
            return False  # an explicit deny overrides any allow
        return any(s.allow for s in applicable)


def field_arn(api_arn: str, type_name: str, field_name: str) -> str:
    """The ARN IAM policies name a field by."""
    return f"{api_arn}/types/{type_name}/fields/{field_name}"


def _statements(document: PolicyDocument) -> list[_Statement]:
    raw = document.get("Statement", document) if isinstance(document, Mapping) else None
    statements = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(statements, list) or not statements:
        raise PolicyError("A policy needs a Statement: an object or a non-empty list of them.")
    return [_statement(s) for s in statements]


def _statement(raw: Any) -> _Statement:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"A policy statement must be an object, not {json.dumps(raw)}.")
    if "Condition" in raw:
        raise PolicyError(
            "AppSync honours no IAM condition keys; a statement with a Condition would not "
            "mean what it says."
        )
    if "Principal" in raw or "NotPrincipal" in raw:
        raise PolicyError("An identity-based policy names no Principal.")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"Effect must be Allow or Deny, not {effect!r}.")
    actions, not_action = _one_of(raw, "Action", "NotAction")
    resources, not_resource = _one_of(raw, "Resource", "NotResource")
    return _Statement(
        allow=effect == "Allow",
        actions=tuple(_pattern(a.lower()) for a in actions),
        not_action=not_action,
        resources=tuple(_pattern(r) for r in resources),
        not_resource=not_resource,
    )


def _one_of(raw: Mapping[str, Any], name: str, negated: str) -> tuple[list[str], bool]:
    if (name in raw) == (negated in raw):
        raise PolicyError(f"A statement needs exactly one of {name} and {negated}.")
    value = raw.get(name, raw.get(negated))
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise PolicyError(f"{name} must be a string or a non-empty list of strings.")
    return values, negated in raw


def _pattern(glob: str) -> re.Pattern[str]:
    """IAM's wildcards: `*` any run of characters, `?` any one; nothing else is special."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile("".join(parts), re.DOTALL)
