"""Which data source resolves each field. Terraform deploys this table (`bindings.json`).

HTTP-resolved fields have an APPSYNC_JS file named `<Type>.<field>.js` beside this module; Lambda
fields are direct Lambda resolvers: AppSync sends the whole context to the credit proxy; the
subscription's resolver has code, to set its filter from the proxy's answer. The NONE
data source `checkout_events` resolves `publishCheckoutUpdate` in AppSync itself: its result is
what `onCheckoutUpdated` subscribers receive.
"""

from __future__ import annotations

from appsync.bindings import Binding, DataSourceType

DATA_SOURCES: dict[str, DataSourceType] = {
    "user_service": DataSourceType.HTTP,
    "credit_proxy": DataSourceType.AWS_LAMBDA,
    "checkout_events": DataSourceType.NONE,
}

# A merchant's webhook fields, all resolved by the credit proxy.
WEBHOOK_FIELDS = (
    "Mutation.createWebhookEndpoint",
    "Mutation.rotateWebhookSecret",
    "Mutation.disableWebhookEndpoint",
    "Mutation.enableWebhookEndpoint",
    "Mutation.replayWebhookEvent",
    "Mutation.sendTestWebhook",
    "Query.webhookEndpoints",
    "Query.webhookDeliveries",
)


# Which root fields each kind of AWS_IAM caller may call: the `appsync:GraphQL` resources of
# their IAM policies. Terraform builds the merchant policy and the publishers' grant from this
# table (bindings.json `iam_callers`); the local stack gives its sandbox merchant and its credit
# service the same policies. The schema's @aws_iam says a field takes IAM callers at all; this
# says which ones.
IAM_CALLERS: dict[str, tuple[str, ...]] = {
    "merchant": (
        "Mutation.createCheckout",
        "Query.checkout",
        "Mutation.captureCheckout",
        "Mutation.voidCheckout",
        "Mutation.refundCheckout",
        "Subscription.onCheckoutUpdated",
        *WEBHOOK_FIELDS,
    ),
    "checkout_publisher": ("Mutation.publishCheckoutUpdate",),
}


def _http(key: str) -> Binding:
    type_name, field_name = key.split(".")
    return Binding(
        type_name=type_name, field_name=field_name, data_source="user_service", code=f"{key}.js"
    )


def _lambda(key: str) -> Binding:
    type_name, field_name = key.split(".")
    return Binding(type_name=type_name, field_name=field_name, data_source="credit_proxy")


BINDINGS: tuple[Binding, ...] = (
    _http("Query.me"),
    _http("Mutation.registerCustomer"),
    _http("Mutation.updateCustomer"),
    _http("Mutation.startVerification"),
    _http("Mutation.confirmVerification"),
    _http("Query.myBankConsents"),
    _http("Mutation.grantBankConsent"),
    _http("Mutation.revokeBankConsent"),
    _lambda("Query.checkout"),
    _lambda("Mutation.createCheckout"),
    _lambda("Mutation.applyForCredit"),
    _lambda("Query.application"),
    _lambda("Query.applicationAudit"),
    _lambda("Mutation.reviewApplication"),
    _lambda("Checkout.application"),
    _lambda("Mutation.acceptOffer"),
    _lambda("Mutation.payInstalment"),
    _lambda("Mutation.payOffPlan"),
    _lambda("Mutation.captureCheckout"),
    _lambda("Mutation.voidCheckout"),
    _lambda("Mutation.refundCheckout"),
    _lambda("Query.plan"),
    _lambda("Query.myPlans"),
    _lambda("Checkout.plan"),
    *(_lambda(key) for key in WEBHOOK_FIELDS),
    # Who hears about a checkout: the credit proxy names the caller's audience, and the
    # response handler turns it into the subscription's enhanced filter.
    Binding(
        type_name="Subscription",
        field_name="onCheckoutUpdated",
        data_source="credit_proxy",
        code="Subscription.onCheckoutUpdated.js",
    ),
    Binding(
        type_name="Mutation",
        field_name="publishCheckoutUpdate",
        data_source="checkout_events",
        code="Mutation.publishCheckoutUpdate.js",
    ),
)
