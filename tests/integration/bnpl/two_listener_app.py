"""An app for `bnpl.serve` to serve in tests: it counts hits, echoes over a WebSocket, and
records its lifespan in the file named by `TWO_LISTENER_APP_EVENTS`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


def create_app() -> Starlette:
    events = Path(os.environ["TWO_LISTENER_APP_EVENTS"])
    hits = {"count": 0}

    def record(event: str) -> None:
        with events.open("a") as file:
            file.write(event + "\n")

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        record("startup")
        yield
        record("shutdown")

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def hit(request: Request) -> JSONResponse:
        hits["count"] += 1
        return JSONResponse({"count": hits["count"], "scheme": request.url.scheme})

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except WebSocketDisconnect:
            pass

    return Starlette(
        lifespan=lifespan,
        routes=[
            Route("/health", health),
            Route("/hit", hit, methods=["POST"]),
            WebSocketRoute("/echo", echo),
        ],
    )
