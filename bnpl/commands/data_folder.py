"""The local stack's data folder (`BNPL_DATA_DIR`, `.bnpl/` by default): what `bnpl dev` keeps
there between runs, the lock that tells a running stack from a stopped one, and `forget`, which
deletes the kept data so that the next `bnpl dev` seeds the sandbox afresh.

What `bnpl dev` keeps there:

- `dynamodb/`: DynamoDB Local's database (one `shared-local-instance.db`, as `-sharedDb` names
  it): profiles, consents, checkouts, applications, plans, payments, the sandbox card network,
  the verification outbox.
- `sandbox-bureau-outage`: while it exists the sandbox credit bureau answers as if it were down.
- `dev-idp-key.pem`: the dev identity provider's signing key. `forget` keeps it: it holds no
  sandbox state, and tokens already minted (pasted into GraphiQL, a frontend's configuration)
  go on verifying.
- `bank-webhook-secret`: the sandbox bank's notification secret (`bnpl bank`), which the user
  service verifies with. `forget` keeps it, like the signing key.
- `dev.lock`: every running `bnpl dev` holds a shared lock on it; `forget` takes it exclusively.
  The operating system releases a lock when its process ends, however it ends, so a stack that
  was killed never leaves the folder locked.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bnpl.settings import BUREAU_OUTAGE_FILE, DevSettings

LOCK_FILE = "dev.lock"
DYNAMODB_DIR = "dynamodb"
# What DynamoDB Local (SQLite underneath) writes into its -dbPath folder.
_DATABASE_FILE = re.compile(r"^[\w.-]+\.db(?:-journal|-wal|-shm)?$")


class DataInUseError(Exception):
    """A `bnpl dev` stack (or a `bnpl reset`) is using the data folder."""


class UnexpectedContentError(Exception):
    """Something in the data folder is not what `bnpl dev` writes there: it is left alone."""


def _lock(data_dir: Path, operation: int) -> int:
    """An open descriptor of the folder's lock file, locked with `operation` (non-blocking).

    Raises:
        BlockingIOError: someone holds a conflicting lock.
    """
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextmanager
def in_use(data_dir: Path) -> Iterator[None]:
    """Mark the folder as used by a running stack for the duration of the block.

    Raises:
        DataInUseError: `bnpl reset` is deleting the folder's data right now.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = _lock(data_dir, fcntl.LOCK_SH)
    except BlockingIOError:
        raise DataInUseError(f"`bnpl reset` is deleting the data in {data_dir}; retry") from None
    try:
        yield
    finally:
        os.close(fd)


def _answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1.0).close()
    except OSError:
        return False
    return True


def _kept_data(data_dir: Path) -> list[Path]:
    """What `forget` deletes: only what `bnpl dev` writes, checked before anything goes.

    Raises:
        UnexpectedContentError: the DynamoDB folder is a link, or holds other files.
    """
    found = []
    database = data_dir / DYNAMODB_DIR
    if database.is_symlink() or (database.exists() and not database.is_dir()):
        raise UnexpectedContentError(f"{database} is not DynamoDB Local's folder; left as it is")
    if database.is_dir():
        strangers = sorted(
            entry.name
            for entry in database.iterdir()
            if entry.is_symlink() or not entry.is_file() or not _DATABASE_FILE.match(entry.name)
        )
        if strangers:
            raise UnexpectedContentError(
                f"{database} holds files DynamoDB Local does not write ({', '.join(strangers)}); "
                "nothing was deleted"
            )
        found.append(database)
    outage = data_dir / BUREAU_OUTAGE_FILE
    if outage.is_symlink() or outage.is_file():
        found.append(outage)
    return found


def forget(settings: DevSettings) -> list[Path]:
    """Delete the data the local stack keeps between runs (not the signing key).

    Returns:
        What was deleted; empty when there was nothing.

    Raises:
        DataInUseError: a `bnpl dev` stack runs on this folder, or something still answers on
            DynamoDB Local's port (a stack whose supervisor was killed leaves it running).
        UnexpectedContentError: the folder holds what `bnpl dev` does not write; nothing deleted.
    """
    data_dir = settings.data_dir
    if not data_dir.is_dir():
        return []
    try:
        fd = _lock(data_dir, fcntl.LOCK_EX)
    except BlockingIOError:
        raise DataInUseError(
            f"a `bnpl dev` stack is running on {data_dir}: stop it (Ctrl-C) first"
        ) from None
    try:
        if _answers(settings.host, settings.dynamodb_port):
            raise DataInUseError(
                f"something answers on {settings.host}:{settings.dynamodb_port}, DynamoDB "
                "Local's port (BNPL_DYNAMODB_PORT): stop the `bnpl dev` using it first"
            )
        deleted = _kept_data(data_dir)
        for path in deleted:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        return deleted
    finally:
        os.close(fd)
