"""Read side: one module per report family over the published warehouse snapshot (`queries.warehouse`)."""

from cabinet.zones import use_packaged_rules

use_packaged_rules()  # a process that imports `queries` first cuts periods by DuckDB's rules too (`cabinet.zones`)

from queries.warehouse import NoSnapshotError, SnapshotInfo, Warehouse, get_warehouse  # noqa: E402

__all__ = ["NoSnapshotError", "SnapshotInfo", "Warehouse", "get_warehouse"]
