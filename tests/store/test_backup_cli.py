"""`cabinet backup` and `cabinet restore`: a backup taken while the ETL publishes restores into a fresh data directory
with the same report; an incomplete backup, a non-empty target and a running cabinet are refused in one line."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cabinet import backup as backup_module
from cabinet.backup_restore import cabinet_running
from cabinet.config import Settings
from cabinet.passwords import hash_password
from cabinet.store.db import migrate, session_scope
from cabinet.store.models import User
from etl import history
from etl.lock import EtlLock
from queries.warehouse import read_current
from tests.auth.test_auth import _cli
from tests.conftest import install_env
from tests.etl_ingest.conftest import Tiny, build_tiny

UA = "Mozilla/5.0 (X11) Firefox/130"
REPORT = ["report", "--as", "root", "--from", "2026-11-01", "--to", "2026-11-30", "--group-by", "day"]
SECRETS = '[cabinet]\ncookie_key = "restored-cookie-key-0123456789abcdef0123"\n'


def _clicks(t: Tiny, name: str, days: list[int], prefix: str) -> None:
    rows = "".join(f"{prefix}{d},2026-11-{d:02d}T10:00:00Z,{t.token},192.0.2.{d},{UA}\n" for d in days)
    t.write("clicks", name, "click_id,ts,link_token,ip,user_agent\n" + rows)


@pytest.fixture
def tiny(settings: Settings, store_engine: Engine) -> Tiny:
    """The tiny program with an admin `root`, a creative, a secrets file and one ETL run published."""
    t = build_tiny(settings, store_engine)
    with session_scope(store_engine) as s:
        s.add(User(username="root", email="root@example.com", display_name="root", role="admin",
                   password_hash=hash_password("a-long-password")))  # fmt: skip
    (settings.creatives_dir / "1").mkdir(parents=True)
    (settings.creatives_dir / "1" / "banner.png").write_bytes(b"\x89PNG picture")
    settings.secrets_path.write_text(SECRETS)
    _clicks(t, "a.csv", [1, 2, 3, 4, 8, 9], "c")
    t.write(
        "conversions",
        "v.csv",
        "conversion_id,ts,type,click_id,amount,currency\nf1,2026-11-08T11:00:00Z,ftd,c8,50,USD\n",
    )
    assert t.run().published is not None
    return t


def _report(env: dict[str, str] | None = None) -> str:
    done = _cli(REPORT, env)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def other(tmp_path: Path) -> dict[str, str]:
    """The environment of a second, empty install to restore into."""
    root = tmp_path / "other"
    root.mkdir()
    return install_env(root)


def _backup(target: Path, *args: str) -> Path:
    done = _cli(["backup", str(target), *args])
    assert done.returncode == 0, done.stderr
    made = [p for p in (target.iterdir() if target.is_dir() else []) if not p.name.startswith(".")]
    return target if "--exact" in args else made[0]


@pytest.mark.parametrize("split", [False, True], ids=["one_file", "split"])
def test_a_backup_restored_into_a_fresh_data_dir_gives_the_same_report(
    tiny: Tiny, other: dict[str, str], tmp_path: Path, split: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if split:  # old clicks moved to history.duckdb: CURRENT names its snapshot too
        monkeypatch.setenv(history.HOT_DAYS_ENV, "2")
        monkeypatch.setenv(history.MIN_ROWS_ENV, "3")
        monkeypatch.setenv(history.START_ROWS_ENV, "1")
        _clicks(tiny, "b.csv", [5, 6], "d")
        assert tiny.run().moved is not None
    current = read_current(tiny.settings.warehouse_dir)
    assert current is not None and (current.history is not None) == split
    before = _report()
    assert "2026-11-08" in before

    done = _cli(["backup", str(tmp_path / "backups")])
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    for part in ("store 1 file", "warehouse", "creatives 1 file", "secrets 1 file"):
        assert part in said, said
    (made,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((made / "MANIFEST.json").read_text())
    assert manifest["current"]["snapshot"] == current.path.name
    assert manifest["current"]["history"] == (current.history.name if current.history else None)

    restored = _cli(["restore", str(made), "--yes"], other)
    assert restored.returncode == 0, restored.stderr
    assert "cabinet init" in restored.stdout and "replaced" not in restored.stdout
    new_data = Path(other["CABINET_DATA_DIR"])
    assert not list(new_data.glob("before-restore-*"))  # nothing to keep aside in a fresh data directory
    assert _report(other) == before
    assert (new_data / "creatives" / "1" / "banner.png").read_bytes() == b"\x89PNG picture"
    assert Path(other["CABINET_SECRETS_FILE"]).read_text() == SECRETS
    names = sorted(p.name for p in (new_data / "warehouse" / "snapshots").iterdir())
    assert names == sorted([current.path.name] + ([current.history.name] if current.history else []))

    # the ETL goes on from the restored snapshot: the working files come back and the figures stay
    caught_up = _cli(["etl", "run"], other)
    assert caught_up.returncode == 0, caught_up.stderr
    assert "working file restored from snapshot" in " ".join((caught_up.stdout + caught_up.stderr).split())
    assert _report(other) == before


def test_a_snapshot_published_during_the_backup_leaves_a_consistent_set(
    tiny: Tiny, other: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _report()
    first = read_current(tiny.settings.warehouse_dir)
    real_copy = backup_module._copy_file
    published = []

    def publish_first(source: Path, copy: Path) -> int:
        if source.parent.name == "snapshots" and not published:  # CURRENT was read: a run publishes now
            _clicks(tiny, "late.csv", [9], "late")
            published.append(tiny.run().published)
        return real_copy(source, copy)

    monkeypatch.setattr(backup_module, "_copy_file", publish_first)
    made = _backup(tmp_path / "b1")
    assert published[0] is not None and read_current(tiny.settings.warehouse_dir) != first
    assert _report() != before  # the late click is in the cabinet now
    assert json.loads((made / "MANIFEST.json").read_text())["current"]["snapshot"] == first.path.name
    assert _cli(["restore", str(made), "--yes"], other).returncode == 0
    assert _report(other) == before  # the backup is the state its CURRENT named, whole


def test_a_snapshot_deleted_before_it_was_copied_makes_the_backup_read_current_again(
    tiny: Tiny, other: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_copy = backup_module._copy_file
    deleted = []

    def replaced_and_deleted(source: Path, copy: Path) -> int:
        if source.parent.name == "snapshots" and not deleted:  # as the cleanup does once the grace period is over
            _clicks(tiny, "late.csv", [9], "late")
            tiny.run()
            source.unlink()
            deleted.append(source.name)
        return real_copy(source, copy)

    monkeypatch.setattr(backup_module, "_copy_file", replaced_and_deleted)
    made = _backup(tmp_path / "b1")
    now = read_current(tiny.settings.warehouse_dir)
    assert now is not None and deleted and now.path.name != deleted[0]
    assert json.loads((made / "MANIFEST.json").read_text())["current"]["snapshot"] == now.path.name
    assert _cli(["restore", str(made), "--yes"], other).returncode == 0
    assert _report(other) == _report()


def test_the_backup_is_owner_only(tiny: Tiny, tmp_path: Path) -> None:
    made = _backup(tmp_path / "b1")
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "b1").stat().st_mode) == 0o700
    seen = 0
    for folder, dirs, files in os.walk(made):
        for d in dirs:
            assert stat.S_IMODE((Path(folder) / d).stat().st_mode) == 0o700, d
        for f in files:
            assert stat.S_IMODE((Path(folder) / f).stat().st_mode) == 0o600, f
            seen += 1
    assert seen == 6  # manifest, store, CURRENT, snapshot, creative, secrets


def test_a_non_empty_target_is_refused_and_an_empty_one_taken(tiny: Tiny, tmp_path: Path) -> None:
    target = tmp_path / "b1"
    target.mkdir()
    (target / "old.txt").write_text("kept")
    done = _cli(["backup", str(target), "--exact"])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "not an empty directory" in done.stderr
    assert sorted(p.name for p in target.iterdir()) == ["old.txt"]
    empty = tmp_path / "b2"
    empty.mkdir()
    assert _backup(empty, "--exact") == empty and (empty / "MANIFEST.json").is_file()


def test_a_failed_backup_leaves_nothing_that_looks_whole(
    tiny: Tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_copy = backup_module._copy_file

    def disk_full(source: Path, copy: Path) -> int:
        if source == tiny.settings.secrets_path:  # the last part: everything else is written by then
            raise OSError(28, "No space left on device", str(copy))
        return real_copy(source, copy)

    monkeypatch.setattr(backup_module, "_copy_file", disk_full)
    done = _cli(["backup", str(tmp_path / "b1")])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "No space left on device" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert list((tmp_path / "b1").iterdir()) == []


def test_an_incomplete_backup_is_refused_naming_what_is_missing(
    tiny: Tiny, other: dict[str, str], tmp_path: Path
) -> None:
    made = _backup(tmp_path / "b1")
    snapshot = next((made / "warehouse" / "snapshots").iterdir())
    snapshot.rename(tmp_path / "moved.duckdb")
    done = _cli(["restore", str(made), "--yes"], other)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"missing warehouse/snapshots/{snapshot.name}" in " ".join(done.stderr.split())
    (made / "MANIFEST.json").unlink()
    done = _cli(["restore", str(made), "--yes"], other)
    assert done.returncode == 1 and "MANIFEST.json is missing" in " ".join(done.stderr.split())
    assert not (Path(other["CABINET_DATA_DIR"]) / "cabinet.db").exists()  # nothing was put in place


def test_a_restore_keeps_the_replaced_warehouse_and_store_aside(tiny: Tiny, tmp_path: Path) -> None:
    settings = tiny.settings
    made = _backup(tmp_path / "b1")
    before = _report()
    _clicks(tiny, "late.csv", [9], "late")
    tiny.run()
    replaced = (settings.warehouse_dir / "CURRENT").read_text()
    assert _report() != before
    store = settings.data_dir / "cabinet.db"
    (settings.data_dir / "cabinet.db-journal").write_bytes(b"a journal of the store that was")

    assert _cli(["restore", str(made)]).returncode == 1  # not a terminal: --yes is needed
    done = _cli(["restore", str(made), "--yes"])
    assert done.returncode == 0, done.stderr
    (aside,) = settings.data_dir.glob("before-restore-*")
    assert f"the files it replaced are in {aside}\n" in done.stdout
    assert (aside / "warehouse" / "CURRENT").read_text() == replaced
    assert (aside / "cabinet.db").is_file() and (aside / "cabinet.db-journal").is_file()
    assert not (settings.data_dir / "cabinet.db-journal").exists()
    assert _report() == before
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.warehouse_dir.stat().st_mode) == 0o750


@pytest.fixture
def holder(tiny: Tiny) -> Iterator[subprocess.Popen[str]]:
    """Another process with the store open, as the app holds it."""
    code = "import sys; f = open(sys.argv[1], 'rb'); print('open', flush=True); sys.stdin.read()"
    proc = subprocess.Popen([sys.executable, "-c", code, str(tiny.settings.data_dir / "cabinet.db")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
    yield proc
    proc.communicate("")


def test_a_restore_is_refused_while_the_cabinet_runs(tiny: Tiny, tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    made = _backup(tmp_path / "b1")
    done = _cli(["restore", str(made), "--yes"])
    said = " ".join(done.stderr.split())
    assert done.returncode == 1 and f"pid {holder.pid}" in said and "stop it first" in said, said
    holder.communicate("")
    with EtlLock(tiny.settings.warehouse_dir):
        done = _cli(["restore", str(made), "--yes"])
    assert done.returncode == 1 and "an ETL run is going on" in done.stderr
    assert not list(tiny.settings.data_dir.glob("before-restore-*"))


def test_a_postgresql_store_is_dumped_with_pg_dump_or_said_to_be_left_out(
    pg_database: str, settings: Settings, other: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate(pg_database)
    monkeypatch.setenv("CABINET_STORE_URL", pg_database)
    settings.secrets_path.write_text(SECRETS)
    made = _backup(tmp_path / "b1")
    assert json.loads((made / "MANIFEST.json").read_text())["store"] == {"kind": "postgresql", "file": "store.pgdump"}
    listing = subprocess.run(["pg_restore", "--list", str(made / "store.pgdump")], capture_output=True, text=True)
    assert listing.returncode == 0 and "TABLE public users" in listing.stdout, listing.stderr
    restored = _cli(["restore", str(made), "--yes"], {**other, "CABINET_STORE_URL": pg_database})
    assert restored.returncode == 0 and "pg_restore --clean" in " ".join(restored.stdout.split()), restored.stderr
    refused = _cli(["restore", str(made), "--yes"], other)  # into a SQLite install
    assert refused.returncode == 1 and "holds a postgresql store" in refused.stderr

    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))  # no pg_dump: said, and the rest is copied
    done = _cli(["backup", str(tmp_path / "b2")])
    assert done.returncode == 0 and "NOT in this backup" in " ".join(done.stdout.split()), done.stderr
    (without,) = (tmp_path / "b2").iterdir()
    assert json.loads((without / "MANIFEST.json").read_text())["store"] == {"kind": "postgresql", "file": None}
    assert (without / "secrets.toml").read_text() == SECRETS


def test_only_the_cabinets_own_processes_started_for_the_data_dir_count_as_running(tiny: Tiny) -> None:
    """A shell (or sudo) with CABINET_DATA_DIR in its environment, as an operator's is, does not stop a restore; a
    process of the cabinet started for the data directory (the ETL schedule between runs holds no file open) does."""
    env = {**os.environ, "CABINET_DATA_DIR": str(tiny.settings.data_dir)}
    wait = "import sys; print('up', flush=True); sys.stdin.read()"
    for code, counted in ((wait, False), ("import cabinet; " + wait, True)):
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True)  # fmt: skip
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
            said = cabinet_running(tiny.settings)
        finally:
            proc.communicate("")
        assert (said is not None and f"pid {proc.pid}" in said) == counted, said


def test_a_backup_taken_before_anything_was_published_leaves_no_other_states_warehouse(
    settings: Settings, store_engine: Engine, tmp_path: Path
) -> None:
    made = _backup(tmp_path / "b1")  # a new install: the store alone
    done = " ".join(_cli(["backup", str(tmp_path / "b2")]).stdout.split())
    assert "no warehouse snapshot published yet" in done and "no creatives directory" in done, done
    tiny = build_tiny(settings, store_engine)
    _clicks(tiny, "a.csv", [1, 2], "c")
    assert tiny.run().published is not None
    (settings.creatives_dir / "x.png").parent.mkdir(parents=True, exist_ok=True)
    (settings.creatives_dir / "x.png").write_bytes(b"picture")
    assert _cli(["restore", str(made), "--yes"]).returncode == 0
    (aside,) = settings.data_dir.glob("before-restore-*")
    assert not settings.warehouse_dir.exists() and (aside / "warehouse" / "CURRENT").is_file()
    assert not settings.creatives_dir.exists() and (aside / "creatives" / "x.png").is_file()
