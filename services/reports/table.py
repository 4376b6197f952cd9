"""A report as one CSV table (for Excel: services/core/spreadsheet.py).

A report is some totals and a few lists of rows (its sections). The table has a `section` column naming
where a row comes from: first one `summary` row with the totals, then the rows of each section. Its columns
are every section's, in order of first appearance, empty where a section has none. A nested object becomes
dotted columns (`focal_point.name`); a list of objects (a policy's steps) one cell, the objects joined by
" | ", each as `field=value` pairs joined by ", ".
"""

from datetime import date, datetime

from services.core import spreadsheet


def to_csv(report: dict, sections: tuple[str, ...]) -> bytes:
    summary = {key: value for key, value in report.items() if key not in sections}
    rows = [{"section": "summary", **_flat(summary)}]
    for section in sections:
        rows.extend({"section": section, **_flat(row)} for row in report[section])
    columns = list(dict.fromkeys(column for row in rows for column in row))
    return spreadsheet.csv_bytes(columns, ([_text(row.get(column)) for column in columns] for row in rows))


def _flat(row: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _cell(value) -> str:
    return "" if value is None else _text(value)


def _text(value) -> str | None:
    if isinstance(value, datetime):
        return spreadsheet.local_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " | ".join(", ".join(f"{k}={_cell(v)}" for k, v in _flat(item).items()) for item in value)
    return value
