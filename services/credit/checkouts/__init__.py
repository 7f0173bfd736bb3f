"""Checkouts and merchants: what a checkout is, its use cases, storage and HTTP face."""
