"""`bnpl reset` and `bnpl dev --reset` on a data folder of the tests' own: what goes, what stays,
and when they refuse."""

from __future__ import annotations

import fcntl
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bnpl import cli, dynamodb_local
from bnpl.commands import data_folder
from bnpl.settings import BUREAU_OUTAGE_FILE, DevSettings

DATABASE = "shared-local-instance.db"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DevSettings:
    """A data folder holding what `bnpl dev` keeps, on a DynamoDB port nothing listens on."""
    data = tmp_path / "data"
    (data / "dynamodb").mkdir(parents=True)
    (data / "dynamodb" / DATABASE).write_bytes(b"SQLite format 3\x00")
    (data / "dev-idp-key.pem").write_text("key")
    (data / BUREAU_OUTAGE_FILE).touch()
    monkeypatch.setenv("BNPL_DATA_DIR", str(data))
    monkeypatch.setenv("BNPL_DYNAMODB_PORT", str(dynamodb_local.free_port()))
    return DevSettings.from_environ()


@pytest.fixture
def listening(settings: DevSettings) -> Iterator[socket.socket]:
    """Something answering on DynamoDB Local's port, as an orphaned DynamoDB Local would."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((settings.host, settings.dynamodb_port))
        server.listen()
        yield server


def test_reset_deletes_the_database_and_the_outage_switch_and_keeps_the_key(
    settings: DevSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["reset"]) == 0

    data = settings.data_dir
    assert not (data / "dynamodb").exists()
    assert not (data / BUREAU_OUTAGE_FILE).exists()
    assert (data / "dev-idp-key.pem").read_text() == "key"
    out = capsys.readouterr().out
    assert str(data / "dynamodb") in out
    assert str(data / BUREAU_OUTAGE_FILE) in out


def test_reset_with_nothing_kept_says_so(
    settings: DevSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["reset"]) == 0
    capsys.readouterr()

    assert cli.main(["reset"]) == 0
    assert "nothing to delete" in capsys.readouterr().out


def test_reset_of_a_folder_that_does_not_exist_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BNPL_DATA_DIR", str(tmp_path / "never-made"))
    assert cli.main(["reset"]) == 0
    assert not (tmp_path / "never-made").exists()
    assert "nothing to delete" in capsys.readouterr().out


def test_reset_refuses_while_a_stack_holds_the_folder(
    settings: DevSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    with data_folder.in_use(settings.data_dir):
        assert cli.main(["reset"]) == 1

    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert "a `bnpl dev` stack is running on" in captured.err
    assert (settings.data_dir / "dynamodb" / DATABASE).exists()
    assert (settings.data_dir / BUREAU_OUTAGE_FILE).exists()
    # Released with the stack: the same reset now goes through.
    assert cli.main(["reset"]) == 0
    assert not (settings.data_dir / "dynamodb").exists()


def test_reset_refuses_while_something_answers_on_the_dynamodb_port(
    settings: DevSettings, listening: socket.socket, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["reset"]) == 1

    err = capsys.readouterr().err
    assert f"{settings.host}:{settings.dynamodb_port}" in err
    assert "BNPL_DYNAMODB_PORT" in err
    assert (settings.data_dir / "dynamodb" / DATABASE).exists()


def test_a_stack_cannot_start_while_a_reset_holds_the_folder(settings: DevSettings) -> None:
    with (settings.data_dir / data_folder.LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as `forget` holds it while it deletes
        with (
            pytest.raises(data_folder.DataInUseError, match="`bnpl reset` is deleting"),
            data_folder.in_use(settings.data_dir),
        ):
            pass


@pytest.mark.parametrize(
    "stranger",
    [
        pytest.param("notes.txt", id="another-file"),
        pytest.param("nested/", id="a-folder"),
    ],
)
def test_reset_leaves_a_database_folder_it_did_not_write_alone(
    settings: DevSettings, capsys: pytest.CaptureFixture[str], stranger: str
) -> None:
    folder = settings.data_dir / "dynamodb"
    if stranger.endswith("/"):
        (folder / stranger).mkdir()
    else:
        (folder / stranger).write_text("mine")

    assert cli.main(["reset"]) == 1

    assert stranger.rstrip("/") in capsys.readouterr().err
    assert (folder / DATABASE).exists()
    assert (settings.data_dir / BUREAU_OUTAGE_FILE).exists()  # nothing at all was deleted


def test_reset_never_follows_a_link_out_of_the_data_folder(
    settings: DevSettings, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / DATABASE).write_text("not ours")
    folder = settings.data_dir / "dynamodb"
    (folder / DATABASE).unlink()
    folder.rmdir()
    folder.symlink_to(elsewhere)

    assert cli.main(["reset"]) == 1

    assert (elsewhere / DATABASE).read_text() == "not ours"
    assert folder.is_symlink()


def test_dev_reset_refused_starts_nothing(
    settings: DevSettings, listening: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bnpl.commands import dev

    # Every other port free, and java and the jar found: only the reset stands in the way.
    for name in ("APPSYNC", "USER", "CREDIT", "IDP", "SCORING"):
        monkeypatch.setenv(f"BNPL_{name}_PORT", str(dynamodb_local.free_port()))
    monkeypatch.setattr(dev, "check_prerequisites", lambda _settings: ("java", Path("jar")))
    started: list[object] = []

    def run_stack(*args: object, **kwargs: object) -> int:
        started.append(args)
        return 0

    monkeypatch.setattr(dev, "_run", run_stack)

    assert cli.main(["dev", "--reset"]) == 1
    assert started == []
    assert (settings.data_dir / "dynamodb" / DATABASE).exists()


def test_dev_reset_deletes_then_starts_holding_the_folder(
    settings: DevSettings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bnpl.commands import dev

    monkeypatch.setattr(dev, "check_prerequisites", lambda _settings: ("java", Path("jar")))
    seen: list[object] = []

    def run_stack(*_args: object, **_kwargs: object) -> int:
        seen.append((settings.data_dir / "dynamodb").exists())
        # While the stack runs, a reset is refused.
        seen.append(cli.main(["reset"]))
        return 0

    monkeypatch.setattr(dev, "_run", run_stack)

    assert cli.main(["dev", "--reset"]) == 0
    assert seen == [False, 1]
    assert "bnpl dev: deleted" in capsys.readouterr().out
