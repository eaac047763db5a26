"""Partner Cabinet: self-service portal for the partners of an affiliate program."""

from cabinet.zones import use_packaged_rules

use_packaged_rules()  # before any module makes a zone: the tzdata package's rules, as DuckDB's (`cabinet.zones`)

__version__ = "0.1.0"
