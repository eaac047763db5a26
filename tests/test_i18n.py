"""Every translation key exists in English and Russian, and every key the code asks for exists."""

from __future__ import annotations

import re
from pathlib import Path

from cabinet.formatting import chart_config, fmt_change, fmt_small_money
from cabinet.i18n import LOCALES, catalog, translate
from queries.metrics import METRICS

ROOT = Path(__file__).resolve().parents[1]
LITERAL = re.compile(r"""\bt(?:ranslate)?\(\s*["']([a-z_]+\.[a-z0-9_]+)["']""")


def test_both_languages_have_the_same_non_empty_keys() -> None:
    en, ru = catalog("en"), catalog("ru")
    assert set(en) - set(ru) == set(), "missing in Russian"
    assert set(ru) - set(en) == set(), "missing in English"
    for locale in LOCALES:
        assert all(v.strip() for v in catalog(locale).values()), locale


def test_placeholders_match_between_languages() -> None:
    en, ru = catalog("en"), catalog("ru")
    for key in en:
        assert set(re.findall(r"{(\w+)}", en[key])) == set(re.findall(r"{(\w+)}", ru[key])), key


def test_every_literal_key_used_in_code_exists() -> None:
    files = [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("cabinet/**/*.py")]
    used = {key for f in files for key in LITERAL.findall(f.read_text())}
    assert used, "the scan found no keys: the pattern is broken"
    assert used - set(catalog("en")) == set()


def test_every_metric_and_dimension_has_a_label() -> None:
    from queries.metrics import DIMENSIONS, METRICS

    en = catalog("en")
    assert {f"metric.{m}" for m in METRICS} <= set(en)
    assert {f"dim.{d}" for d in DIMENSIONS} <= set(en)


def test_chart_config_names_months_and_days_per_locale() -> None:
    en, ru = chart_config("en")["locales"]["en"]["format"], chart_config("ru")["locales"]["ru"]["format"]
    assert en["shortMonths"][:2] == ["Jan", "Feb"] and en["days"][:2] == ["Sunday", "Monday"]
    assert en["decimal"] == "." and en["thousands"] == ","
    assert ru["shortMonths"][0] == "янв." and ru["months"][10] == "ноябрь" and ru["shortDays"][1] == "пн"
    assert ru["thousands"] == "\xa0"


def test_a_change_reads_as_a_percent_and_a_rise_of_ten_times_as_a_multiple() -> None:
    assert fmt_change(None, "en") is None
    assert fmt_change(0.125, "en") == "+12.5%"
    assert fmt_change(-0.5, "en") == "-50.0%"
    assert fmt_change(9.999, "en") == "+999.9%"
    assert fmt_change(10.0, "en") == "×11"
    assert fmt_change(2136.77, "en") == "×2,138"
    assert fmt_change(2136.77, "ru").replace("\xa0", " ") == "×2 138"


def test_an_epc_below_one_unit_keeps_up_to_four_decimals() -> None:
    """A typical EPC of $0.0042 read $0.00 on the Dashboard's card."""
    assert fmt_small_money(0.0042, "USD", "en") == "$0.0042"
    assert fmt_small_money(0.004249, "RUB", "ru") == "0,0042\xa0₽"
    assert fmt_small_money(0.05, "USD", "en") == "$0.05"  # never fewer than two
    assert fmt_small_money(5.4213, "USD", "en") == "$5.42"
    assert fmt_small_money(-0.0311, "EUR", "en") == "-€0.0311"
    assert fmt_small_money(None, "USD", "en") == "—"


def test_short_metric_labels_are_unique_per_language() -> None:
    """Cards and table headers show a metric's name up to its explanation in parentheses: no two may look alike."""
    for locale in ("en", "ru"):
        short = [translate(f"metric.{m}", locale).split(" (")[0] for m in METRICS]
        assert len(set(short)) == len(short), locale


def test_every_kind_of_mail_is_named_on_the_emails_page() -> None:
    """The Emails page labels each message by its kind: a kind without a label broke the page once a message of it
    was queued."""
    from cabinet.mail import KINDS

    for locale in LOCALES:
        assert {f"emails.kind_{k}" for k in KINDS} <= set(catalog(locale)), locale


def test_russian_texts_name_conversion_statuses_in_russian() -> None:
    """Time to convert said "в статусе pending или approved" in Russian; only the postback texts quote the values a
    partner's URL receives, which are English."""
    english = re.compile(r"\b(pending|approved|rejected|reversed)\b")
    quoted = {"postbacks.macro_status", "postbacks.test_help"}
    texts = {key: re.sub(r"\{\w+\}", "", text) for key, text in catalog("ru").items()}  # placeholders are names
    assert english.search(texts["postbacks.macro_status"])  # the pattern finds what it is for
    assert not [key for key, text in texts.items() if english.search(text) and key not in quoted]
