"""`bnpl reset`: delete the local stack's kept data, so that the next `bnpl dev` starts from the
sandbox seed (personas, merchant, consents) with no plans, payments or late fees behind it."""

from __future__ import annotations

import sys
from typing import TextIO

from bnpl.commands import dev_settings
from bnpl.commands.data_folder import DataInUseError, UnexpectedContentError, forget


def run(*, out: TextIO | None = None, command: str = "reset") -> int:
    """Delete the data; say what went.

    Args:
        out: where the report goes (stdout by default).
        command: the command named in messages (`dev` when `bnpl dev --reset` calls it).

    Returns:
        0 when the data is gone (or there was none), 1 when a stack is using it or the folder
        holds something `bnpl dev` does not write.
    """
    out = out or sys.stdout
    settings = dev_settings()
    try:
        deleted = forget(settings)
    except (DataInUseError, UnexpectedContentError) as exc:
        sys.stderr.write(f"bnpl {command}: {exc}\n")
        return 1
    if deleted:
        names = ", ".join(str(path) for path in deleted)
        out.write(f"bnpl {command}: deleted {names}; `bnpl dev` seeds the sandbox afresh\n")
    else:
        out.write(f"bnpl {command}: no local data in {settings.data_dir}; nothing to delete\n")
    out.flush()
    return 0
