"""Inbox files the ETL's user may not read (a producer's umask, a file copied in by another user): the file is
recorded as failed with the reason, the rest of the run goes on, and the file loads once its permission is fixed.

Tests run as root, whom file modes do not stop: opening the file raises the `PermissionError` a plain user gets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

import pytest

from etl.stage import ignored_files
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny, conserved


def _click(click_id: str, tiny: Tiny) -> str:
    return f"{click_id},2026-11-01T10:00:00Z,,{tiny.parent},{tiny.offer},,,,,\n"


def _deny(monkeypatch: pytest.MonkeyPatch, denied: set[Path]) -> None:
    """Opening a path in `denied` raises what `open` raises without read permission (EACCES)."""
    real_open = Path.open

    def open_(self: Path, *args: Any, **kwargs: Any) -> IO[Any]:
        if self in denied:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)


def test_a_file_without_read_permission_fails_alone_and_loads_once_readable(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny.write("clicks", "ok.csv", CLICK_HEADER + _click("ok", tiny))
    secret = tiny.write("clicks", "secret.csv", CLICK_HEADER + _click("secret", tiny))
    conv = tiny.write("conversions", "c.csv", "conversion_id,ts,type,click_id\nc1,2026-11-01T11:00:00Z,sale,ok\n")
    denied = {secret, conv}
    _deny(monkeypatch, denied)
    result = tiny.run()  # was: the whole run failed and was rolled back (PermissionError)
    by_path = {f["path"]: (f["status"], f["reason"], f["rows_read"]) for f in result.files}
    reason = "cannot read the file: Permission denied (the ETL's user needs read permission)"
    assert by_path == {
        "clicks/ok.csv": ("loaded", None, 1),
        "clicks/secret.csv": ("failed", reason, 0),
        "conversions/c.csv": ("failed", reason, 0),
    }
    assert result.files_failed == 2
    assert tiny.rows("select click_id from clicks") == [("ok",)]
    # still unreadable: not recorded again
    assert tiny.run().files == []
    # the operator fixes the mode (which changes the status change time): both load
    denied.clear()
    for path in (secret, conv):
        os.chmod(path, 0o644)
    loaded = {f["path"]: (f["status"], f["inserted"]) for f in tiny.run().files}
    assert loaded == {"clicks/secret.csv": ("loaded", 1), "conversions/c.csv": ("loaded", 1)}
    assert tiny.rows("select click_id from clicks order by 1") == [("ok",), ("secret",)]
    conserved(tiny)


def test_a_feed_folder_the_etl_may_not_list_is_said_and_the_other_feeds_load(
    tiny: Tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny.write("clicks", "ok.csv", CLICK_HEADER + _click("ok", tiny))
    tiny.write("conversions", "c.csv", "conversion_id,ts,type,click_id\nc1,2026-11-01T11:00:00Z,sale,ok\n")
    folder = tiny.inbox / "conversions"
    real_iterdir, real_is_file = Path.iterdir, Path.is_file

    def iterdir(self: Path) -> Any:
        if self == folder:  # no read permission on the folder
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    def is_file(self: Path) -> bool:
        if self.parent == folder:  # read but no search (x) permission: its entries cannot be stat'ed
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    monkeypatch.setattr(Path, "is_file", is_file)
    result = tiny.run()  # was: the whole run failed and was rolled back (PermissionError)
    assert [(f["path"], f["inserted"]) for f in result.files] == [("clicks/ok.csv", 1)]
    assert (
        "conversions/ cannot be listed: Permission denied (the ETL's user needs r and x on it): its files are not read"
        in result.warnings
    )
    assert ignored_files(tiny.inbox) == ([], 0)  # what `etl run` and `etl status` print after the run
    monkeypatch.setattr(Path, "iterdir", real_iterdir)
    monkeypatch.setattr(Path, "is_file", real_is_file)
    result = tiny.run()
    assert [(f["path"], f["inserted"]) for f in result.files] == [("conversions/c.csv", 1)]
    assert not result.warnings
    conserved(tiny)
