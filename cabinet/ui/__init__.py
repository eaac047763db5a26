"""The only Streamlit glue outside pages: login, guard, menu, cached wrappers, widgets, charts."""
