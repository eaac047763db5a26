"""The cabinet as `cabinet serve` runs it: the Streamlit app (`app.py`) with the routes it answers beside its pages,
served by `streamlit run asgi.py` (Streamlit's st.App on uvicorn).

- POST to the unsubscribe link's address: a mail program's one-click unsubscribe (RFC 8058, `cabinet.one_click`).
  A GET of it is the page, as before.

`streamlit run app.py` still runs the pages alone, without these routes.
"""

import streamlit as st
from streamlit import config

from cabinet.one_click import routes
from cabinet.ui.unreachable import said_on_page

app = st.App(
    "app.py",
    routes=routes(base_path=config.get_option("server.baseUrlPath") or ""),
    on_script_error=said_on_page,  # the store lost where no page's code caught it: said, not SQLAlchemy's traceback
)
