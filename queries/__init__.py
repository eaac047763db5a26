"""Read side: one module per report family over the published warehouse snapshot (`queries.warehouse`)."""

from queries.warehouse import NoSnapshotError, SnapshotInfo, Warehouse, get_warehouse

__all__ = ["NoSnapshotError", "SnapshotInfo", "Warehouse", "get_warehouse"]
