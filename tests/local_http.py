"""What the fake HTTP services of the tests (fake FCM, fake Zalo) share: a threaded server on 127.0.0.1,
its address, and starting and stopping it."""

import json
import sys
import threading
from http.server import ThreadingHTTPServer


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    # firebase-admin's send_each_for_multicast opens up to 500 connections at once.
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        # A client killed mid-request (a SIGKILLed worker) resets its connections: expected here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ServedLocally:
    """A fake served on 127.0.0.1: call `_serve(handler_class, name)` when it is made."""

    def _serve(self, handler, name: str) -> None:
        self._server = LocalServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name=name, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def reply_json(handler, status: int, payload: dict, headers: dict | None = None) -> None:
    """Answer a fake's request with `payload` as JSON; a client that gave up (a timeout test) is no error."""
    data = json.dumps(payload).encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=UTF-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
        pass
