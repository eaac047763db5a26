"""Read side: one module per report family over the published warehouse snapshot (`queries.warehouse`).

Every query takes the viewer's `Scope` first and filters by it in SQL (`queries.scope_sql`); the cabinet's metrics cut
by dimensions come from `queries.reports.performance` (bots left out of clicks, statuses, overrides, time zones).
README "Adding a view" walks through a new one.
"""

from cabinet.zones import use_packaged_rules

use_packaged_rules()  # a process that imports `queries` first cuts periods by DuckDB's rules too (`cabinet.zones`)

from queries.warehouse import NoSnapshotError, SnapshotInfo, Warehouse, get_warehouse  # noqa: E402

__all__ = ["NoSnapshotError", "SnapshotInfo", "Warehouse", "get_warehouse"]
