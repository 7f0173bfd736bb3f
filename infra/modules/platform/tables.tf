# The DynamoDB tables. Kept as literal data (no expressions) so tools can read the map and
# compare it with the services' pynamodb models, which must declare the same keys.
# Names are "<name_prefix><short name>". `stream_view_type` is the one entry no model declares:
# which tables have a DynamoDB stream (tests/infra/test_tables.py holds that list too).
locals {
  tables = {
    customers = {
      hash_key   = "id"
      attributes = { id = "S" }
    }
    # Open-banking consents under their customer: listing a customer's consents is one query.
    bank_consents = {
      hash_key   = "customer_id"
      range_key  = "id"
      attributes = { customer_id = "S", id = "S" }
    }
    checkouts = {
      hash_key   = "id"
      attributes = { id = "S" }
    }
    # One item per (merchant, merchant reference) naming its checkout: writing it conditionally
    # is what makes a repeated merchant reference return the first checkout, not a second one.
    checkout_references = {
      hash_key   = "merchant_reference_key"
      attributes = { merchant_reference_key = "S" }
    }
    merchants = {
      hash_key   = "id"
      attributes = { id = "S" }
    }
    # Credit applications, keyed by an id derived from (customer, idempotency key): a conditional
    # put is the claim on the key. `by_customer` lists a customer's applications by time.
    applications = {
      hash_key   = "id"
      attributes = { id = "S", customer_id = "S", created_at = "S" }
      global_secondary_indexes = {
        by_customer = { hash_key = "customer_id", range_key = "created_at" }
      }
    }
    # One record per customer, device and address of its applications in the last day, written
    # in the transaction of each new application on the condition that it is unchanged: the
    # fraud check's velocity counts and the exposure's open approvals come from one read.
    # `expires_at` drops a record no rule looks back to.
    recent_applications = {
      hash_key      = "subject"
      attributes    = { subject = "S" }
      ttl_attribute = "expires_at"
    }
    # Payment plans, one item each (instalments and payments inside, changed under a version
    # condition); `by_customer` lists a customer's plans newest first (myPlans).
    plans = {
      hash_key   = "id"
      attributes = { id = "S", customer_id = "S", created_at = "S" }
      global_secondary_indexes = {
        by_customer = { hash_key = "customer_id", range_key = "created_at" }
      }
    }
    # Idempotency records of acceptOffer and payInstalment, keyed by (customer, key) digested;
    # written in the same transaction as the plan they made.
    plan_requests = {
      hash_key   = "id"
      attributes = { id = "S" }
    }
    # Verification challenges in each customer's five rate-limit slots (0-4): a conditional put
    # on a slot is what enforces at most five challenges an hour. `ttl` (epoch seconds) lets
    # DynamoDB drop a challenge once it no longer counts. The dev outbox table is local only.
    verification_challenges = {
      hash_key      = "customer_id"
      range_key     = "slot"
      attributes    = { customer_id = "S", slot = "N" }
      ttl_attribute = "ttl"
    }
    # The bank's consent notifications by their webhook-id: recording one conditionally is what
    # applies a notification once, however often the bank delivers it. `expires_at` drops the
    # record once no retry of the bank could still bring it.
    bank_notifications = {
      hash_key      = "id"
      attributes    = { id = "S" }
      ttl_attribute = "expires_at"
    }
    # Merchant webhooks (services/credit/webhooks/models.py). The outbox: one event per item,
    # written in the transaction of the change it reports, numbered per checkout (`stream`,
    # `sequence`). Its stream (new images) feeds the sender Lambda; `undispatched` is a sparse
    # index of events not yet fanned out to their endpoints, which the sender's sweep reads for
    # any event the stream missed; `by_id` finds an event for a replay.
    webhook_events = {
      hash_key   = "stream"
      range_key  = "sequence"
      attributes = { stream = "S", sequence = "N", id = "S", undispatched = "S", created_at = "S" }
      global_secondary_indexes = {
        by_id        = { hash_key = "id" }
        undispatched = { hash_key = "undispatched", range_key = "created_at", projection_type = "KEYS_ONLY" }
      }
      ttl_attribute    = "expires_at"
      stream_view_type = "NEW_IMAGE"
    }
    # Merchants' endpoints (never their secrets: those are in Secrets Manager).
    webhook_endpoints = {
      hash_key   = "id"
      attributes = { id = "S", merchant_id = "S", created_at = "S" }
      global_secondary_indexes = {
        by_merchant = { hash_key = "merchant_id", range_key = "created_at" }
      }
    }
    # One event's delivery to one endpoint. `due` is a sparse index of the deliveries still to
    # attempt, by when (the sender's retry sweep); `by_endpoint` lists an endpoint's deliveries.
    webhook_deliveries = {
      hash_key   = "id"
      attributes = { id = "S", due = "S", next_attempt_at = "S", endpoint_id = "S", created_at = "S" }
      global_secondary_indexes = {
        due         = { hash_key = "due", range_key = "next_attempt_at", projection_type = "KEYS_ONLY" }
        by_endpoint = { hash_key = "endpoint_id", range_key = "created_at" }
      }
      ttl_attribute = "expires_at"
    }
  }
}

# The sandbox card network's tables (services/credit/models.py, SandboxChargeModel and
# SandboxRefundModel): deployed only where the sandbox network is the card network
# (`sandbox_payments`), so an environment that takes test tokens remembers its charges as a real
# network would. Literal data, like `tables`.
locals {
  sandbox_payment_tables = {
    sandbox_charges = {
      hash_key   = "id"
      attributes = { id = "S" }
    }
    sandbox_refunds = {
      hash_key   = "idempotency_key"
      attributes = { idempotency_key = "S" }
    }
  }
}
