"""A CSV file whose first line names its separator for Excel (`sep=;`) has its header on the next line: a contract
column that header names twice fails the file, and columns outside the contract are named as that header names them
(the `sep=` line was taken for the header, so neither was seen)."""

from __future__ import annotations

from tests.etl_ingest.conftest import Tiny, conserved


def _files(t: Tiny) -> list[tuple]:
    return t.rows("select path, status, reason, unknown_columns, rows_read, inserted from etl_files order by path")


def test_a_contract_column_named_twice_under_a_separator_line_fails_the_file(tiny: Tiny) -> None:
    row = f"v1;2026-11-03T12:00:00Z;deposit;{tiny.parent};{tiny.offer}"
    head = "conversion_id;ts;type;partner_id;offer_id"
    tiny.write("conversions", "v.csv", f"sep=;\r\n{head};Amount;amount\r\n{row};;15\r\n")  # which one is the amount?
    tiny.write(
        "conversions",
        "w.csv.gz",
        f"\ufeffSEP=|\n{head.replace(';', '|')}|amount\n{row.replace(';', '|').replace('v1', 'v2')}|7\n",
    )
    tiny.run()
    why = "a column named twice (Amount and amount both name amount; column names are case-insensitive): keep one"
    assert _files(tiny) == [
        ("conversions/v.csv", "failed", why, None, 0, 0),
        ("conversions/w.csv.gz", "loaded", None, None, 1, 1),
    ]
    conserved(tiny)


def test_other_columns_under_a_separator_line_are_named_as_its_header_names_them(tiny: Tiny) -> None:
    head = "click_id;ts;link_token;Campaign;campaign;"  # an export's trailing separator: a last column without a name
    tiny.write("clicks", "c.csv", f"sep=;\n{head}\nk1;2026-11-01T10:00:00Z;{tiny.token};a;b;\n")
    # a stray quote: this file is read record by record, its columns named alike
    tiny.write("clicks", "d.csv", f'sep=;\n{head}\nk3;2026-11-01T10:00:00Z;{tiny.token};a;b;\nk4;x;"y"z;;;\n')
    tiny.run()
    assert _files(tiny) == [
        ("clicks/c.csv", "loaded", None, "(column 6, without a name),campaign", 1, 1),
        ("clicks/d.csv", "loaded", None, "(column 6, without a name),campaign", 2, 1),
    ]
    conserved(tiny)
