"""`metric_text`: a metric's values as `fmt_metric` writes them, the language and base currency looked up once."""

from __future__ import annotations

import pytest

from cabinet.ui import widgets

CASES = [("epc", 0.0042, "€0.0042"), ("epc", 1.5, "€1.50"), ("commission", 1234.5, "€1,234.50"),
         ("cr", 0.0123, "1.23%"), ("clicks", 12345, "12,345"), ("arpu", None, "—")]  # fmt: skip


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The base currency is EUR; each time it is asked for is counted."""
    calls: list[str] = []
    monkeypatch.setattr(widgets, "current_locale", lambda: "en")
    monkeypatch.setattr(widgets.data, "base_currency", lambda: calls.append("asked") or "EUR")
    return calls


@pytest.mark.parametrize(("metric", "value", "said"), CASES)
def test_a_value_reads_as_fmt_metric_writes_it(asked: list[str], metric: str, value: float | None, said: str) -> None:
    assert widgets.metric_text(metric)(value) == said
    assert widgets.fmt_metric(metric, value) == said


def test_a_grid_of_money_asks_for_the_currency_once(asked: list[str]) -> None:
    text = widgets.metric_text("commission")
    assert [text(v) for v in (1.0, 2.0, 3.0) * 100][:3] == ["€1.00", "€2.00", "€3.00"]
    assert asked == ["asked"]
    assert widgets.metric_text("clicks")(5) == "5" and asked == ["asked"]  # a count needs no currency


def test_the_sessions_language_writes_the_values(asked: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(widgets, "current_locale", lambda: "ru")
    assert widgets.metric_text("clicks")(12345) == "12\xa0345"
    assert widgets.metric_text("cr")(0.0123) == "1,23%"
