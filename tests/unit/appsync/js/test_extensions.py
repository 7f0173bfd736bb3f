"""`extensions` and `runtime.earlyReturn`'s options, as the evaluation reports them (appsync.md
§6.2, §7.1)."""

from __future__ import annotations

from tests.unit.appsync.js.conftest import Run


def test_set_subscription_filter_is_reported(run: Run) -> None:
    """`extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter(...))` in a
    subscription's response handler: the subscription engine reads the filter from here."""
    evaluation = run(
        "[extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter("
        "{ status: { eq: 'PAID' } })), null][1]"
    )
    assert evaluation.error is None
    assert evaluation.subscription_filter == {
        "filterGroup": [{"filters": [{"fieldName": "status", "operator": "eq", "value": "PAID"}]}]
    }
    assert evaluation.subscription_invalidation_filter is None
    assert evaluation.invalidations == ()


def test_invalidation_filter_and_invalidations_are_reported(run: Run) -> None:
    evaluation = run(
        "[extensions.setSubscriptionInvalidationFilter({ filterGroup: [] }),"
        " extensions.invalidateSubscriptions({ subscriptionField: 'onX', payload: { id: 1 } }),"
        " extensions.invalidateSubscriptions({ subscriptionField: 'onY', payload: { id: 2 } }),"
        " 'ok'][3]"
    )
    assert evaluation.result == "ok"
    assert evaluation.subscription_invalidation_filter == {"filterGroup": []}
    assert evaluation.invalidations == (
        {"subscriptionField": "onX", "payload": {"id": 1}},
        {"subscriptionField": "onY", "payload": {"id": 2}},
    )


def test_nothing_set_leaves_the_fields_empty_and_does_not_leak(run: Run) -> None:
    run("[extensions.setSubscriptionFilter({ filterGroup: [] }), 1][1]")
    evaluation = run("2")
    assert (evaluation.subscription_filter, evaluation.invalidations) == (None, ())


def test_evict_from_api_cache_is_a_no_op(run: Run) -> None:
    """The emulator has no API cache: eviction succeeds and does nothing."""
    evaluation = run("extensions.evictFromApiCache('Query', 'me', { 'context.arguments.id': 1 })")
    assert (evaluation.error, evaluation.result) == (None, None)


def test_early_return_reports_skip_to(run: Run) -> None:
    """`runtime.earlyReturn(value, {skipTo: 'NEXT'})` (appsync.md §6.2): for pipeline functions."""
    evaluation = run("runtime.earlyReturn({ a: 1 }, { skipTo: 'NEXT' })")
    assert (evaluation.early_return, evaluation.result, evaluation.skip_to) == (
        True, {"a": 1}, "NEXT",
    )  # fmt: skip
    assert run("runtime.earlyReturn(1)").skip_to is None
