"""Realistic, deterministic demo data: the store's demo program and contract-conforming inbox feeds."""

# here, not in `cabinet.demo.timeline`: `cabinet demo --help` says it, and the timeline's numpy is not needed for that
HISTORY_DAYS = 365 + 14  # a year before the window and two weeks more (a leap day, a period starting before it)
