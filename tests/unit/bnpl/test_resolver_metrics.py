"""The local AppSync's resolver errors, counted by errorType, one event per request and type."""

from __future__ import annotations

from bnpl.resolver_metrics import resolver_error_counter
from services.shared.metrics import RecordingMetrics


def test_field_errors_are_counted_per_error_type_and_refusals_are_not():
    metrics = RecordingMetrics()
    counted = resolver_error_counter(metrics)
    counted(
        [
            {"path": ["a"], "errorType": "DependencyFailure", "message": "retry"},
            {"path": ["b"], "errorType": "DependencyFailure", "message": "retry"},
            {"path": ["c"], "errorType": "NotFound", "message": "no"},
            {"path": ["d"], "errorType": None, "message": "Cannot return null"},
            {"path": None, "locations": [], "message": "Variable '$x' is invalid"},
        ]
    )
    assert [(e.dimensions["errorType"], e.value("ResolverErrors")) for e in metrics.events] == [
        ("DependencyFailure", 2),
        ("NotFound", 1),
        ("none", 1),
    ]
