"""The only Streamlit glue outside pages: login, guard, menu, cached wrappers, widgets, charts.

A page starts with `guard.require_user("<feature>")` (a string literal: the menu reads it), then
`data.snapshot_or_stop()` and `data.warehouse()` (or, for the cabinet's metrics, `data.report` and `data.offers`);
its pickers, tables and files are `widgets.period_picker`, `widgets.partner_picker`, `widgets.label_report`,
`widgets.show_table`, `widgets.download_buttons`, `widgets.show_refusal`, its figures `charts.show_chart` (README
"Adding a view").
"""
