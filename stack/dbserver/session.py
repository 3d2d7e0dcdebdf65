"""One client session: an engine session plus the transaction state Databend's HTTP handler keeps.

The embedded engine lacks the handler's transaction rules (DDL auto-commits an open transaction; a
failed statement marks it failed; later statements get 4002 until COMMIT or ROLLBACK, and COMMIT of
a failed transaction rolls back), so they are applied here, as `databend-query` applies them.
"""

import re
import threading

import databend

from . import statements, wire

AUTO_COMMIT, ACTIVE, FAIL = "AutoCommit", "Active", "Fail"

_ERROR = re.compile(r"Code: (\d+), Text = (.*)", re.S)
_BACKTRACE = re.compile(r"\n\s*\n\s*0: .*", re.S)


class QueryError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message


def query_error(exc: Exception) -> QueryError:
    """Turn the engine's `RuntimeError("… Code: n, Text = msg.")` into code and message."""
    if isinstance(exc, QueryError):
        return exc
    text = str(exc)
    m = _ERROR.search(text)
    if not m:
        return QueryError(1001, text)
    message = _BACKTRACE.sub("", m.group(2)).rstrip()
    if message.endswith("."):
        message = message[:-1]
    return QueryError(int(m.group(1)), message)


class Result:
    def __init__(self, table=None):
        self.table = table


class Session:
    def __init__(self, session_id: str, data_path: str):
        self.id = session_id
        self.lock = threading.Lock()
        self.txn_state = AUTO_COMMIT
        self._engine = databend.SessionContext(data_path=data_path)
        self._database = "default"
        self._applied_settings: dict[str, str] = {}

    @property
    def database(self) -> str:
        return self._database

    def settings(self) -> dict[str, str]:
        return dict(self._applied_settings)

    def restore(self, database: str | None, settings: dict[str, str] | None) -> None:
        """Apply the client's session state (the client owns it; the server echoes it back)."""
        if database and database != self._database:
            self._run("USE " + quote_ident(database))
            self._database = database
        for name, value in (settings or {}).items():
            if self._applied_settings.get(name) == value:
                continue
            try:
                self._run(f"SET {quote_ident(name)} = {quote_string(str(value))}")
                self._applied_settings[name] = str(value)
            except QueryError:
                # databend-query ignores unknown settings sent by a client, with a warning.
                pass

    def execute(self, sql: str) -> Result:
        kind = statements.kind(sql)
        if self.txn_state == FAIL:
            if kind in ("commit", "rollback"):
                self._run("ROLLBACK")
                self.txn_state = AUTO_COMMIT
                return Result()
            if kind != "ddl":
                raise QueryError(4002, "Current transaction is aborted, commands ignored until end of transaction block")
            self._run("ROLLBACK")
            self.txn_state = AUTO_COMMIT
        if kind == "ddl" and self.txn_state == ACTIVE:
            self._commit()
        if kind == "commit":
            if self.txn_state == ACTIVE:
                self._commit()
            return Result()
        try:
            table = self._run(sql)
        except QueryError:
            if self.txn_state == ACTIVE:
                self.txn_state = FAIL
            raise
        if kind == "begin":
            self.txn_state = ACTIVE
        elif kind == "rollback":
            self.txn_state = AUTO_COMMIT
        elif statements.first_keyword(sql) == "USE":
            self._database = self._run("SELECT current_database()").column(0)[0].as_py()
        elif statements.first_keyword(sql) in ("SET", "UNSET"):
            self._record_setting(sql)
        return Result(table)

    def _commit(self) -> None:
        # After COMMIT the session is in auto-commit mode whether or not the commit succeeded.
        self.txn_state = AUTO_COMMIT
        self._run("COMMIT")

    def _record_setting(self, sql: str) -> None:
        rows = self._run("SELECT name, value FROM system.settings WHERE level = 'SESSION'").to_pylist()
        self._applied_settings = {r["name"]: str(r["value"]) for r in rows}

    def _run(self, sql: str):
        try:
            return self._engine.sql(sql).to_arrow_table()
        except Exception as exc:  # the engine raises RuntimeError with the Databend code in its text
            raise query_error(exc) from None


def quote_ident(name: str) -> str:
    # Backtick identifiers have no escape in Databend; a name with a backtick goes in double quotes.
    if "`" not in name:
        return "`" + name + "`"
    return '"' + name.replace('"', '""') + '"'



def quote_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def affected_rows(result: Result) -> int:
    return 0 if result.table is None else wire.affected_rows(result.table)
