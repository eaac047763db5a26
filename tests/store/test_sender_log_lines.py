"""The senders beside the app (`cabinet mail send --every`, `cabinet postbacks send --every`, run by `cabinet serve`)
say a round that failed on the store in one log line: PostgreSQL down read as three lines (psycopg's hint "Is the
server running on that host...", SQLAlchemy's "(Background on this error at: https://sqlalche.me/...)"), and a query
that failed carried its SQL and bound values (addresses, amounts) into the log."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from cabinet.cli import mail
from cabinet.cli._every import repeat
from cabinet.store.db import make_engine
from etl.run_errors import EtlRunError


def test_a_store_that_refuses_is_one_line_of_the_log(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    engine = make_engine("postgresql+psycopg://cabinet@127.0.0.1:1/store")  # no server listens on port 1
    rounds = iter([True, False])

    def one_round() -> None:
        if not next(rounds):
            raise KeyboardInterrupt  # the second round: the test is over
        with engine.connect() as conn:
            conn.execute(text("select :email"), {"email": "someone@example.org"})

    with pytest.raises(KeyboardInterrupt):
        repeat(0.01, one_round, "mail")
    monkeypatch.setattr("cabinet.report_mail.queue_reports", lambda *a, **k: one_round())
    rounds = iter([True])
    assert mail.reports(engine, None, None) is None
    engine.dispose()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].endswith(" UTC mail failed: connection failed: connection to server at \"127.0.0.1\", port 1 "
                             "failed: Connection refused")  # fmt: skip
    assert lines[1].endswith(" UTC saved reports failed: connection failed: connection to server at \"127.0.0.1\", "
                             "port 1 failed: Connection refused")  # fmt: skip


def test_an_etl_run_failed_on_the_store_says_it_in_one_line(tmp_path: Path) -> None:
    """The schedule's log line and the run's error on the Data loads page: the driver's words, not the query."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with pytest.raises(OperationalError) as failed, engine.connect() as conn:
        conn.execute(text("select email from nowhere where email = :email"), {"email": "someone@example.org"})
    engine.dispose()
    said = str(EtlRunError(7, failed.value))
    assert said == "ETL run 7 failed and was rolled back: OperationalError: no such table: nowhere"
