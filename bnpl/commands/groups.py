"""The arguments of the `bnpl` commands that take a sub-command: `bank revoke|expire`, `jobs run`,
`webhooks listen`, `audit verify`, `schema export`, `workflow render` and
`model train|monitor|compare` (`bnpl.cli` runs them)."""

from __future__ import annotations

import argparse

_MAX_PORT = 65_535


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= _MAX_PORT:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to {_MAX_PORT}")
    return int(value)


def add_bank(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`bnpl bank revoke|expire`."""
    bank = commands.add_parser(
        "bank",
        help="the sandbox bank: tell the user service that a consent ended at the bank",
        description=(
            "Send the sandbox bank's signed consent notification (Standard Webhooks) to the "
            "local user service, as a bank does when a customer revokes a consent in their "
            "banking app or the bank expires it. Signed with BNPL_BANK_WEBHOOK_SECRET if set, "
            "else with the data folder's bank-webhook-secret: the secret `bnpl dev` gives the "
            "user service."
        ),
    )
    bank_commands = bank.add_subparsers(dest="bank_command", metavar="<action>")
    for action, summary in (
        ("revoke", "the customer revoked the consent at their bank: it becomes REVOKED"),
        ("expire", "the bank expired the consent: it becomes EXPIRED"),
    ):
        bank_action = bank_commands.add_parser(action, help=summary)
        bank_action.add_argument(
            "consent_id", metavar="consentId", help="e.g. sandbox-consent-approve"
        )
        bank_action.add_argument(
            "--customer",
            metavar="SUB",
            help="the consent's customer (default: looked up in the local stack's consents)",
        )


def add_jobs(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`bnpl jobs run`."""
    jobs = commands.add_parser("jobs", help="the credit service's scheduled work")
    jobs_commands = jobs.add_subparsers(dest="jobs_command", metavar="<command>")
    jobs_run = jobs_commands.add_parser(
        "run",
        help=(
            "expire uncaptured checkouts, mark late instalments, settle interrupted payments, "
            "send webhooks due"
        ),
    )
    jobs_run.add_argument(
        "--at", metavar="WHEN", help="run as if it were this ISO 8601 moment (sandbox only)"
    )
    jobs_run.add_argument("--json", action="store_true", help="print the report as JSON")


def add_webhooks(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`bnpl webhooks listen`."""
    webhooks = commands.add_parser("webhooks", help="the merchant webhooks the stack sends")
    webhooks_commands = webhooks.add_subparsers(dest="webhooks_command", metavar="<command>")
    listen = webhooks_commands.add_parser(
        "listen",
        help="receive, verify and print the sandbox merchant's webhooks (Ctrl-C stops)",
        description="Serve HTTP on 127.0.0.1, verify each request's Standard Webhooks "
        "signature and timestamp, and print one line per event (again: a redelivery of an "
        "event already received). Without --secret, register this URL as a webhook endpoint "
        "of the sandbox merchant (needs `bnpl dev`) and disable it on exit. A verified event "
        "is answered 204, or with the --forward-to app's status; anything else 400.",
    )
    listen.add_argument(
        "--port", type=_port, default=4010, metavar="N", help="port on 127.0.0.1 (4010; 0: any)"
    )
    listen.add_argument(
        "--forward-to",
        metavar="URL",
        help="also POST each verified event, body and signature unchanged, to this URL",
    )
    listen.add_argument(
        "--secret",
        metavar="whsec_...",
        help="verify with this secret, for an endpoint registered elsewhere; register nothing",
    )
    listen.add_argument(
        "--events",
        metavar="TYPE,...",
        help="register for these types only, e.g. checkout.approved,checkout.captured",
    )
    listen.add_argument(
        "--json", action="store_true", help="print each event's JSON on stdout, the rest on stderr"
    )


def add_audit(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`bnpl audit verify`."""
    audit = commands.add_parser("audit", help="the audit log of decisions, money and consents")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="<command>")
    verify = audit_commands.add_parser(
        "verify",
        help="check every audit stream's hash chain; exit 1 at a break",
        description="Read the audit log and the head each audited item keeps, check every "
        "stream's chain and print the first break of each broken one (an entry altered, "
        "missing or inserted, or a head mismatch). Reads the local stack's tables unless "
        "--endpoint names another DynamoDB (credentials from the environment).",
    )
    verify.add_argument("--endpoint", metavar="URL", help="DynamoDB endpoint (the local stack's)")
    verify.add_argument("--table-prefix", metavar="PREFIX", help="table prefix (bnpl-dev-)")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")


def add_schema(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`bnpl schema export`."""
    schema = commands.add_parser("schema", help="the generated schema and resolver bindings")
    schema_commands = schema.add_subparsers(dest="schema_command", metavar="<command>")
    export = schema_commands.add_parser(
        "export", help="write schema/schema.graphql and resolvers/bindings.json"
    )
    export.add_argument(
        "--check", action="store_true", help="write nothing; fail if a file is out of date"
    )


def add_workflow(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`bnpl workflow render`."""
    workflow = commands.add_parser("workflow", help="the pre-screening state machine")
    workflow_commands = workflow.add_subparsers(dest="workflow_command", metavar="<command>")
    render = workflow_commands.add_parser(
        "render",
        help="draw the state machine's ASL definition into docs/workflow.md (Mermaid)",
    )
    render.add_argument(
        "--check", action="store_true", help="write nothing; fail if the page is out of date"
    )


def add_model(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`bnpl model train|monitor|compare`."""
    model = commands.add_parser("model", help="the credit model (needs the `model` extra)")
    model_commands = model.add_subparsers(dest="model_command", metavar="<command>")
    model_train = model_commands.add_parser(
        "train", help="train on data/credit_data and write models/<version>/"
    )
    model_train.add_argument(
        "--check",
        action="store_true",
        help="write nothing; re-train and fail unless the committed artefact is reproduced",
    )
    model_train.add_argument(
        "--version",
        metavar="VERSION",
        help="one model version (credit-v1, credit-v2); every version by default",
    )
    monitor = model_commands.add_parser(
        "monitor",
        help="drift of the decided population from the training data (PSI), and the outcome mix",
        description="Read the decided applications' evidence and report the population "
        "stability index of the model's score and of each model feature against the training "
        "data (watch from 0.10, act from 0.25), and the outcome and reason-code mix per "
        "--bucket. Reads the local stack's tables unless --endpoint names another DynamoDB "
        "(credentials from the environment).",
    )
    monitor.add_argument(
        "--since", metavar="WHEN", help="only decisions since: minutes ago, or ISO 8601 with a zone"
    )
    monitor.add_argument("--endpoint", metavar="URL", help="DynamoDB endpoint (the local stack's)")
    monitor.add_argument("--table-prefix", metavar="PREFIX", help="table prefix (bnpl-dev-)")
    monitor.add_argument(
        "--bucket", choices=("day", "hour"), default="day", help="the mix's time bucket (day)"
    )
    monitor.add_argument("--json", action="store_true", help="print the report as JSON")
    monitor.add_argument(
        "--emf",
        action="store_true",
        help="also write the figures to stdout as CloudWatch EMF documents, for alarms",
    )
    compare = model_commands.add_parser(
        "compare",
        help="the champion model against the challenger scored in its shadow",
        description="Read the decided applications' evidence, where the challenger's score and "
        "its would-be outcome sit beside the champion's, and report how often the two agree at "
        "the policy's cut-offs, the swap-in and swap-out rates, and each model's AUC on the "
        "applications whose repayment is known. Reads the local stack's tables unless "
        "--endpoint names another DynamoDB (credentials from the environment).",
    )
    compare.add_argument(
        "--since", metavar="WHEN", help="only decisions since: minutes ago, or ISO 8601 with a zone"
    )
    compare.add_argument("--endpoint", metavar="URL", help="DynamoDB endpoint (the local stack's)")
    compare.add_argument("--table-prefix", metavar="PREFIX", help="table prefix (bnpl-dev-)")
    compare.add_argument("--json", action="store_true", help="print the report as JSON")
