"""State machines run by a real ASL interpreter, moto's Step Functions engine, with their Lambda
Task states running our Python handlers.

    with moto_state_machine(definition, handler="tests.workflow.toy_handler:double") as machine:
        execution = machine.run({"amount": 21})
        assert execution.status == "SUCCEEDED"

How a Task state reaches the handler. moto's engine (ported from LocalStack's, on with moto's
`stepfunctions.execute_state_machine` setting) invokes Lambda with boto3 at
`http://localhost:$MOTO_PORT`, for a Lambda ARN as Resource and for `lambda:invoke` alike.
Without Docker, moto's own Lambda cannot run a function (its invoke answers "error running
docker"), and its Docker-less `lambda_simple` backend only echoes the event or replays canned
answers. So moto is started with MOTO_PORT set to a local Lambda endpoint (`lambda_endpoint`)
that runs the handler for Invoke and passes every other request to moto. This changes no moto
code and runs the handler unchanged, as Lambda's Python runtime would: the event, a context, and
a raised exception reported as that runtime reports it. Replacing moto's Lambda invoke inside
the moto process would work too, but would hang on a private method of moto's, and moto's
invoke marks a function error "Handled" where Lambda marks an exception "Unhandled". The
functions are still created in moto, so their ARNs are real and other AWS calls see them.

Processes. moto runs in its own process (`moto_process`), so its patching of botocore never
touches the test process; the Lambda endpoint and the handlers run in a thread of the test
process. Both listen on ports the system picks. The moto process exits when the test process
closes its standard input, which the system also does if the test process dies.

Where moto differs from Step Functions (moto 5.2):
- StartSyncExecution is not implemented: `run` starts an execution and polls it, for Express
  machines too.
- An execution needs a name: without one moto names every execution "None", and refuses the
  second as already existing.
- A Lambda service error (throttling, no such function) on a Task whose Resource is a function's
  ARN is named "Exception"; through `lambda:invoke` it is "Lambda.<code>" as on AWS. A Retry on
  "Lambda.TooManyRequestsException" and the like matches only the latter.
- A handler's error Cause is its error document re-serialised as compact JSON.
- Retry waits are real sleeps (IntervalSeconds is at least 1 s); `retry_wait_scale` shortens
  them without touching the definition.
"""

from __future__ import annotations

import functools
import json
import os
import re
import selectors
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import boto3
import httpx

from tests.workflow.lambda_endpoint import Invocation, LambdaEndpoint, load_handler

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_stepfunctions import SFNClient
    from mypy_boto3_stepfunctions.literals import StateMachineTypeType

MOTO_PROCESS = Path(__file__).with_name("moto_process.py")
REGION = "us-east-1"
# Terraform's templatefile placeholders, `${name}`, as the definition file holds them.
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
_TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
_ATTEMPT_EVENTS = {"LambdaFunctionScheduled", "TaskScheduled"}
_FAILURE_DETAILS = {
    "LambdaFunctionFailed": "lambdaFunctionFailedEventDetails",
    "LambdaFunctionTimedOut": "lambdaFunctionTimedOutEventDetails",
    "TaskFailed": "taskFailedEventDetails",
    "TaskTimedOut": "taskTimedOutEventDetails",
}


@dataclass(frozen=True)
class TaskFailure:
    """A failed attempt of a Task state, as the history records it."""

    state: str
    error: str | None
    cause: str | None


@dataclass(frozen=True)
class Execution:
    """A finished execution: its status, its output (parsed) or error, and its history."""

    arn: str
    status: str
    output: Any
    error: str | None
    cause: str | None
    events: tuple[dict[str, Any], ...]
    duration_s: float

    @property
    def entered(self) -> list[str]:
        """The states entered, in the order of the history (a Parallel's branches interleave)."""
        return [
            e["stateEnteredEventDetails"]["name"] for e in self._with("stateEnteredEventDetails")
        ]

    @property
    def exited(self) -> list[str]:
        return [e["stateExitedEventDetails"]["name"] for e in self._with("stateExitedEventDetails")]

    @property
    def failures(self) -> list[TaskFailure]:
        """Every failed attempt of a Task state, retried or not, in order."""
        return [
            TaskFailure(self.state_of(e), e[details].get("error"), e[details].get("cause"))
            for e in self.events
            if (details := _FAILURE_DETAILS.get(e["type"])) is not None
        ]

    def attempts(self, state: str) -> int:
        """How many times the state's task was scheduled: its first tries and its retries."""
        return sum(
            1 for e in self.events if e["type"] in _ATTEMPT_EVENTS and self.state_of(e) == state
        )

    def retry_waits(self, state: str) -> list[float]:
        """Seconds from each failed attempt of the state to the attempt that retried it."""
        waits = []
        failed: dict[str, Any] | None = None
        for event in self.events:
            if self.state_of(event) != state:
                continue
            if event["type"] in _ATTEMPT_EVENTS and failed is not None:
                waits.append((event["timestamp"] - failed["timestamp"]).total_seconds())
            failed = event if event["type"] in _FAILURE_DETAILS else None
        return waits

    def state_of(self, event: Mapping[str, Any]) -> str:
        """The state a Task's event belongs to: the state entered last on its chain of previous
        events (each branch of a Parallel is its own chain)."""
        current: Mapping[str, Any] | None = event
        while current is not None:
            if "stateEnteredEventDetails" in current:
                return str(current["stateEnteredEventDetails"]["name"])
            current = self._by_id.get(current.get("previousEventId", 0))
        return ""

    @functools.cached_property
    def _by_id(self) -> dict[int, dict[str, Any]]:
        return {e["id"]: e for e in self.events}

    def _with(self, details: str) -> list[dict[str, Any]]:
        return [e for e in self.events if details in e]


class StateMachine:
    """A state machine created on moto; `run` executes it to its end."""

    def __init__(self, arn: str, client: SFNClient) -> None:
        self.arn = arn
        self._client = client

    def run(self, input: Mapping[str, Any] | None = None, *, timeout_s: float = 30.0) -> Execution:
        """Start an execution with `input` and wait for it to end.

        Raises:
            TimeoutError: the execution still runs after `timeout_s` (it is stopped).
        """
        started = time.monotonic()
        arn = self._client.start_execution(
            stateMachineArn=self.arn, name=uuid.uuid4().hex, input=json.dumps(input or {})
        )["executionArn"]
        while (described := self._client.describe_execution(executionArn=arn))[
            "status"
        ] not in _TERMINAL:
            if time.monotonic() - started > timeout_s:
                self._client.stop_execution(executionArn=arn)
                raise TimeoutError(f"{arn} still runs after {timeout_s} s")
            time.sleep(0.02)
        duration_s = time.monotonic() - started
        events = tuple(
            dict(event)
            for page in self._client.get_paginator("get_execution_history").paginate(
                executionArn=arn
            )
            for event in page["events"]
        )
        output = described.get("output")
        return Execution(
            arn=arn,
            status=described["status"],
            output=None if output is None else json.loads(output),
            error=described.get("error"),
            cause=described.get("cause"),
            events=events,
            duration_s=duration_s,
        )


class MotoStepFunctions:
    """moto's Step Functions and Lambda, with handlers at the local Lambda endpoint."""

    def __init__(
        self, url: str, endpoint: LambdaEndpoint, *, moto_pid: int, moto_log: IO[bytes]
    ) -> None:
        self.url = url
        self.endpoint = endpoint
        self.moto_pid = moto_pid
        self._moto_log = moto_log
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        self.stepfunctions: SFNClient = session.client("stepfunctions", endpoint_url=url)
        self.lambda_: LambdaClient = session.client("lambda", endpoint_url=url)
        self._role_arn = session.client("iam", endpoint_url=url).create_role(
            RoleName=f"workflow-{uuid.uuid4().hex[:8]}",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {
                                "Service": ["lambda.amazonaws.com", "states.amazonaws.com"]
                            },
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]

    @property
    def invocations(self) -> list[Invocation]:
        """Every Invoke the handlers ran, in the order they ended."""
        return self.endpoint.invocations

    def moto_log(self) -> str:
        """What the moto process has written: its requests, and the tracebacks of its errors."""
        return _read(self._moto_log)

    def add_function(self, handler: str, *, name: str | None = None, timeout_s: int = 60) -> str:
        """Create a Lambda function on moto whose invocations run `handler` ("module:function").

        Returns:
            The function's ARN.
        """
        function = load_handler(handler)
        name = name or f"fn-{uuid.uuid4().hex[:12]}"
        arn = self.lambda_.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=self._role_arn,
            Handler=handler.replace(":", "."),
            # moto keeps the code but never runs it: the endpoint runs `handler`.
            Code={"ZipFile": _EMPTY_ZIP},
            Timeout=timeout_s,
        )["FunctionArn"]
        self.endpoint.add(name=name, arn=arn, handler=function, timeout_s=timeout_s)
        return arn

    def create_state_machine(
        self,
        definition: str,
        *,
        substitutions: Mapping[str, str] | None = None,
        machine_type: StateMachineTypeType = "STANDARD",
        name: str | None = None,
    ) -> StateMachine:
        """Create a state machine from an ASL definition whose `${name}` placeholders are filled
        from `substitutions`, as Terraform's templatefile fills them.

        Raises:
            KeyError: the definition has a placeholder `substitutions` does not fill.
        """
        filled = fill(definition, substitutions or {})
        arn = self.stepfunctions.create_state_machine(
            name=name or f"sm-{uuid.uuid4().hex[:12]}",
            definition=filled,
            roleArn=self._role_arn,
            type=machine_type,
        )["stateMachineArn"]
        return StateMachine(arn, self.stepfunctions)


def fill(definition: str, substitutions: Mapping[str, str]) -> str:
    """The definition with each `${name}` replaced by `substitutions[name]`."""

    def value(match: re.Match[str]) -> str:
        name = match[1]
        if name not in substitutions:
            raise KeyError(f"the definition's placeholder ${{{name}}} is not filled")
        return substitutions[name]

    return _PLACEHOLDER.sub(value, definition)


@contextmanager
def moto_step_functions(*, retry_wait_scale: float = 1.0) -> Iterator[MotoStepFunctions]:
    """Start moto (its Step Functions engine on) and the Lambda endpoint; stop both on exit.

    Args:
        retry_wait_scale: multiplies the waits between a Retry's attempts (1.0: as written).
    """
    with ExitStack() as stack:
        endpoint = LambdaEndpoint()
        stack.callback(endpoint.close)
        log = stack.enter_context(tempfile.TemporaryFile())
        process = subprocess.Popen(
            [
                sys.executable,
                str(MOTO_PROCESS),
                "--aws-port",
                str(endpoint.port),
                "--retry-wait-scale",
                str(retry_wait_scale),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
        )
        stack.callback(_stop, process)
        url = f"http://127.0.0.1:{_port_of(process, log)}"
        endpoint.forward_to = url
        httpx.post(
            f"{url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}
        ).raise_for_status()
        yield MotoStepFunctions(url, endpoint, moto_pid=process.pid, moto_log=log)


@contextmanager
def moto_state_machine(
    definition: str,
    *,
    handler: str,
    placeholder: str = "screening_step_arn",
    machine_type: StateMachineTypeType = "STANDARD",
    retry_wait_scale: float = 1.0,
) -> Iterator[StateMachine]:
    """One state machine on its own moto, its `${placeholder}` the ARN of a function running
    `handler` ("module:function")."""
    with moto_step_functions(retry_wait_scale=retry_wait_scale) as moto:
        arn = moto.add_function(handler)
        yield moto.create_state_machine(
            definition, substitutions={placeholder: arn}, machine_type=machine_type
        )


def _port_of(process: subprocess.Popen[bytes], log: IO[bytes], timeout_s: float = 30.0) -> int:
    assert process.stdout is not None
    # A selector, not select(): a long test run may hold descriptors past select()'s 1024.
    with selectors.DefaultSelector() as waiting:
        waiting.register(process.stdout, selectors.EVENT_READ)
        ready = waiting.select(timeout_s)
    line = process.stdout.readline() if ready else b""
    if not line.strip().isdigit():
        raise RuntimeError(f"moto did not start:\n{_read(log)}")
    return int(line)


def _read(log: IO[bytes]) -> str:
    # Read without moving the file's offset, which the moto process shares and writes at.
    fd = log.fileno()
    return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")


def _stop(process: subprocess.Popen[bytes]) -> None:
    assert process.stdin is not None
    process.stdin.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


# A zip archive with no entries: the code moto stores for a function whose handler runs here.
_EMPTY_ZIP = b"PK\x05\x06" + b"\x00" * 18
