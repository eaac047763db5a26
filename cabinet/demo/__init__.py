"""Realistic, deterministic demo data: the store's demo program and contract-conforming inbox feeds."""
