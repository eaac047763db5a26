"""The write side: inbox files → validated, attributed, commissioned facts and rollups in the DuckDB warehouse."""

from cabinet.zones import use_packaged_rules

use_packaged_rules()  # a process that imports `etl` first reads the same zone rules as DuckDB (`cabinet.zones`)
