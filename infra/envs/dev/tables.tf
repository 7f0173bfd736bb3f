# The DynamoDB tables. Kept as literal data (no expressions) so tools can read the map and
# compare it with the services' pynamodb models, which must declare the same keys.
# Names are "<name_prefix><short name>".
locals {
  tables = {
    customers = {
      hash_key   = "id"
      attributes = { id = "S" }
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
  }
}
