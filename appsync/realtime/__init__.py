"""GraphQL subscriptions as AppSync runs them: `@aws_subscribe` fan-out, filters, and the
real-time WebSocket protocol (appsync.md §7).

Modules: `protocol` (messages, connection headers), `connection` (one WebSocket), `registry`
(registering subscriptions), `start` (what a `start` carries, its refusals), `fanout` (handing
mutation results to subscribers), `roots` (an operation's root fields), `payload` (what a
subscriber receives), `filters` (enhanced filters).
"""

from __future__ import annotations

from appsync.realtime.connection import realtime_endpoint
from appsync.realtime.registry import Subscription, SubscriptionHub
from appsync.realtime.start import SubscriptionRefused

__all__ = ["Subscription", "SubscriptionHub", "SubscriptionRefused", "realtime_endpoint"]
