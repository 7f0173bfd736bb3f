"""New verified customers for tests against the whole local stack: the sandbox personas run out
of open approvals (three at a time) over a module's tests, and a test about one customer's data
needs a customer nobody else uses."""

from __future__ import annotations

import uuid

from bnpl.devstack import RunningStack
from bnpl.personas import Persona
from bnpl.sandbox import persona_customer
from services.shared.settings import Settings
from services.user.customers.store import DynamoCustomerRepository


def new_customer(stack: RunningStack, prefix: str = "customer") -> Persona:
    """A verified customer with a fresh sub, stored in the stack's user table (the caller's
    environment needs AWS credentials, any will do for DynamoDB Local). Their bureau file and
    bank data derive from the sub."""
    sub = f"{prefix}-{uuid.uuid4().hex[:10]}"
    who = Persona(
        name=sub,
        sub=sub,
        email=f"{sub}@example.test",
        given_name="Fay",
        family_name="Tester",
        date_of_birth="1988-04-01",
        phone="+447700900123",
        summary=prefix,
    )
    DynamoCustomerRepository(Settings.from_environ(stack.environ)).add(persona_customer(who))
    return who
