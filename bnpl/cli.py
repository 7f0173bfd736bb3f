"""`bnpl`: run the local stack (and reset its data), print its Amplify configuration, mint dev
tokens, send GraphQL requests, list the dev outbox, trace a request through the stack, run the
credit service's jobs, receive the merchant's webhooks, export the schema, smoke-test a deployed
API.

Each command's work lives in `bnpl.commands`; it is imported only when that command runs, so
`bnpl token` does not pay for what `bnpl dev` needs. The commands that take a sub-command declare
their arguments in `bnpl.commands.groups`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

# Taken at import so that `bnpl dev` reports start-up from (nearly) the moment the process began.
_STARTED = time.monotonic()

# Cognito lets an app client issue id and access tokens valid for at most one day.
_MAX_TTL_S = 86_400
_MAX_OUTBOX_LIMIT = 1000


def _ttl(value: str) -> int:
    try:
        seconds = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of seconds") from None
    if not 1 <= seconds <= _MAX_TTL_S:
        raise argparse.ArgumentTypeError(f"must be between 1 and {_MAX_TTL_S} seconds")
    return seconds


def _limit(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= _MAX_OUTBOX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {_MAX_OUTBOX_LIMIT}")
    return int(value)


def _minor_units(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("must be a whole number of minor units, at least 1")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every `bnpl` command."""
    from bnpl.commands import groups

    parser = argparse.ArgumentParser(
        prog="bnpl",
        description="The local BNPL stack: run it, mint dev tokens, send GraphQL requests.",
    )
    commands = parser.add_subparsers(dest="command", metavar="<command>")

    dev = commands.add_parser("dev", help="start the local stack and supervise it until Ctrl-C")
    dev.add_argument(
        "--in-memory", action="store_true", help="keep DynamoDB Local's data in memory only"
    )
    dev.add_argument(
        "--reset", action="store_true", help="delete the kept data first (as `bnpl reset`)"
    )

    commands.add_parser(
        "reset",
        help="delete the local stack's kept data; the next `bnpl dev` seeds the sandbox afresh",
        description="Delete what `bnpl dev` keeps between runs in its data folder (BNPL_DATA_DIR, "
        ".bnpl/ by default): DynamoDB Local's database and the sandbox bureau-outage switch. The "
        "dev signing key stays, so tokens already minted still verify. Refused while a `bnpl "
        "dev` stack runs on that folder.",
    )

    amplify = commands.add_parser(
        "amplify-config",
        help="print the local stack's Amplify JS v6 configuration (JSON)",
        description="Print what a front end passes to Amplify.configure to use the local stack: "
        "the dev user pool (its HTTPS endpoint as userPoolEndpoint) and the emulator's HTTPS "
        "GraphQL endpoint. `bnpl dev` also writes both forms into the data folder.",
    )
    amplify.add_argument(
        "--outputs",
        action="store_true",
        help="print amplify_outputs.json (Gen 2) instead; the endpoint is in custom",
    )

    token = commands.add_parser("token", help="print a dev token for a persona or a subject")
    token.add_argument("subject", metavar="persona-or-sub", help="a sandbox persona or any sub")
    token.add_argument(
        "--group",
        dest="groups",
        action="append",
        default=[],
        metavar="G",
        help="add a cognito:groups entry (repeatable)",
    )
    token.add_argument("--access", action="store_true", help="an access token, not an id token")
    token.add_argument("--email", help="the email claim (default: the persona's, or <sub>@...)")
    token.add_argument("--ttl", type=_ttl, default=3600, metavar="S", help="lifetime in seconds")

    gql = commands.add_parser("gql", help="send a GraphQL request to the local API")
    identity = gql.add_mutually_exclusive_group()
    identity.add_argument(
        "--iam", action="store_true", help="sign with SigV4 as the sandbox merchant"
    )
    identity.add_argument(
        "--as", dest="persona", metavar="PERSONA", help="send a dev token for this persona or sub"
    )
    gql.add_argument("document", help="the GraphQL document ('-' reads it from stdin)")
    gql.add_argument("--variables", metavar="JSON", help="variables as a JSON object")
    gql.add_argument("--url", help="GraphQL endpoint (default: the local emulator)")

    outbox = commands.add_parser(
        "outbox", help="list the verification codes the local stack sent, newest first"
    )
    outbox.add_argument(
        "--limit", type=_limit, default=10, metavar="N", help="at most N messages (default 10)"
    )
    outbox.add_argument("--json", action="store_true", help="print a JSON array")
    outbox.add_argument("--to", metavar="DESTINATION", help="only messages to this phone or email")

    trace = commands.add_parser(
        "trace", help="one request's path through the local stack, hop by hop, from its logs"
    )
    trace.add_argument("request_id", help="the x-amzn-RequestId the API answered with")
    trace.add_argument("--json", action="store_true", help="print the log records as JSON")

    metrics = commands.add_parser(
        "metrics",
        help="what the local stack counted (decisions, payments, webhooks...), from its logs",
        description="Sum the CloudWatch metric documents (EMF) the stack's processes wrote to "
        "bnpl dev's log files (<data folder>/logs): one row per metric and dimension set, with "
        "its count and sum, and p50/p99 for durations.",
    )
    metrics.add_argument(
        "--since", metavar="WHEN", help="only the last N minutes, or since an ISO 8601 moment"
    )

    groups.add_bank(commands)
    groups.add_jobs(commands)
    groups.add_webhooks(commands)
    groups.add_audit(commands)
    groups.add_schema(commands)
    groups.add_workflow(commands)

    smoke = commands.add_parser(
        "smoke",
        help="run the checkout flow against a deployed API and print PASS/FAIL per step",
        description="The checkout flow against a deployed API: me, createCheckout (IAM), "
        "applyForCredit, acceptOffer (tok_visa), captureCheckout, refundCheckout. The shopper's "
        "ID token comes from --id-token (or BNPL_SMOKE_ID_TOKEN), or from Cognito for "
        "--username/--client-id with the password in BNPL_SMOKE_PASSWORD or typed at a prompt; "
        "the merchant's AWS credentials from the default chain. Exit code 1 if a step fails.",
    )
    smoke.add_argument("--url", required=True, help="the API's GraphQL URL (terraform output)")
    smoke.add_argument("--id-token", help="the shopper's Cognito ID token")
    smoke.add_argument("--username", help="the shopper's Cognito user name, to sign in")
    smoke.add_argument("--client-id", help="the web app client that signs the shopper in")
    smoke.add_argument("--region", help="the API's region (default: from the URL, or AWS_REGION)")
    smoke.add_argument("--profile", help="the AWS profile of the merchant's credentials")
    smoke.add_argument(
        "--merchant-id", default="m_sandbox", help="the merchant the IAM caller is (m_sandbox)"
    )
    smoke.add_argument(
        "--amount", type=_minor_units, default=10_000, help="order total in minor units (10000)"
    )
    smoke.add_argument("--currency", default="GBP", help="ISO 4217 currency (GBP)")
    smoke.add_argument(
        "--refund-amount", type=_minor_units, default=1_000, help="amount refunded (1000)"
    )

    groups.add_model(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `bnpl` command and return its exit code (2 for a usage error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        # argparse exits on --help and on usage errors; callers (and tests) get the code instead.
        return exit_.code if isinstance(exit_.code, int) else 2
    from bnpl.commands import UsageError

    try:
        return _run(parser, args)
    except UsageError as exc:
        sys.stderr.write(f"bnpl {args.command}: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:  # noqa: C901, PLR0911, PLR0912 - a dispatcher: one branch and return per command
    if args.command == "dev":
        from bnpl.commands import dev

        return dev.run(in_memory=args.in_memory, reset=args.reset, started=_STARTED)
    if args.command == "reset":
        from bnpl.commands import reset

        return reset.run()
    if args.command == "amplify-config":
        from bnpl.commands import amplify_config

        return amplify_config.run(gen2_outputs=args.outputs)
    if args.command == "token":
        from bnpl.commands import token

        return token.run(
            subject=args.subject,
            groups=args.groups,
            access=args.access,
            email=args.email,
            ttl_s=args.ttl,
        )
    if args.command == "gql":
        from bnpl.commands import gql

        return gql.run(
            document=args.document,
            variables=args.variables,
            iam=args.iam,
            persona=args.persona,
            url=args.url,
        )
    if args.command == "outbox":
        from bnpl.commands import outbox

        return outbox.run(limit=args.limit, as_json=args.json, destination=args.to)
    if args.command == "trace":
        from bnpl.commands import trace

        return trace.run(args.request_id, as_json=args.json)
    if args.command == "metrics":
        from bnpl.commands import metrics

        return metrics.run(since=args.since)
    if args.command == "bank" and args.bank_command in ("revoke", "expire"):
        from bnpl import bank_notifications

        return bank_notifications.run(
            action=args.bank_command, consent_id=args.consent_id, customer_id=args.customer
        )
    if args.command == "audit" and args.audit_command == "verify":
        from bnpl.commands import audit

        return audit.run(endpoint=args.endpoint, table_prefix=args.table_prefix, as_json=args.json)
    if args.command == "jobs" and args.jobs_command == "run":
        from bnpl.commands import jobs

        return jobs.run(at=args.at, as_json=args.json)
    if args.command == "webhooks" and args.webhooks_command == "listen":
        from bnpl.commands import webhooks as webhooks_command

        return webhooks_command.run(
            port=args.port,
            forward_to=args.forward_to,
            secret=args.secret,
            events=args.events,
            as_json=args.json,
        )
    if args.command == "schema" and args.schema_command == "export":
        # Imported here: it loads the whole schema, and the other commands must not need it.
        from bnpl import schema_export

        return schema_export.main(check=args.check)
    if args.command == "workflow" and args.workflow_command == "render":
        from bnpl.commands import workflow

        return workflow.run(check=args.check)
    if args.command == "smoke":
        from bnpl.commands import smoke

        return smoke.run(
            url=args.url,
            id_token=args.id_token,
            username=args.username,
            client_id=args.client_id,
            region=args.region,
            profile=args.profile,
            merchant_id=args.merchant_id,
            amount=args.amount,
            currency=args.currency,
            refund_amount=args.refund_amount,
        )
    if args.command == "model" and args.model_command == "train":
        from bnpl.commands import model as model_command

        return model_command.run(check=args.check, version=args.version)
    if args.command == "model" and args.model_command == "compare":
        from bnpl.commands import compare

        return compare.run(
            since=args.since,
            endpoint=args.endpoint,
            table_prefix=args.table_prefix,
            as_json=args.json,
        )
    if args.command == "model" and args.model_command == "monitor":
        from bnpl.commands import monitor
        from services.shared.emf import EmfMetrics
        from services.shared.metrics import NO_METRICS

        return monitor.run(
            since=args.since,
            endpoint=args.endpoint,
            table_prefix=args.table_prefix,
            bucket=args.bucket,
            as_json=args.json,
            metrics=EmfMetrics(service="model") if args.emf else NO_METRICS,
        )
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
