"""Clients of what the credit service calls: the user service (profiles, bank data), the
scoring endpoint, and the event bus."""
