"""The local stack's Databend HTTP server, with a restart that keeps the data.

A real databend-query node can crash and restart without losing anything committed: the catalog
lives in databend-meta and the data in object storage. What it loses is every session, open
transaction, cached query answer and connection. The embedded engine cannot do that across
processes (its meta is removed when the process exits), so this restarts the query front end
inside the process instead: on `restart <down_ms>` (a line on stdin) it closes the listening
socket and every open connection, forgets every session and cached answer, stays away for
down_ms, and serves again on the same port with a new node id. The engine, and so the catalog,
survives, as databend-meta and the object store would.

Run from stack/: python <this file> --port N --data-dir DIR. Prints `ready <n>` each time it
serves (n = restarts so far).
"""

import argparse
import os
import socket
import sys
import threading
import time
from http.server import ThreadingHTTPServer

sys.path.insert(0, os.getcwd())

from dbserver.server import RecentResponses, Sessions, make_handler  # noqa: E402


class TrackingServer(ThreadingHTTPServer):
    """Remembers its open connections, so a restart can cut them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
            self.connections.clear()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                conn.close()
            except OSError:
                pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.data_dir, exist_ok=True)

    restarts = 0
    sessions = Sessions(args.data_dir)
    # Start the engine before listening, so a health check that answers means queries will run.
    sessions.get(None)[0].execute("SELECT 1")

    def serve(sessions: Sessions) -> TrackingServer:
        server = TrackingServer(("127.0.0.1", args.port), make_handler(sessions, RecentResponses()))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        print(f"ready {restarts}", flush=True)
        return server

    server = serve(sessions)
    for line in sys.stdin:
        words = line.split()
        if words[:1] != ["restart"]:
            continue
        down_ms = int(words[1]) if len(words) > 1 else 0
        server.shutdown()
        server.server_close()
        server.cut_connections()
        time.sleep(down_ms / 1000)
        restarts += 1
        # New sessions and no cached answers: what a restarted node knows of its clients.
        sessions = Sessions(args.data_dir)
        server = serve(sessions)
    server.shutdown()
    # The engine's runtime threads do not stop on their own; leave without waiting for them.
    os._exit(0)


if __name__ == "__main__":
    main()
