"""Who a click's visitor is: one address is one visitor however its tracker wrote it (METRICS.md: unique clicks by
ip hash and user agent)."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

from etl.ip_mask import ip_form_sql
from tests.etl_ingest.conftest import NOW, Tiny, conserved

HEADER = "click_id,ts,link_token,ip,user_agent\n"
UA = "Mozilla/5.0 (X11) Firefox/130"


@pytest.mark.parametrize(
    ("written", "form"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("::FFFF:192.0.2.7", "192.0.2.7"),
        ("0:0:0:0:0:ffff:192.0.2.7", "192.0.2.7"),
        ("::ffff:c000:207", "192.0.2.7"),
        ("192.0.2.7:51234", "192.0.2.7"),
        ("[::ffff:192.0.2.7]:80", "192.0.2.7"),
        ("2001:DB8::1", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:0db8:00:0001::1", "2001:db8:0:1::1"),
        ("::1", "::1"),
        (None, None),
    ],
)
def test_an_address_has_one_form(written: str | None, form: str | None) -> None:
    assert duckdb.connect().execute(f"select {ip_form_sql('$ip')}", {"ip": written}).fetchall() == [(form,)]


def test_one_address_written_in_several_forms_is_one_visitor(tiny: Tiny) -> None:
    def write(name: str, rows: list[tuple[str, str, str]]) -> None:
        tiny.write("clicks", name, HEADER + "".join(f"{c},{ts}Z,{tiny.token},{ip},{UA}\n" for c, ts, ip in rows))

    write("a.csv", [
        ("a1", "2026-11-09T10:00:00", "192.0.2.7"),
        ("a2", "2026-11-09T11:00:00", "::ffff:192.0.2.7"),  # a dual-stack server's form of the same address
        ("a3", "2026-11-09T12:00:00", "192.0.2.7:51234"),  # with the visitor's port
        ("b1", "2026-11-09T10:00:00", "2001:DB8::1"),
        ("b2", "2026-11-09T11:00:00", "[2001:db8::1]:443"),
    ])  # fmt: skip
    tiny.run()
    write("b.csv", [("a4", "2026-11-09T13:00:00", "::ffff:c000:207"), ("b3", "2026-11-09T12:00:00", "2001:db8::1")])
    tiny.run(NOW + timedelta(minutes=1))
    flags = dict(tiny.rows("select click_id, is_unique from clicks"))
    assert flags == {"a1": True, "a2": False, "a3": False, "a4": False, "b1": True, "b2": False, "b3": False}
    assert tiny.rows("select count(distinct ip_hash) from clicks") == [(2,)]
    conserved(tiny)
