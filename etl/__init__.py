"""The write side: inbox files → validated, attributed, commissioned facts and rollups in the DuckDB warehouse."""
