"""A real HTTP receiver on 127.0.0.1 for webhook tests: it records every request and answers as told."""

import contextlib
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Answer:
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes = b"ok"
    endless: bool = False  # stream the body until the client hangs up


class Receiver:
    """`answers` are used in turn; the last one repeats. With `tls` (certificate file, key file) it
    speaks HTTPS and records the server names clients ask for (SNI) in `server_names`."""

    def __init__(self, *answers: Answer, tls: tuple[str, str] | None = None):
        self.answers = list(answers) or [Answer()]
        self.received: list[Received] = []
        self.server_names: list[str | None] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(Received(self.path, dict(self.headers), body))
                answer = receiver.answers[min(len(receiver.received), len(receiver.answers)) - 1]
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if answer.endless:
                    self.end_headers()
                    try:
                        while True:
                            self.wfile.write(b"x" * 65536)
                    except OSError:
                        return
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            context.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def documented_receiver(secret: str):
    """The receiver of docs/webhooks.md, run as written in a process of its own on a free port; yields
    (its URL, a function returning the lines it printed so far)."""
    code = next(
        fence.content
        for fence in MarkdownIt("commonmark").parse((ROOT / "docs" / "webhooks.md").read_text())
        if fence.type == "fence" and fence.info == "python" and "X-Signature" in fence.content
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "WEBHOOK_SECRET": secret, "PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    try:
        while True:  # until it listens
            assert process.poll() is None, "the documented receiver stopped"
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
        reader.start()
        yield f"http://127.0.0.1:{port}/citizen-events", lambda: [line.rstrip("\n") for line in lines]
    finally:
        process.terminate()
        process.wait()
        reader.join(timeout=10)


def printed(lines, expected: str) -> bool:
    """Whether the receiver printed `expected` (it prints after answering, so give it a moment)."""
    for _ in range(200):
        if expected in lines():
            return True
        time.sleep(0.05)
    return False
