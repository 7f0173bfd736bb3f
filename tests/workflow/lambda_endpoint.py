"""A local Lambda endpoint for moto's Step Functions engine: Invoke runs a Python handler here.

moto's engine makes a Task state's call to Lambda with boto3, against
`http://localhost:$MOTO_PORT` (`moto.stepfunctions.parser.asl.utils.boto_client`). The moto
process is started with MOTO_PORT naming this endpoint, so every call the engine makes arrives
here: Lambda's Invoke of a function registered with `add` runs its handler and answers what
Lambda answers; every other request is passed on to moto unchanged.

The handler gets the event and a context as the Lambda Python runtime gives them, and a handler
that raises is answered as that runtime answers it: the `X-Amz-Function-Error: Unhandled` header
and the error document `{"errorMessage", "errorType", "requestId", "stackTrace"}`.
"""

from __future__ import annotations

import http.client
import importlib
import json
import re
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from appsync.datasources.lambda_function import LambdaContext

Handler = Callable[[Any, Any], Any]
# An HTTP answer: status, headers, body.
Reply = tuple[int, dict[str, str], bytes]

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/invocations$")
# Hop-by-hop or recomputed: not copied from moto's answer to the forwarded request.
_NOT_FORWARDED = {"connection", "content-length", "transfer-encoding", "keep-alive"}


def load_handler(spec: str) -> Handler:
    """The function named by `"package.module:function"`.

    Raises:
        ValueError: `spec` names no callable.
    """
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"a handler is 'module:function', not {spec!r}")
    handler = getattr(importlib.import_module(module_name), attribute, None)
    if not callable(handler):
        raise ValueError(f"{spec!r} is not a function")
    return handler  # type: ignore[no-any-return]


def function_name(identifier: str) -> str:
    """The function's name from any form Invoke accepts: name, ARN or partial ARN, qualified."""
    parts = identifier.split(":")
    if "function" in parts:
        return parts[parts.index("function") + 1]
    return parts[0]


@dataclass(frozen=True)
class Invocation:
    """One Invoke the endpoint ran: the event, and what the function answered or raised."""

    function: str
    event: Any
    result: Any = None
    error: dict[str, Any] | None = None


@dataclass
class _Function:
    name: str
    arn: str
    handler: Handler
    timeout_s: int
    # One execution environment per function: Lambda gives an environment one event at a time.
    lock: threading.Lock = field(default_factory=threading.Lock)


class LambdaEndpoint:
    """Lambda's Invoke for the registered functions, on 127.0.0.1 at a port of the system's choice.

    Args:
        forward_to: where requests other than Invoke go (moto's URL). It may be set later:
            moto is started after this endpoint, as it needs this endpoint's port.
    """

    def __init__(self, forward_to: str | None = None) -> None:
        self.forward_to = forward_to
        self._functions: dict[str, _Function] = {}
        self._invocations: list[Invocation] = []
        self._lock = threading.Lock()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="lambda-endpoint",
            daemon=True,
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def invocations(self) -> list[Invocation]:
        with self._lock:
            return list(self._invocations)

    def add(self, *, name: str, arn: str, handler: Handler, timeout_s: int = 60) -> None:
        """Run `handler` for the function `name` (its ARN is what the context reports)."""
        with self._lock:
            self._functions[name] = _Function(
                name=name, arn=arn, handler=handler, timeout_s=timeout_s
            )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        """The answer to one HTTP request: Invoke's, or moto's to any other request."""
        invoke = _INVOKE.match(urlsplit(path).path) if method == "POST" else None
        if invoke is None:
            return _forward(self.forward_to, method, path, headers, body)
        given = {name.lower(): value for name, value in headers.items()}
        if given.get("x-amz-invocation-type", "RequestResponse") != "RequestResponse":
            message = "the local Lambda endpoint runs RequestResponse invocations only"
            return _service_error(400, "InvalidParameterValueException", message)
        return self.invoke(unquote(invoke["function"]), body)

    def invoke(self, identifier: str, payload: bytes) -> Reply:
        """Lambda's answer to Invoke (RequestResponse): status, headers and payload."""
        with self._lock:
            function = self._functions.get(function_name(identifier))
        if function is None:
            message = f"Function not found: {identifier} (no handler at the local Lambda endpoint)"
            return _service_error(404, "ResourceNotFoundException", message)
        event = json.loads(payload) if payload else {}
        context = LambdaContext(
            function_name=function.name,
            invoked_function_arn=function.arn,
            log_group_name=f"/aws/lambda/{function.name}",
            timeout_ms=function.timeout_s * 1000,
        )
        with function.lock:
            result, error = _run(function.handler, event, context)
        with self._lock:
            self._invocations.append(Invocation(function.name, event, result, error))
        headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST"}
        if error is not None:
            headers["X-Amz-Function-Error"] = "Unhandled"
            return 200, headers, json.dumps(error).encode()
        return 200, headers, json.dumps(result).encode()


def _run(handler: Handler, event: Any, context: LambdaContext) -> tuple[Any, dict[str, Any] | None]:
    try:
        result = handler(event, context)
    except Exception as exc:
        return None, _error_document(exc, context.aws_request_id)
    try:
        # The payload crosses a JSON boundary, as Lambda's runtime marshals it.
        return json.loads(json.dumps(result)), None
    except (TypeError, ValueError) as exc:
        message = f"Unable to marshal response: {exc}"
        return None, _error(message, "Runtime.MarshalError", [], context.aws_request_id)


def _error_document(exc: Exception, request_id: str) -> dict[str, Any]:
    # The runtime's own frames are left out of the stack trace, as Lambda's runtime leaves out its.
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    return _error(str(exc), type(exc).__name__, traceback.format_list(frames), request_id)


def _error(message: str, error_type: str, stack: list[str], request_id: str) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack,
    }


def _service_error(status: int, code: str, message: str) -> Reply:
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code}
    return status, headers, json.dumps({"Type": "User", "Message": message}).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, endpoint: LambdaEndpoint) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.endpoint = endpoint


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def do_PATCH(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, answer = self.server.endpoint.answer(
            self.command, self.path, dict(self.headers), body
        )
        self.send_response(status)
        if not any(name.lower() == "x-amzn-requestid" for name in headers):
            # Every Lambda answer has one; moto's engine reads it into an error's Cause.
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _forward(
    target: str | None, method: str, path: str, headers: dict[str, str], body: bytes
) -> Reply:
    if target is None:
        return _service_error(503, "ServiceUnavailable", "moto is not running yet")
    url = urlsplit(target)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        kept = {k: v for k, v in response.getheaders() if k.lower() not in _NOT_FORWARDED}
        return response.status, kept, answer
    finally:
        connection.close()
