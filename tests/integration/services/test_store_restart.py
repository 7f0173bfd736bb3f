"""DynamoDB Local killed under a running service, then started again on its port and data folder:
while it is gone the user service answers `DependencyFailure` (retryable, no stack trace) and
writes nothing; once it is back, the same service process answers again, with the data kept
before the crash. Real processes: DynamoDB Local keeping its data in a folder, the user service
on its own uvicorn, real HTTP between them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bnpl.dynamodb_local import DynamoDBLocal, free_port
from bnpl.personas import PERSONAS
from bnpl.sandbox import persona_customer
from bnpl.tables import create_tables
from services.shared.settings import Settings
from services.user.customers.store import DynamoCustomerRepository
from tests.conftest import IdentityProvider, service_environ

pytestmark = pytest.mark.ddblocal

ROOT = Path(__file__).resolve().parents[3]
PERSONA = PERSONAS["approve"]


class UserService:
    """The user service on its own uvicorn, on the given DynamoDB endpoint."""

    def __init__(self, endpoint: str, idp: IdentityProvider, log: Path) -> None:
        self.port = free_port()
        self.log = log
        inherited = {
            k: v for k, v in os.environ.items() if not k.startswith(("BNPL_", "AWS_", "PYTHON"))
        }
        env = {
            **inherited,
            **service_environ(idp),
            "BNPL_DYNAMODB_ENDPOINT": endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "PYTHONPATH": str(ROOT),
        }
        command = [
            sys.executable,
            *("-m", "uvicorn", "--factory", "services.user.app:create_app"),
            *("--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"),
        ]
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the user service did not start:\n{log.read_text()}")
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[DynamoDBLocal]:
    (tmp_path / "dynamodb").mkdir()
    with DynamoDBLocal(data_dir=tmp_path / "dynamodb") as store:
        yield store


@pytest.fixture
def service(
    database: DynamoDBLocal,
    identity_provider: IdentityProvider,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[UserService]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")  # DynamoDB Local takes any keys
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    settings = Settings.from_environ(
        {**service_environ(identity_provider), "BNPL_DYNAMODB_ENDPOINT": database.endpoint}
    )
    create_tables(settings)
    DynamoCustomerRepository(settings).add(persona_customer(PERSONA))
    running = UserService(database.endpoint, identity_provider, tmp_path / "user.log")
    yield running
    running.stop()


def test_a_killed_store_answers_dependency_failure_then_the_same_process_serves_its_data(
    database, service, make_token
):
    headers = {"authorization": f"Bearer {make_token(sub=PERSONA.sub, email=PERSONA.email)}"}
    with httpx.Client(base_url=service.url, headers=headers, timeout=60) as http:
        before = http.get("/customers/me")
        assert before.status_code == 200, before.text

        database.kill()
        down = [
            http.get("/customers/me"),
            http.patch("/customers/me", json={"givenName": "Changed"}),
        ]
        for answer in down:
            assert answer.status_code == 502, answer.text
            assert answer.json()["error"] == "DependencyFailure"
            assert "Traceback" not in answer.text

        with DynamoDBLocal(port=database.port, data_dir=database.data_dir):
            after = http.get("/customers/me")
            assert after.status_code == 200, after.text
            # The profile written before the crash, and not the change refused during it.
            assert after.json() == before.json()
            assert service.process.poll() is None  # the same process, never restarted
