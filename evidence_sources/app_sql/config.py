"""The ``[evidence_sources.app_sql]`` settings, checked once so a mistake fails at start-up.

```toml
[evidence_sources.app_sql]
url = "sqlite:///path/to/app.db"
files_root = "/path/to/app/uploads"        # local image paths must resolve inside it
allowed_hosts = ["cdn.example.com"]         # image URLs may only come from these hosts
[[evidence_sources.app_sql.queries]]
name = "designs"
kind = "images"                             # images | facts | activity | payments
sql = '''SELECT image AS image, prompt AS caption, created_at
         FROM designs WHERE user_email = :customer_email'''
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from engine.errors import SettingError

SECTION = "[evidence_sources.app_sql]"
PARAMETERS = frozenset({"customer_email", "customer_id", "payment_id", "dispute_id"})
KINDS = frozenset({"images", "facts", "activity", "payments"})
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Query:
    name: str
    kind: str
    sql: str
    title: str
    parameters: frozenset[str]
    max_rows: int


@dataclass(frozen=True)
class AppSqlConfig:
    url: str
    files_root: Path | None
    allowed_hosts: frozenset[str]
    queries: tuple[Query, ...]
    statement_timeout: float
    max_image_bytes: int


def _error(key: str, problem: str) -> SettingError:
    return SettingError(f"{SECTION} {key}", problem)


def parse_config(section: Mapping[str, Any]) -> AppSqlConfig:
    url = section.get("url")
    if not isinstance(url, str) or not url:
        raise _error("url", "must be a SQLAlchemy URL such as sqlite:///app.db")
    try:
        make_url(url)
    except ArgumentError:
        raise _error("url", f"{url!r} is not a SQLAlchemy URL") from None
    root = section.get("files_root")
    if root is not None and not isinstance(root, str):
        raise _error("files_root", "must be a directory path")
    files_root = Path(root).expanduser().resolve() if root else None
    if files_root is not None and not files_root.is_dir():
        raise _error("files_root", f"{files_root} is not a directory")
    hosts = section.get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise _error("allowed_hosts", "must be a list of host names")
    raw_queries = section.get("queries", [])
    if not isinstance(raw_queries, list) or not raw_queries:
        raise _error("queries", "must list at least one [[evidence_sources.app_sql.queries]]")
    queries = tuple(_query(index, raw) for index, raw in enumerate(raw_queries))
    names = [query.name for query in queries]
    if len(set(names)) != len(names):
        raise _error("queries", "query names must be unique")
    return AppSqlConfig(
        url=url,
        files_root=files_root,
        allowed_hosts=frozenset(host.lower() for host in hosts),
        queries=queries,
        statement_timeout=_number(section, "statement_timeout", 10.0),
        max_image_bytes=int(_number(section, "max_image_bytes", 20_000_000)),
    )


def _query(index: int, raw: object) -> Query:
    where = f"queries[{index}]"
    if not isinstance(raw, Mapping):
        raise _error(where, "must be a table with name, kind and sql")
    name, kind, sql = raw.get("name"), raw.get("kind"), raw.get("sql")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _error(f"{where}.name", "must be lower-case letters, digits and _")
    if kind not in KINDS:
        raise _error(f"{where}.kind", f"must be one of {', '.join(sorted(KINDS))}, not {kind!r}")
    if not isinstance(sql, str) or not sql.strip():
        raise _error(f"{where}.sql", "must be a SELECT statement")
    if not sql.lstrip().lower().startswith(("select", "with")):
        raise _error(f"{where}.sql", "must be a SELECT (the source only reads)")
    parameters = frozenset(text(sql).compile().params)
    unknown = parameters - PARAMETERS
    if unknown:
        known = ", ".join(":" + parameter for parameter in sorted(PARAMETERS))
        raise _error(f"{where}.sql", f"unknown parameter :{sorted(unknown)[0]} (use {known})")
    title = raw.get("title") or (
        f"Activity: {name.replace('_', ' ')}"
        if kind == "activity"
        else name.replace("_", " ").capitalize()
    )
    if not isinstance(title, str):
        raise _error(f"{where}.title", "must be a string")
    default_rows = {"images": 50, "facts": 100, "activity": 500, "payments": 500}[kind]
    max_rows = raw.get("max_rows", default_rows)
    if not isinstance(max_rows, int) or max_rows < 1:
        raise _error(f"{where}.max_rows", "must be a positive whole number")
    return Query(name, kind, sql, title, parameters, max_rows)


def _number(section: Mapping[str, Any], key: str, default: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _error(key, "must be a positive number")
    return float(value)
