"""`cabinet etl quarantine --reason R` says under its rows what the reason asks of the file's producer: the reason
code alone (`bad_timestamp`, `missing_field:offer_id`) sent the operator to the README for what a valid value is."""

from __future__ import annotations

from typer.testing import CliRunner

from cabinet.cli import app as cli_app
from cabinet.cli.etl_hints import HINTS, hint
from cabinet.i18n import catalog
from tests.etl_ingest.conftest import CLICK_HEADER, Tiny

cli = CliRunner()
CONVERSIONS = "conversion_id,ts,type,click_id,promo_code,partner_id,offer_id,amount,currency\n"


def _said(out: object) -> str:
    return " ".join(getattr(out, "output", "").split())


def test_the_quarantine_says_what_to_change_for_each_reason_once(tiny: Tiny) -> None:
    tiny.write("clicks", "t.csv", CLICK_HEADER + f"k1,2026-11-01T10:00:00Z,{tiny.token},,,,de,mobile,1.2.3.4,ua\n")
    tiny.write(
        "conversions",
        "backend.csv",
        CONVERSIONS
        + "c1,04/11/2026 13:00,registration,k1,,,,,\n"  # day/month order
        + "c2,11/04/2026 13:00,registration,k1,,,,,\n"
        + "c3,2026-11-01T11:00:00Z,registration,,SPRING_NOT,,,,\n"  # an unknown code
        + f"c4,2026-11-01T11:00:00Z,ftd,,,{tiny.parent},,50,USD\n",  # no offer
    )
    tiny.run()
    for width in ("200", "80"):  # the table, and a block per row in a narrow terminal
        out = cli.invoke(cli_app, ["etl", "quarantine", "--reason", "bad_timestamp"], env={"COLUMNS": width})
        said = _said(out)
        assert out.exit_code == 0 and "What to change where the rows come from:" in said, out.output
        assert said.count("bad_timestamp: write ISO 8601 with Z or an offset") == 1  # two rows, one hint
        assert "missing_field" not in said
        out = cli.invoke(cli_app, ["etl", "quarantine", "--reason", "missing_field"], env={"COLUMNS": width})
        assert "missing_field:offer_id: the row has no offer_id" in _said(out), out.output
        out = cli.invoke(cli_app, ["etl", "quarantine", "--reason", "unknown_promo_code"], env={"COLUMNS": width})
        said = _said(out)
        assert "unknown_promo_code: no promo code is issued with that text" in said
        assert "then `cabinet etl reprocess --reason unknown_promo_code` loads the rows" in said
    plain = cli.invoke(cli_app, ["etl", "quarantine"], env={"COLUMNS": "80"})  # every reason: the rows only
    assert plain.exit_code == 0 and "What to change" not in plain.output


def test_every_family_of_the_contract_has_a_hint() -> None:
    assert hint("too_long:sub1") is not None and "sub1 is longer" in (hint("too_long:sub1") or "")
    assert hint("no_such_reason") is None
    reasons = "bad_row bad_rate bad_type bad_status bad_kind unknown_offer unattributed no_fx_rate inactive_promo_code"
    reasons += " promo_code_outside_dates promo_code_other_offer already_paid type_changed"
    assert [r for r in reasons.split() if r not in HINTS] == []


def test_status_says_which_reasons_only_the_producer_can_fix(tiny: Tiny) -> None:
    """`etl status` told how rows of a fixable cause load again, and of the others nothing: a `bad_timestamp` row
    read as if it would load some day."""
    tiny.write("conversions", "backend.csv", CONVERSIONS + "c1,04/11/2026 13:00,registration,,,1,1,,\n")
    tiny.run()
    out = cli.invoke(cli_app, ["etl", "status"], env={"COLUMNS": "200"})
    said = _said(out)
    assert out.exit_code == 0, out.output
    assert "bad_timestamp: no run loads these rows as they are; have the system that wrote them send them again" in said
    assert "`cabinet etl quarantine --reason <reason>` lists them with what to change" in said


def test_a_quarantined_row_sent_again_corrected_is_marked_loaded(tiny: Tiny) -> None:
    """The quarantine keeps the first row when the producer sends it again corrected: it read as still missing, and
    `etl status` counts it on."""
    tiny.write(
        "conversions",
        "a.csv",
        CONVERSIONS + f"c4,2026-11-01T11:00:00Z,ftd,,,{tiny.parent},,50,USD\n" + "c5,04/11/2026,registration,,,1,1,,\n",
    )
    tiny.run()
    tiny.write(
        "conversions", "b.csv", CONVERSIONS + f"c4,2026-11-01T11:00:00Z,ftd,,,{tiny.parent},{tiny.offer},50,USD\n"
    )
    tiny.run()
    for width in ("200", "80"):
        out = cli.invoke(cli_app, ["etl", "quarantine"], env={"COLUMNS": width})
        said = _said(out)
        assert out.exit_code == 0 and said.count("(its id is loaded now)") == 2, out.output  # the row and the note
        assert "1 row marked (its id is loaded now): a row with its id came in another file since" in said
        assert "missing_field:offer_id (run 1) (its id is loaded now)" in said or width == "200"
        assert "bad_timestamp (run 1) (its id" not in said


def test_a_missing_column_is_said_as_its_feed_requires_it() -> None:
    """Every missing column was said with "(a conversion's offer_id: needed when neither its click nor its promo code
    names the offer)", a rate's date and a click's time too; and a conversion's missing click_id as a column "its feed
    requires", where a promo_code or partner_id does as well."""
    assert hint("missing_field:date") == "the row has no date, which its feed requires; send the row again with it"
    assert "offer" not in (hint("missing_field:ts") or "") and "offer" not in (hint("missing_field:amount") or "")
    said = hint("missing_field:click_id") or ""
    assert "a conversion one of click_id, promo_code or partner_id" in said and "`cabinet etl status`" in said
    assert "A status update read before its conversion (a row naming none of them) first waits 7 days for the " \
           "conversion" in said  # fmt: skip
    assert "neither its click nor its promo code names the offer" in (hint("missing_field:offer_id") or "")
    assert "neither a link_token nor a partner_id with an offer_id" in (hint("missing_field:link_token") or "")


def test_every_reason_with_a_hint_has_a_label_on_the_data_loads_page() -> None:
    """The Data loads page says each reason in the admin's language: a reason without a label showed its code alone."""
    for locale in ("en", "ru"):
        words = catalog(locale)
        assert [r for r in HINTS if f"loads.reason_{r}" not in words] == [], locale
    assert catalog("ru")["loads.reason_promo_code_other_offer"] == "Промокод для другого оффера"


def test_a_row_whose_code_is_for_another_offer_is_sent_again(tiny: Tiny) -> None:
    """The child's SPRING is for the other offer; a row naming the link's offer with it is quarantined, and the
    operator is told to have the row sent again (a code's offer is set when it is issued: reading the file again
    would quarantine it again)."""
    tiny.write(
        "conversions", "backend.csv", CONVERSIONS + f"c1,2026-11-01T11:00:00Z,ftd,,SPRING,,{tiny.offer},50,USD\n"
    )
    tiny.run()
    out = cli.invoke(cli_app, ["etl", "quarantine", "--reason", "promo_code_other_offer"], env={"COLUMNS": "200"})
    said = _said(out)
    assert out.exit_code == 0, out.output
    assert "promo_code_other_offer: the promo code is issued for another offer than the row's offer_id" in said
    assert "send the row again in a new file with the code's offer_id, or with none" in said
    said = _said(cli.invoke(cli_app, ["etl", "status"], env={"COLUMNS": "200"}))
    assert "promo_code_other_offer: no run loads these rows as they are" in said


def test_an_unknown_id_is_sent_to_the_id_the_store_gave() -> None:
    """The hint said to add offer 99 in the catalogue and reprocess: the store gives each offer and partner its own
    id, so an operator cannot add one with the id the file has; it says where the ids are and to send the rows again."""
    for reason, where in (("unknown_offer", "Offer catalogue"), ("unknown_partner", "Partners page")):
        said = hint(reason) or ""
        assert "the store gives each" in said and where in said and "send the rows again with it" in said
        assert "add it in" not in said and f"`cabinet etl reprocess --reason {reason}`" in said
