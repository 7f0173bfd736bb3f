"""Lambda data sources: a handler invoked in-process, the way the Lambda service would.

Handlers run off the event loop (a blocking handler must not stall other requests, and
Powertools' async resolvers call `asyncio.run`), one invocation at a time per function: Lambda
gives each execution environment one event at a time, and Powertools keeps the current event at
class level, so two concurrent calls in one process would see each other's events.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[[Any, Any], Any]


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers (and Powertools) read."""

    function_name: str
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    timeout_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        """Lambda's remaining-time probe; the emulator grants the full timeout."""
        return self.timeout_ms


class LambdaInvocationError(Exception):
    """The function raised: `errorType` is the exception's class name, as Lambda reports it."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class LambdaDataSource:
    """A Lambda function (`lambda_config.function_arn`), run in this process."""

    def __init__(
        self,
        name: str,
        *,
        handler: Handler,
        function_name: str,
        region: str = "us-east-1",
        account_id: str = "000000000000",
    ) -> None:
        self.name = name
        self._handler = handler
        self._function_name = function_name
        self._arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        # One worker per data source, not a pool of instances: a pool would need each handler
        # loaded once per instance (fresh module state) to stay isolated, and handlers here are
        # plain callables shared by every thread. One serial "instance" matches what Powertools
        # and module-level state expect; BatchInvoke keeps the call count down anyway.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"lambda-{name}")

    async def invoke(self, payload: Any) -> Any:
        """Invoke the function with `payload` and return its JSON result.

        Raises:
            LambdaInvocationError: the handler raised, or returned something JSON cannot carry.
        """
        # The payload crosses a JSON boundary in AWS; do the same so handlers get fresh,
        # JSON-shaped data and cannot mutate the emulator's objects.
        event = json.loads(json.dumps(payload))
        context = LambdaContext(
            function_name=self._function_name,
            invoked_function_arn=self._arn,
            log_group_name=f"/aws/lambda/{self._function_name}",
        )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, event, context)

    def _call(self, event: Any, context: LambdaContext) -> Any:
        try:
            result = self._handler(event, context)
        except Exception as exc:  # noqa: BLE001 - any handler failure is the function's error
            raise LambdaInvocationError(type(exc).__name__, str(exc)) from None
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as exc:
            raise LambdaInvocationError("Runtime.MarshalError", str(exc)) from None

    def close(self) -> None:
        """Stop the function's worker thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)
