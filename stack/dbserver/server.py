"""HTTP front end: the parts of databend-query's `/v1/query` protocol that databend-driver uses.

Run: python -m dbserver.server --port 8000 [--data-dir DIR]   (from the stack/ directory)
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import wire
from .session import QueryError, Session, affected_rows, query_error, ACTIVE

SERVER_VERSION = "1.2.895"


class Sessions:
    """Client sessions by the `session_id` cookie; the driver keeps one cookie jar per connection."""

    def __init__(self, data_path: str):
        self._data_path = data_path
        self._lock = threading.Lock()
        self._by_id: dict[str, Session] = {}
        self.node_id = uuid.uuid4().hex

    def get(self, session_id: str | None) -> tuple[Session, bool]:
        with self._lock:
            if session_id and session_id in self._by_id:
                return self._by_id[session_id], False
            session = Session(uuid.uuid4().hex, self._data_path)
            self._by_id[session.id] = session
            return session, True

    def drop(self, session_id: str | None) -> None:
        with self._lock:
            self._by_id.pop(session_id or "", None)


class RecentResponses:
    """A repeated X-DATABEND-QUERY-ID returns the first answer, so client transport retries are safe."""

    def __init__(self, capacity: int = 1024):
        self._capacity = capacity
        self._lock = threading.Lock()
        self._items: OrderedDict[str, bytes] = OrderedDict()

    def get(self, query_id: str) -> bytes | None:
        with self._lock:
            return self._items.get(query_id)

    def put(self, query_id: str, body: bytes) -> None:
        with self._lock:
            self._items[query_id] = body
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)


def _progress(rows: int) -> dict:
    return {"rows": rows, "bytes": 0}


def query_response(query_id: str, session: Session, node_id: str, table=None, error: QueryError | None = None,
                   written: int = 0, elapsed_ms: float = 0.0) -> dict:
    schema, data = [], []
    if table is not None:
        schema = [{"name": f.name, "type": wire.type_name(f)} for f in table.schema]
        columns = [wire.encode_column(f, table.column(i).to_pylist()) for i, f in enumerate(table.schema)]
        data = [list(row) for row in zip(*columns)] if columns else []
    result_rows = len(data)
    return {
        "id": query_id,
        "session_id": session.id,
        # node_id stays null: with it, the driver would start heartbeats and /final calls.
        "node_id": None,
        "state": "Failed" if error else "Succeeded",
        "error": {"code": error.code, "message": error.message} if error else None,
        "warnings": [],
        "has_result_set": table is not None and len(schema) > 0,
        "schema": schema,
        "data": data,
        "affect": None,
        "result_timeout_secs": 60,
        "session": {
            "catalog": "default",
            "database": session.database,
            "settings": session.settings(),
            "txn_state": session.txn_state,
            "need_sticky": False,
            "need_keep_alive": False,
            "internal": json.dumps({"server_node": node_id}),
        },
        "settings": {"timezone": "UTC", "binary_output_format": "hex", "http_json_result_mode": "display",
                     "geometry_output_format": "GeoJSON"},
        "stats": {
            "scan_progress": _progress(result_rows),
            "write_progress": _progress(written),
            "result_progress": _progress(result_rows),
            "total_scan": _progress(0),
            "spill_progress": {"file_nums": 0, "bytes": 0},
            "running_time_ms": elapsed_ms,
        },
        "stats_uri": f"/v1/query/{query_id}",
        "final_uri": f"/v1/query/{query_id}/final",
        "next_uri": None,
        "kill_uri": f"/v1/query/{query_id}/kill",
    }


def make_handler(sessions: Sessions, recent: RecentResponses):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the body waits for the client's
        # delayed ACK of the headers (about 40 ms on Linux) on every keep-alive request.
        disable_nagle_algorithm = True
        server_version = f"databend-query-embedded/{SERVER_VERSION}"

        def log_message(self, fmt, *args):  # quiet: one line per request is noise for tests
            if os.environ.get("DATABEND_HTTP_LOG"):
                super().log_message(fmt, *args)

        def do_GET(self):
            if self.path in ("/v1/health", "/health"):
                return self._json(200, {"status": "ok", "version": SERVER_VERSION})
            if self.path.startswith("/v1/query/"):
                # Every answer is complete (next_uri is null), so a page or final request finds nothing.
                return self._json(404, {"error": {"code": 404, "message": "query not found"}})
            return self._json(404, {"error": {"code": 404, "message": f"no route {self.path}"}})

        def do_POST(self):
            body = self._body()
            path = self.path.split("?", 1)[0]
            if path == "/v1/query":
                return self._query(body)
            if path == "/v1/session/login":
                # As an old databend-query: the driver then works without a login round trip.
                return self._json(404, {"error": {"code": 404, "message": "not found"}})
            if path == "/v1/session/logout":
                sessions.drop(self._cookie_session())
                return self._json(200, {})
            if path == "/v1/session/heartbeat":
                return self._json(200, {"queries_to_remove": []})
            if path.startswith("/v1/query/") and path.endswith(("/kill", "/final")):
                return self._json(200, {})
            return self._json(404, {"error": {"code": 404, "message": f"no route {path}"}})

        def _query(self, raw: bytes):
            query_id = self.headers.get("X-DATABEND-QUERY-ID") or uuid.uuid4().hex
            cached = recent.get(query_id)
            if cached is not None:
                return self._send(200, cached)
            try:
                request = json.loads(raw or b"{}")
                sql = request["sql"]
            except (ValueError, KeyError, TypeError):
                return self._json(400, {"error": {"code": 1005, "message": "bad request body: needs JSON with 'sql'"}})
            client_session = request.get("session") or {}
            session, is_new = sessions.get(self._cookie_session())
            if is_new and client_session.get("txn_state") == ACTIVE:
                # The transaction lived in a session this server no longer has (it restarted).
                error = QueryError(5111, "[HTTP-QUERY] Transaction aborted because server restart or route error")
                return self._reply(query_id, session, query_response(query_id, session, sessions.node_id, error=error))
            with session.lock:
                started = time.monotonic()
                table, error, written = None, None, 0
                try:
                    session.restore(client_session.get("database"), client_session.get("settings"))
                    result = session.execute(sql)
                    table, written = result.table, affected_rows(result)
                    response = query_response(query_id, session, sessions.node_id, table=table, written=written,
                                              elapsed_ms=(time.monotonic() - started) * 1000)
                except Exception as exc:
                    error = query_error(exc)
                    response = query_response(query_id, session, sessions.node_id, error=error,
                                              elapsed_ms=(time.monotonic() - started) * 1000)
            return self._reply(query_id, session, response)

        def _reply(self, query_id: str, session: Session, response: dict):
            body = json.dumps(response).encode()
            recent.put(query_id, body)
            self._send(200, body, cookie=f"session_id={session.id}; Path=/; HttpOnly")

        def _cookie_session(self) -> str | None:
            cookie = SimpleCookie(self.headers.get("Cookie") or "")
            return cookie["session_id"].value if "session_id" in cookie else None

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _json(self, status: int, payload: dict):
            self._send(status, json.dumps(payload).encode())

        def _send(self, status: int, body: bytes, cookie: str | None = None):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if cookie:
                self.send_header("Set-Cookie", cookie)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--data-dir", help="persistent data directory (default: a temporary one, removed at exit)")
    args = parser.parse_args()

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="databend-")
    os.makedirs(data_dir, exist_ok=True)
    sessions = Sessions(data_dir)
    # Start the engine before listening, so a health check that answers means queries will run.
    sessions.get(None)[0].execute("SELECT 1")
    server = ThreadingHTTPServer((args.host, args.port), make_handler(sessions, RecentResponses()))
    server.daemon_threads = True

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"databend http listening on {args.host}:{args.port} data={data_dir}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        if not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
        sys.stdout.flush()
        # The engine's runtime threads do not stop on their own; leave without waiting for them.
        os._exit(0)


if __name__ == "__main__":
    main()
