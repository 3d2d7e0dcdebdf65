"""Classify SQL statements the way Databend's HTTP handler treats them inside a transaction."""

import re

# First keywords of statements that may run inside an explicit transaction
# (databend `Statement::allowed_in_multi_statement`). Anything else is DDL: the server commits an
# open transaction before running it.
_ALLOWED_IN_TRANSACTION = {
    "SELECT", "WITH", "VALUES", "FROM", "EXPLAIN", "COPY", "CALL", "SHOW", "SET", "UNSET", "KILL",
    "SYSTEM", "INSERT", "REPLACE", "MERGE", "DELETE", "UPDATE", "USE", "DESC", "DESCRIBE",
    "OPTIMIZE", "VACUUM", "ANALYZE", "EXISTS", "REFRESH", "REMOVE", "LIST", "PRESIGN", "EXECUTE",
    "INSPECT", "REPORT", "BEGIN", "START", "COMMIT", "ABORT", "ROLLBACK", "(",
}
_COMMENT = re.compile(r"\s*(--[^\n]*(\n|$)|/\*(?!\+).*?\*/)", re.S)


def first_keyword(sql: str) -> str:
    rest = sql
    while True:
        m = _COMMENT.match(rest)
        if not m:
            break
        rest = rest[m.end():]
    rest = rest.lstrip()
    if rest.startswith("("):
        return "("
    m = re.match(r"[A-Za-z_]+", rest)
    return m.group(0).upper() if m else ""


def kind(sql: str) -> str:
    """One of: begin, commit, rollback, dml (allowed in a transaction), ddl."""
    word = first_keyword(sql)
    if word in ("BEGIN", "START"):
        return "begin"
    if word == "COMMIT":
        return "commit"
    if word in ("ROLLBACK", "ABORT"):
        return "rollback"
    if word in _ALLOWED_IN_TRANSACTION:
        return "dml"
    return "ddl"
