"""What a page's table gives the browser: its values, each column's number format and the cells' texts."""

from __future__ import annotations

import io
import json

import polars as pl
import pyarrow as pa
from streamlit.testing.v1 import AppTest


def shown(at: AppTest, index: int = 0) -> tuple[pl.DataFrame, dict[str, str | None], dict[str, list[str]]]:
    """The table's values, each column's number format, and the texts the browser is given for the cells (none when
    the browser writes them by the columns' formats)."""
    proto = at.dataframe[index].proto
    formats = {k: v["type_config"].get("format") for k, v in json.loads(proto.columns).items() if "type_config" in v}
    raw = proto.arrow_data.styler.display_values
    texts = pa.ipc.open_stream(io.BytesIO(raw)).read_pandas().to_dict("list") if raw else {}
    return pl.from_pandas(at.dataframe[index].value), formats, texts
