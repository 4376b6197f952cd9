"""The anonymous home feed through the shipped nginx micro-cache (deploy/nginx/citizen-api.conf, run by
tests/nginx_proxy.py in front of one API instance) against nginx serving the same bytes as a static file,
the hardware limit; and how many of those requests reached the app (its gunicorn access log)."""

import math
import re
import time
from pathlib import Path

import httpx

from bench import load
from tests import nginx_proxy
from tests.reliability.harness import gunicorn

# Both nginx servers compress as the shipped configuration does (its own gzip lines) and log each request
# to a file in the same format, so the only difference left is the proxy and its cache.
GZIP = " ".join(re.findall(r"^\s*(gzip\w* [^;]+;)", nginx_proxy.SHIPPED.read_text(), re.M))
LOG = "'$request_uri $status $upstream_cache_status $upstream_addr'"
# Both asked for the body as it is (the comparison the target is set on), then compressed, as phones ask:
# nginx then compresses it on every answer, cached or static alike.
ENCODINGS = ("identity", "gzip")


def run(url: str, work: Path, path: str, rounds: int) -> dict:
    """Rounds of (cache, static file) per encoding, alternated; the runs, the app's hits while wrk ran
    against the cache, the most the cache windows allow, and the body's size."""
    folder = work / "proxy-cache"
    (folder / "static").mkdir(parents=True)
    runs = {f"{kind} {encoding}": [] for encoding in ENCODINGS for kind in ("cache", "static")}
    hits = allowed = 0
    with gunicorn(url, folder, GUNICORN_ACCESS_LOG="-") as api:
        proxy = nginx_proxy.start([api.base.removeprefix("http://")], folder)
        static = None
        try:
            first = httpx.get(proxy.base + path)
            assert first.status_code == 200, first.text
            window = int(re.search(r"s-maxage=(\d+)", first.headers["Cache-Control"]).group(1))
            (folder / "static" / "feed.json").write_bytes(first.content)
            static, static_base = load.nginx(
                folder / "static",
                folder,
                f"log_format cache {LOG}; access_log {folder}/static-access.log cache; {GZIP}",
            )
            for encoding in ENCODINGS:
                headers = {"Accept-Encoding": encoding}
                # httpx decompresses: the same bytes either way, compressed when asked.
                for base, url_path in ((proxy.base, path), (static_base, "/feed.json")):
                    answer = httpx.get(base + url_path, headers=headers)
                    assert answer.content == first.content
                    assert answer.headers.get("Content-Encoding", "identity") == encoding
            for _ in range(rounds):
                for encoding in ENCODINGS:
                    headers = [f"Accept-Encoding: {encoding}"]
                    before, started = _app_hits(api, path), time.monotonic()
                    runs[f"cache {encoding}"].append(load.wrk(proxy.base + path, headers=headers))
                    seconds = time.monotonic() - started
                    hits += _app_hits(api, path) - before
                    # The entry expires every `window` seconds and one request refreshes it: at most one
                    # hit per window the run touched (nothing stops nginx refreshing sooner, but it should).
                    allowed += math.floor(seconds / window) + 1
                    runs[f"static {encoding}"].append(load.wrk(static_base + "/feed.json", headers=headers))
        finally:
            proxy.stop()
            if static is not None:
                static.stop()
    return {"runs": runs, "hits": hits, "allowed": allowed, "window": window, "bytes": len(first.content)}


def _app_hits(api, path: str) -> int:
    return api.log.read_text().count(f'"GET {path} ')


def report(report, result: dict, path: str) -> None:
    runs = result["runs"]
    report.section(
        f"12. Home feed through the shipped nginx cache (`GET {path}`, {result['bytes']:,} bytes, anonymous)"
    )
    report.line(
        "`deploy/nginx/citizen-api.conf` as shipped (2 nginx workers, plain-HTTP listener, one API instance "
        "behind it with the default `FEED_CACHE_SECONDS`) against nginx serving the same body as a static "
        "file (2 workers, the same gzip lines and access log). Alternated, "
        f"{len(runs['cache identity'])} rounds; the verdict on the median run. `identity`: wrk asks for the "
        "body as it is (`Accept-Encoding: identity`); `gzip`: as phones ask, and both compress it on every "
        "answer (the shipped gzip level 1)."
    )
    report.table(
        [
            ("nginx cache vs static file, identity", runs["cache identity"], runs["static identity"], 0.5),
            ("nginx cache vs static file, gzip", runs["cache gzip"], runs["static gzip"], 0.5),
        ]
    )
    served = sum(run.requests for name, done in runs.items() if name.startswith("cache") for run in done)
    met = result["hits"] <= result["allowed"]
    report.line(
        f"\nRequests that reached the app while wrk ran against the cache (its gunicorn access log): "
        f"{result['hits']} (warm-ups included) while it answered {served:,} in the measured runs; at most "
        f"one "
        f"per cache window (`s-maxage={result['window']}`) and key (one here) allows {result['allowed']} for "
        f"the runs' length — **{'met' if met else 'MISSED'}**."
    )
    report.figures["feed_cache"] = load.median(runs["cache gzip"]).rps
