"""Exact money arithmetic in DuckDB SQL, the same for the ETL's engine and the cabinet's queries (which may not import
`etl`): a plan's tier box counts an FTD against the baseline as the engine does."""

from __future__ import annotations

_E18 = "1000000000000000000"  # a rate's units: decimal(38,18)


def divide_sql(amount: str, rate: str) -> str:
    """SQL for `amount / rate` rounded half away from zero to 4 decimals, exactly: DuckDB divides decimals as doubles,
    so 1.0001 / 2 gave 0.5000 (0.50005 is 0.5000499... in binary). Integer arithmetic on the two values' units
    (1e-4 and 1e-18) instead; NULL when the result is beyond a money column (decimal(18,4)), as a failed cast gives.
    `amount` is a decimal with at most 4 decimals and `rate` a decimal(38,18) (NULL unless positive), both
    expressions from code."""
    units = f"(trunc({rate})::hugeint * {_E18} + (({rate} - trunc({rate})) * {_E18})::hugeint)"
    scaled = f"(abs(({amount})::decimal(38,4) * 10000)::hugeint * {_E18})"
    quotient, rest = f"({scaled} // {units})", f"({scaled} % {units})"
    up = f"case when {rest} >= {units} - {rest} then 1 else 0 end"  # half or more of the rate: away from zero
    exact = f"try_cast((sign({amount}) * ({quotient} + {up}))::decimal(38,0) * 0.0001 as decimal(18,4))"
    return f"case when {rate} > 0 then {exact} end"
