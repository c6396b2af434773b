"""A tiny threaded HTTP server for the simulators: one dispatch function, JSON or text out."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

# dispatch(method, path, body) -> (status, content type, bytes)
Dispatch = Callable[[str, str, bytes], tuple[int, str, bytes]]


def start(dispatch: Dispatch, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, content_type, data = dispatch(method, self.path,
                                                  self.rfile.read(length) if length else b"")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass   # the caller gave up waiting (a simulated timeout)

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def stop(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()


class Served:
    """Mixin for a simulator with an ``_http(method, path, body)`` dispatch method."""

    _server: ThreadingHTTPServer | None = None
    base_url: str = ""

    def _http(self, method: str, path: str, raw: bytes) -> tuple[int, str, bytes]:
        raise NotImplementedError

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = start(self._http, host, port)
        self.base_url = url_of(self._server)
        return self.base_url

    def stop(self) -> None:
        stop(self._server)
