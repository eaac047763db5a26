"""The warehouse is the service's own: its directory is 0750 (owner writes, the service's group reads), also one made
before with the umask's 0755, so no other local user reads every partner's figures from its snapshots."""

from __future__ import annotations

import stat
from pathlib import Path

from etl.lock import EtlLock


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_run_makes_the_warehouse_private_and_narrows_one_made_before(tmp_path: Path) -> None:
    new = tmp_path / "new" / "warehouse"
    with EtlLock(new):
        assert _mode(new) == 0o750
    old = tmp_path / "old"
    old.mkdir(mode=0o777)
    old.chmod(0o755)
    with EtlLock(old):
        assert _mode(old) == 0o750
    old.chmod(0o700)  # narrower already: kept
    with EtlLock(old):
        assert _mode(old) == 0o700
