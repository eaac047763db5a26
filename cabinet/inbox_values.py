"""Values the inbox contract fixes that the cabinet reads as well as the ETL writes (`etl.contract`, `queries`)."""

from __future__ import annotations

DEVICES = ("desktop", "mobile", "tablet", "other")  # a click's device, stored lower-case; anything else is "other"
