"""Fixtures for the limits conformance suite (appsync.md §8): the resolver suite's."""

from tests.conformance.resolvers.conftest import make_lambda, serve

__all__ = ["make_lambda", "serve"]
