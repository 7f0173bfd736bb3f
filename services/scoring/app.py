"""The scoring server: SageMaker's inference container contract and its runtime API's path.

- `GET /ping` → 200 once the model is loaded (SageMaker's health check); `/health` likewise.
- `POST /invocations` (`Content-Type: application/json`) → predictions, or 400 with a message.
- `POST /endpoints/{EndpointName}/invocations`: what boto3's `sagemaker-runtime`
  `invoke_endpoint` sends, SigV4-signed, so the credit service runs the same client code locally
  and against a real endpoint. Answered the way SageMaker Runtime answers: an unknown endpoint
  is a `ValidationError` (HTTP 400, as the service model declares it), a container-level
  rejection a `ModelError` (424) carrying the container's status and message, and the variant
  that served the call in `X-Amzn-Invoked-Production-Variant`.

Production variants: the champion model is `AllTraffic`, and a challenger model, when
`BNPL_SCORING_CHALLENGER_DIR` names one, is `Challenger`. As on an endpoint whose challenger
variant has weight 0, an untargeted call is the champion's and `X-Amzn-SageMaker-Target-Variant`
(InvokeEndpoint's `TargetVariant`) picks a variant.

The signature is checked for shape (algorithm, credential scope of service `sagemaker`), not
verified: the local server holds no AWS secret. In AWS, SageMaker verifies it.

Run it with `uvicorn --factory services.scoring.app:create_app`; the model folder comes from
`BNPL_SCORING_MODEL_DIR` (default `models/credit-v1`), the endpoint name from
`BNPL_SCORING_ENDPOINT_NAME`.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.scoring.model import TreeEnsemble
from services.scoring.predictions import predict
from services.shared.errors import ServiceError, ValidationError
from services.shared.hardening import HardeningMiddleware
from services.shared.http import read_json
from services.shared.json_answers import JSONResponse
from services.shared.logs import configure_logging
from services.shared.request_boundary import ErrorBoundaryMiddleware
from services.shared.settings import Settings

DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "credit-v1"
MAX_BODY_BYTES = 1024 * 1024
PRODUCTION_VARIANT = "AllTraffic"
CHALLENGER_VARIANT = "Challenger"
LOCAL_ACCOUNT = "000000000000"
_SIGV4 = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=[^/\s]+/\d{8}/[a-z0-9-]+/sagemaker/aws4_request,"
    r"\s*SignedHeaders=[a-z0-9;-]+,\s*Signature=[0-9a-f]{64}$"
)


def _aws_error(code: str, status: int, message: str, **members: Any) -> JSONResponse:
    # How AWS rest-json services answer errors: botocore reads the code from this header.
    return JSONResponse(
        {"message": message, **members},
        status_code=status,
        headers={"x-amzn-ErrorType": code, "x-amzn-RequestId": str(uuid.uuid4())},
    )


class ScoringEndpoints:
    """Route handlers around the loaded models, by production variant (the champion first)."""

    def __init__(self, variants: dict[str, TreeEnsemble], endpoint_names: frozenset[str]) -> None:
        self.variants = variants
        self.model = variants[PRODUCTION_VARIANT]
        self.endpoint_names = endpoint_names

    async def ping(self, _: Request) -> Response:
        """200 with an empty body: the model is loaded (it is, or the app would not exist)."""
        return Response(status_code=200)

    async def _predict(self, request: Request, model: TreeEnsemble) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise ValidationError(
                f"Content-Type must be application/json, not {content_type or 'missing'}",
                field="Content-Type",
            )
        return predict(model, await read_json(request, max_bytes=MAX_BODY_BYTES))

    async def invocations(self, request: Request) -> Response:
        """The container contract's `POST /invocations`."""
        try:
            return JSONResponse(await self._predict(request, self.model))
        except ServiceError as error:
            return JSONResponse(error.to_json(), status_code=error.status)

    async def runtime_invocations(self, request: Request) -> Response:
        """SageMaker Runtime's `InvokeEndpoint`."""
        authorization = request.headers.get("authorization", "")
        if not _SIGV4.match(authorization):
            return _aws_error(
                "MissingAuthenticationTokenException", 403, "Missing Authentication Token"
            )
        name = request.path_params["endpoint_name"]
        if name not in self.endpoint_names:
            return _aws_error(
                "ValidationError", 400, f"Endpoint {name} of account {LOCAL_ACCOUNT} not found."
            )
        variant = request.headers.get("x-amzn-sagemaker-target-variant") or PRODUCTION_VARIANT
        model = self.variants.get(variant)
        if model is None:
            # The code and status are the service model's; the wording is ours.
            return _aws_error(
                "ValidationError", 400, f"Endpoint {name} has no production variant {variant}."
            )
        try:
            body = await self._predict(request, model)
        except ServiceError as error:
            message = json.dumps(error.to_json())
            return _aws_error(
                "ModelError",
                424,
                f"Received client error ({error.status}) from primary with message "
                f'"{message}". See the endpoint\'s logs for more information.',
                OriginalStatusCode=error.status,
                OriginalMessage=message,
            )
        return JSONResponse(
            body,
            headers={
                "X-Amzn-Invoked-Production-Variant": variant,
                "x-amzn-RequestId": str(uuid.uuid4()),
            },
        )


def create_app(
    model_dir: Path | None = None,
    *,
    challenger_dir: Path | None = None,
    endpoint_names: frozenset[str] | None = None,
    settings: Settings | None = None,
) -> Starlette:
    """The scoring server's ASGI app, with its model loaded (it refuses to start without one).

    Args:
        model_dir: folder holding `model.json`; `BNPL_SCORING_MODEL_DIR` or models/credit-v1.
        challenger_dir: the challenger variant's folder; `BNPL_SCORING_CHALLENGER_DIR` or none.
        endpoint_names: names `/endpoints/{name}/invocations` answers to; the settings' one.
        settings: where the endpoint name comes from; the environment by default.
    """
    configure_logging("scoring")
    settings = settings or Settings.from_environ()
    folder = model_dir or Path(os.environ.get("BNPL_SCORING_MODEL_DIR", DEFAULT_MODEL_DIR))
    variants = {PRODUCTION_VARIANT: TreeEnsemble.load(folder / "model.json")}
    challenger = challenger_dir or os.environ.get("BNPL_SCORING_CHALLENGER_DIR")
    if challenger:
        variants[CHALLENGER_VARIANT] = TreeEnsemble.load(Path(challenger) / "model.json")
    endpoints = ScoringEndpoints(
        variants, endpoint_names or frozenset({settings.scoring_endpoint_name})
    )

    async def bad_request(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        return JSONResponse(exc.to_json(), status_code=exc.status)

    return Starlette(
        routes=[
            Route("/ping", endpoints.ping, methods=["GET"]),
            Route("/health", endpoints.ping, methods=["GET"]),
            Route("/invocations", endpoints.invocations, methods=["POST"]),
            Route(
                "/endpoints/{endpoint_name}/invocations",
                endpoints.runtime_invocations,
                methods=["POST"],
            ),
        ],
        middleware=[
            Middleware(HardeningMiddleware),
            Middleware(ErrorBoundaryMiddleware, service="scoring"),
        ],
        exception_handlers={ServiceError: bad_request},
    )
