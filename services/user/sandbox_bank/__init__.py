"""The sandbox bank: deterministic accounts and transactions per customer, standing in for
real banks."""
