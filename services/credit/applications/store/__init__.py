"""Where credit applications are kept (DynamoDB), and the workflow's data sources built on them.

- The application item is the claim on its idempotency key (its id derives from the key), and
  it is written only if absent.
- Only one run of the workflow at a time: a run first takes a lease on the item (a conditional
  update on PENDING with no live lease); the decision is written in one transaction with the
  customer's entry in the checkout's applicants, both conditional, so a decision and its
  checkout never disagree. The checkout's own status is not touched: one shopper's decision
  never closes it for another, and the transaction's condition keeps the applicants within
  `MAX_APPLICANTS_PER_CHECKOUT` however many shoppers decide at once.
- A new application is written in one transaction with its place in the records of its
  customer's, device's and address's recent applications (`recent`), which the velocity rules
  count and the exposure reads; a decision sets its outcome there too. The port is
  `applications.ports`.

Modules: `dynamo` (the store: reads, new applications, the workflow's lease), `decisions` (a
decision or a settled referral, written with its checkout), `items` (an application as its stored
item, and back).
"""

from __future__ import annotations

from services.credit.applications.store.dynamo import DynamoApplicationStore
from services.credit.applications.store.items import to_domain, to_item

__all__ = ["DynamoApplicationStore", "to_domain", "to_item"]
