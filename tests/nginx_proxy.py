"""nginx running the shipped configuration (deploy/nginx/citizen-api.conf, included as it is) in front of
API instances on 127.0.0.1. Only the per-site files it includes are written here, as an operator writes
them in /etc/nginx/citizen-api/: the listening ports, the upstream servers, the cache folder and a
self-signed certificate for 127.0.0.1."""

import datetime
import ipaddress
import os
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.postgres import free_port
from tests.reliability.harness import ROOT, Process, wait_until

SHIPPED = ROOT / "deploy" / "nginx" / "citizen-api.conf"
BINARY = shutil.which("nginx") or "/usr/sbin/nginx"  # root's PATH may lack /usr/sbin


@dataclass
class Proxy:
    process: Process
    base: str  # plain HTTP, for load (the test's stand-in for a TLS-terminating port)
    https: str  # the TLS port, verified against `certificate`
    redirect: str  # the HTTP server that sends everyone to HTTPS
    certificate: Path
    access_log: Path

    def stop(self) -> None:
        self.process.stop()


def start(upstreams: list[str], work: Path) -> Proxy:
    """nginx (2 workers, like the cores) proxying to `upstreams` (host:port each)."""
    conf = work / "nginx"
    (conf / "citizen-api").mkdir(parents=True)
    (conf / "cache").mkdir()
    plain, tls, redirect = free_port(), free_port(), free_port()
    certificate, key = self_signed(conf)
    site = {
        "cache-path.conf": f"proxy_cache_path {conf}/cache levels=1:2 keys_zone=citizen_api:10m "
        "max_size=64m inactive=10m use_temp_path=off;",
        "upstream.conf": "\n".join(f"server {u} max_fails=1 fail_timeout=5s;" for u in upstreams),
        "http.conf": f"listen 127.0.0.1:{redirect};",
        "https.conf": textwrap.dedent(f"""\
            listen 127.0.0.1:{tls} ssl http2;
            listen 127.0.0.1:{plain};
            ssl_certificate {certificate};
            ssl_certificate_key {key};
        """),
    }
    for name, text in site.items():
        (conf / "citizen-api" / name).write_text(text + "\n")
    access_log = work / "nginx-access.log"
    temp = " ".join(f"{kind}_temp_path {conf}/{kind};" for kind in ("client_body", "proxy"))
    write_conf(
        conf / "nginx.conf",
        f"""
            log_format cache '$request_uri $status $upstream_cache_status $upstream_addr';
            access_log {access_log} cache;
            {temp}
            include {SHIPPED};
        """,
        error_log=work / "nginx-error.log",
        connections=4096,
        # As root, nginx's workers would run as nobody, who may not write the cache under the test's temp dir.
        user="root" if os.geteuid() == 0 else None,
    )
    process = Process([BINARY, "-c", str(conf / "nginx.conf")], dict(os.environ), work / "nginx.log")
    proxy = Proxy(
        process,
        f"http://127.0.0.1:{plain}",
        f"https://127.0.0.1:{tls}",
        f"http://127.0.0.1:{redirect}",
        certificate,
        access_log,
    )
    try:
        wait_until(lambda: _answers(proxy), timeout=10, what="nginx")
    except BaseException:
        process.stop()
        raise
    return proxy


def write_conf(path: Path, http: str, *, error_log: Path, connections: int, user: str | None = None) -> None:
    """A foreground nginx's main configuration (2 workers, like the cores; pid beside it), `http` its http
    block's contents: the shipped site for the proxy, a static root for the benchmark's ceiling."""
    path.write_text(
        textwrap.dedent(f"""\
            {f"user {user};" if user else ""}
            worker_processes 2;
            daemon off;
            pid {path.parent}/nginx.pid;
            error_log {error_log};
            events {{ worker_connections {connections}; }}
            http {{
        """)
        + textwrap.indent(textwrap.dedent(http).strip(), "    ")
        + "\n}\n"
    )


def _answers(proxy: Proxy) -> bool:
    if proxy.process.popen.poll() is not None:
        raise AssertionError(f"nginx exited; see {proxy.process.log}")
    try:
        return httpx.get(f"{proxy.base}/healthz").status_code > 0  # even 503: nginx listens
    except httpx.TransportError:
        return False


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    paths = folder / "certificate.pem", folder / "key.pem"
    paths[0].write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths
