"""Text from outside the program drawn in a chart is drawn as typed. Plotly reads a subset of HTML in every text it
draws (axis labels, legend entries, hover labels, a sunburst's sectors): `<a href>` became a link inside the chart,
`<span style>` text of any size and colour. A partner's name (an applicant types it), a sub-partner's name (read by
the partner it applied under) and sub values (anyone clicking a link sends them) reached those texts as markup.
The same holds for the Links page's heading over a partner's links, read by staff: Markdown, where a name became a
link or an image fetched from the applicant's host."""

from __future__ import annotations

import html
import json

import polars as pl
from sqlalchemy import Engine

from cabinet.store.db import session_scope
from cabinet.store.models import Partner
from cabinet.ui.chart_text import chart_table
from cabinet.ui.tree_chart import tree_figure
from tests.reporting import conftest as reporting
from tests.reporting.conftest import Program
from tests.reporting.test_pages import _open as open_page

# the reporting tests' loaded program, for the pages here
program, store_engine, _program_template = reporting.program, reporting.store_engine, reporting._program_template

MARKUP = '<a href="https://evil.example/pay">Approve payout</a> & <b>Co</b>'


def _named(store_engine: Engine, partner_id: int, name: str) -> None:
    with session_scope(store_engine) as s:
        s.get(Partner, partner_id).name = name


def test_a_partners_name_is_no_link_in_the_reports_chart(program: Program, store_engine: Engine) -> None:
    _named(store_engine, program.tiny.child, MARKUP)
    at = open_page("pages/02_reports.py", program.users["mgr"])
    at.session_state["reports_group_by_en"] = ["partner_id"]
    at.run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    drawn = [str(x) for trace in spec["data"] for x in trace["x"]]
    mine = [x for x in drawn if "Approve payout" in x]
    assert mine == [f"{program.tiny.child} · {html.escape(MARKUP, quote=False)}"]  # Plotly shows it as typed
    assert not any("<" in x for x in drawn)
    # the screen reader's table says the name as typed too: escaped once, not the chart's escaping escaped again
    text = "".join(str(h.proto.body) for h in at.get("html"))
    assert html.escape(f"{program.tiny.child} · {MARKUP}") in text
    assert "&amp;lt;" not in text


def test_a_chart_table_says_what_plotly_draws_of_an_entity() -> None:
    """Plotly writes `&lt;` as `<`: the table says `<` too, as escaped HTML."""
    import plotly.express as px

    table = chart_table(px.bar(x=["a &lt;b&gt; &amp; c"], y=[1]))
    assert table is not None and "<td>a &lt;b&gt; &amp; c</td>" in table


def test_a_sub_partners_name_is_no_link_in_the_tree() -> None:
    tree = pl.DataFrame(
        {"level": [1], "partner_id": [7], "name": [MARKUP], "parent_id": [3], "status": ["active"], "clicks": [5]}
    )
    fig = tree_figure(tree, "clicks", f"3 · {MARKUP}")
    assert fig is not None
    labels = list(fig.data[0].labels)
    assert labels == [f"3 · {html.escape(MARKUP, quote=False)}", f"7 · {html.escape(MARKUP, quote=False)}"]


def test_a_partners_name_heads_its_links_as_typed(program: Program, store_engine: Engine) -> None:
    _named(store_engine, program.tiny.child, "[Verify](https://evil.example) ![x](https://evil.example/p.png)")
    at = open_page("pages/06_links.py", program.users["mgr"])
    at.session_state["links_partner"] = program.tiny.child
    at.run()
    assert not at.exception
    [heading] = [h.value for h in at.header if "Verify" in h.value]
    assert "](" not in heading and "![" not in heading
    assert "\\[Verify\\]" in heading
