"""Who a click's visitor is: one address is one visitor however its tracker wrote it, and a value that is no address
is no visitor, as a missing ip (METRICS.md: unique clicks by ip hash and user agent)."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from datetime import timedelta

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.ip_mask import ip_form_sql
from tests.etl_ingest.conftest import NOW, Tiny, conserved, write_rows

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
        ("192.000.002.007", "192.000.002.007"),  # an octet's leading zeros are kept, as before
        ("64:ff9b::192.0.2.7", "64:ff9b::192.0.2.7"),
        # a forwarded-for list: the client first, then the proxies
        ("203.0.113.9, 10.0.0.1", "203.0.113.9"),
        ("203.0.113.9,10.0.0.1,10.0.0.2", "203.0.113.9"),
        ("[2001:DB8::1]:443, 10.0.0.1", "2001:db8::1"),
        ("unknown, 10.0.0.1", None),  # the proxy's own address is no visitor's
        (", 10.0.0.1", None),
        (None, None),
        # no address: as no ip
        ("-", None),
        ("unknown", None),
        ("N/A", None),
        ("abc", None),
        ("dead", None),
        ("0.0.0.0", None),  # noqa: S104
        ("::", None),
        ("::ffff:0.0.0.0", None),
        ("999.1.1.1", None),
        ("192.0.2", None),
        ("192.0.2.7.1", None),
        ("2001:db8::1::2", None),
        ("1:2:3:4:5:6:7:8:9", None),
        ("2001:db8::12345", None),
        ("fe80::1%eth0", None),
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
        ("c1", "2026-11-09T10:00:00", "203.0.113.9"),
        ("c2", "2026-11-09T11:00:00", '"203.0.113.9, 10.0.0.1"'),  # passed on by a proxy (X-Forwarded-For)
        ("d1", "2026-11-09T10:30:00", '"198.51.100.4, 10.0.0.1"'),  # another visitor behind the same proxy
    ])  # fmt: skip
    tiny.run()
    write("b.csv", [("a4", "2026-11-09T13:00:00", "::ffff:c000:207"), ("b3", "2026-11-09T12:00:00", "2001:db8::1")])
    tiny.run(NOW + timedelta(minutes=1))
    flags = dict(tiny.rows("select click_id, is_unique from clicks"))
    assert flags == {"a1": True, "a2": False, "a3": False, "a4": False, "b1": True, "b2": False, "b3": False,
                     "c1": True, "c2": False, "d1": True}  # fmt: skip
    assert tiny.rows("select count(distinct ip_hash) from clicks") == [(4,)]
    conserved(tiny)


def _is_address(text: str) -> bool:
    """Python's reading of an address (`ipaddress`), an IPv4 one with a port or leading zeros in an octet too, an
    IPv6 one in brackets with a port too; not the unspecified address."""
    read = ipaddress.ip_address
    if bracketed := re.fullmatch(r"\[([^\]]*)\](?::\d+)?", text):
        text, read = bracketed[1], ipaddress.IPv6Address
    else:
        text = re.sub(r"^(\d{1,3}(?:\.\d{1,3}){3}):\d+$", r"\1", text)
    if quad := re.fullmatch(r"(.*?)(?<![0-9a-fA-F.])(\d{1,3}(?:\.\d{1,3}){3})", text):
        text = quad[1] + ".".join(str(int(octet)) for octet in quad[2].split("."))
    try:
        address = read(text)
    except ValueError:
        return False
    return not (getattr(address, "ipv4_mapped", None) or address).is_unspecified


_PIECES = st.sampled_from(
    ["0", "01", "1", "255", "256", "0db8", "FFFF", "12345", "g", ".", ":", "::", "::ffff:", "1.2.3.4", "[", "]", ":80"]
)
_WRITTEN = st.one_of(
    st.lists(_PIECES, min_size=1, max_size=12).map("".join),
    st.ip_addresses().map(str),
    st.ip_addresses(v=4).map(lambda a: f"{a}:5123"),
    st.ip_addresses(v=6).map(lambda a: f"[{a.exploded.upper()}]:443"),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
)
_CON = duckdb.connect()


@settings(max_examples=60, deadline=None)
@given(st.lists(_WRITTEN, min_size=1, max_size=40))
def test_a_value_has_a_form_when_it_is_an_address(texts: list[str]) -> None:
    forms = _CON.execute(f"select list_transform($t, lambda ip: {ip_form_sql('ip')})", {"t": texts}).fetchone()[0]
    assert {t: f is not None for t, f in zip(texts, forms, strict=True)} == {t: _is_address(t) for t in texts}


def test_a_plain_ipv4_address_keeps_its_hash(tiny: Tiny) -> None:
    """Stored visitor keys go on matching: a plain IPv4 address is hashed as written, as it always was."""
    key = tiny.settings.require_link_key().decode()
    write_rows(tiny, "clicks", "a.csv", [{"click_id": "a", "ts": "2026-11-09T10:00:00Z", "link_token": tiny.token,
                                          "ip": "192.0.2.7", "user_agent": UA}])  # fmt: skip
    tiny.run()
    assert tiny.rows("select ip_hash from clicks") == [
        (int(hashlib.sha256(f"{key}192.0.2.7".encode()).hexdigest()[:16], 16),)
    ]


def test_a_value_that_is_no_address_is_a_missing_ip(tiny: Tiny) -> None:
    """`-`, `unknown`, `0.0.0.0` ... are what trackers write for no ip: each such click of one user agent is unique,
    as a click without ip, not one visitor's repeat; a quarantined one keeps no hash either."""
    noip = ["-", "unknown", "n/a", "N/A", "null", "abc", "0.0.0.0", "::", " - ", ""]  # noqa: S104
    rows = [{"click_id": f"n{i}", "ip": ip} for i, ip in enumerate(noip)]
    rows += [{"click_id": "r1", "ip": "192.0.2.7"}, {"click_id": "r2", "ip": "192.0.2.7"}]  # a visitor's repeat
    base = {"ts": "2026-11-09T10:00:00Z", "link_token": tiny.token, "user_agent": UA}
    write_rows(tiny, "clicks", "a.csv", [{**base, "ts": f"2026-11-09T10:{i:02d}:00Z", **r} for i, r in enumerate(rows)])
    tiny.write("clicks", "b.csv", f"click_id,ts,link_token,user_agent\nm1,2026-11-09T11:00:00Z,{tiny.token},{UA}\n")
    bad = [
        {**base, "ts": "yesterday", "click_id": "q1", "ip": "unknown"},
        {**base, "ts": "yesterday", "click_id": "q2", "ip": ""},
    ]
    write_rows(tiny, "clicks", "c.csv", bad)
    tiny.run()
    flags = dict(tiny.rows("select click_id, (is_unique, ip_hash is null) from clicks"))
    assert flags == {**{f"n{i}": (True, True) for i in range(len(noip))}, "m1": (True, True),
                     "r1": (True, False), "r2": (False, False)}  # fmt: skip
    raw = dict(tiny.rows("select raw->>'click_id', raw::varchar from quarantine"))
    assert raw["q1"].replace("q1", "q") == raw["q2"].replace("q2", "q")
    assert tiny.rows("select sum(clicks), sum(unique_clicks) from rollup_hourly") == [(len(noip) + 3, len(noip) + 2)]
    conserved(tiny)
