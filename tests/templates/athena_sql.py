"""Reading ``templates/sql/``: the Athena DDL's columns and the Hive -> DuckDB type translation.

Shared by the DuckDB query tests and the template sync tests (no tests here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parents[2] / "templates" / "sql"


@dataclass(frozen=True)
class Table:
    name: str
    columns: list[tuple[str, str]]
    partitions: list[tuple[str, str]]
    serde: str
    location: str


def split_top_level(text: str) -> list[str]:
    """Split on commas outside ``<...>`` and ``(...)``."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def _columns(block: str) -> list[tuple[str, str]]:
    out = []
    for item in split_top_level(block):
        name, kind = item.split(None, 1)
        out.append((name.strip("`"), kind.replace(" ", "")))
    return out


def read_ddl(name: str) -> Table:
    text = "\n".join(
        line for line in (SQL_DIR / f"{name}.ddl.sql").read_text().splitlines() if not line.startswith("--")
    )
    match = re.search(
        r"CREATE EXTERNAL TABLE (\w+) \((.*)\)\s*PARTITIONED BY \((.*?)\)\s*"
        r"ROW FORMAT SERDE '([^']+)'\s*LOCATION '([^']+)'",
        text,
        re.S,
    )
    assert match, f"{name}.ddl.sql does not have the expected shape"
    return Table(match[1], _columns(match[2]), _columns(match[3]), match[4], match[5])


def hive_to_duckdb(kind: str) -> str:
    """``struct<a:string,b:array<int>>`` -> ``STRUCT("a" VARCHAR, "b" INTEGER[])``."""
    kind = kind.strip()
    lower = kind.lower()
    scalars = {
        "string": "VARCHAR",
        "int": "INTEGER",
        "bigint": "BIGINT",
        "double": "DOUBLE",
        "boolean": "BOOLEAN",
    }
    if lower in scalars:
        return scalars[lower]
    if lower.startswith("array<"):
        return hive_to_duckdb(kind[6:-1]) + "[]"
    if lower.startswith("map<"):
        key, value = split_top_level(kind[4:-1])
        return f"MAP({hive_to_duckdb(key)}, {hive_to_duckdb(value)})"
    if lower.startswith("struct<"):
        fields = []
        for field in split_top_level(kind[7:-1]):
            name, sub = field.split(":", 1)
            fields.append(f'"{name}" {hive_to_duckdb(sub)}')
        return "STRUCT(" + ", ".join(fields) + ")"
    raise ValueError(f"no DuckDB translation for Hive type {kind!r}")


def query(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text()
