"""Raw IPs are never stored, not even in the raw values kept of quarantined and waiting rows: an address in a column
outside the contract, in another feed's `ip` column, or with a port in a malformed line shows as `[ip]`."""

from __future__ import annotations

from datetime import timedelta

from etl.ip_mask import mask_ips
from tests.etl_ingest.conftest import NOW, Tiny, conserved


def test_mask_ips_finds_addresses_and_leaves_times_and_versions() -> None:
    assert mask_ips("192.0.2.5:8080, 203.0.113.7 and [2001:db8::1]:443") == "[ip]:8080, [ip] and [[ip]]:443"
    assert mask_ips("::ffff:198.51.100.7") == "[ip]"
    kept = "2026-11-01T12:30:05Z Chrome/120.0.6099.109 999.1.1.1 v1.2.3 12:30"
    assert mask_ips(kept) == kept


def test_no_raw_ip_in_quarantined_or_waiting_rows(tiny: Tiny) -> None:
    tiny.write(
        "clicks",
        "extra.csv",
        "click_id,ts,partner_id,offer_id,client_ip\n"
        f"a1,2026-11-01T10:00:00Z,999,{tiny.offer},203.0.113.7\n"  # unknown partner, an address in another column
        f"a2,2026-11-01T10:00:00Z,{tiny.parent},{tiny.offer},192.0.2.5:8080,more\n",  # a field too many, with a port
    )
    tiny.write(
        "conversions",
        "with_ip.jsonl",
        '{"conversion_id":"c1","ts":"2026-11-01T12:00:00Z","type":"ftd","promo_code":"NOPE","ip":"203.0.113.8"}\n'
        # waits for its click, whose id looks like an address: the id stays, the address beside it does not
        '{"conversion_id":"c2","ts":"2026-11-01T12:00:00Z","type":"ftd","click_id":"10.1.2.3","ip":"203.0.113.9"}\n',
    )
    tiny.run()
    quarantined = tiny.rows("select path, row_number, reason, raw::varchar from quarantine order by path, row_number")
    assert [r[:3] for r in quarantined] == [
        ("clicks/extra.csv", 1, "unknown_partner"),
        ("clicks/extra.csv", 2, "bad_row"),
        ("conversions/with_ip.jsonl", 1, "unknown_promo_code"),
    ]
    raws = [r[3] for r in quarantined]
    assert not any(ip in raw for raw in raws for ip in ("203.0.113.7", "192.0.2.5", "203.0.113.8"))
    assert '"client_ip":"[ip]"' in raws[0] and "[ip]:8080" in raws[1] and '"ip":"[ip]"' in raws[2]
    [(waiting, click_id)] = tiny.rows("select raw::varchar, click_id from pending_conversions")
    assert "203.0.113.9" not in waiting and click_id == "10.1.2.3" and '"click_id":"10.1.2.3"' in waiting

    # its click arrives: the conversion is attributed by the id it kept
    tiny.write("clicks", "late.csv", f"click_id,ts,link_token\n10.1.2.3,2026-11-01T11:00:00Z,{tiny.token}\n")
    tiny.run(NOW + timedelta(hours=1))
    assert tiny.rows("select partner_id from conversions where conversion_id = 'c2'") == [(tiny.parent,)]
    conserved(tiny)
