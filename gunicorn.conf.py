"""Production settings for `gunicorn -c gunicorn.conf.py wsgi:app` (docs/deploy.md); every value from the
environment, with defaults sized for one API instance per machine."""

import multiprocessing
import os

env = os.environ.get

bind = env("GUNICORN_BIND", f"0.0.0.0:{env('PORT', '8000')}")
# Requests are mostly short PostgreSQL round trips: a few processes for the cores, a few threads each to
# overlap the waits.
workers = int(env("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2)))
threads = int(env("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
# Each thread may hold one database connection; a smaller pool would queue requests behind DB_POOL_TIMEOUT.
os.environ.setdefault("DB_POOL_SIZE", str(threads))

# A worker silent for this long is killed and replaced; requests themselves are bounded sooner by the
# database timeouts (DB_CONNECT_TIMEOUT, DB_POOL_TIMEOUT, DB_STATEMENT_TIMEOUT) and FCM_TIMEOUT.
timeout = int(env("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(env("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# Longer than the reverse proxy's idle timeout towards us, so the proxy closes first.
keepalive = int(env("GUNICORN_KEEPALIVE", "75"))
# Recycle workers now and then so slow leaks cannot grow for ever; jitter keeps them from restarting together.
# A restart costs the worker most of a second of CPU to import the app: at 10,000 the 7 a.m. peak
# (a thousand feed requests a second per worker) recycled every worker every few seconds.
max_requests = int(env("GUNICORN_MAX_REQUESTS", "200000"))
max_requests_jitter = max_requests // 10

# Off: create_app opens the engine, its pool and the Firebase app per process; building them in the master
# and forking would share sockets between workers. Each worker imports wsgi itself (and `kill -HUP`
# reloads code without a restart).
preload_app = False

# Off by default: the app writes its own line per request (api/logs.py) without the query string, where
# citizens' look-ups are (a scam check's phone number); gunicorn's would write them. "-" is stdout.
accesslog = env("GUNICORN_ACCESS_LOG", "") or None
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = env("GUNICORN_LOG_LEVEL", "info")

# Prometheus multiprocess mode (api/metrics.py, docs/deploy.md): with PROMETHEUS_MULTIPROC_DIR set, each
# worker writes its counts to files there and GET /metrics adds up every process's. The folder must start
# empty (counts of an earlier run would be added in), and a worker that exits is marked dead.
multiproc_dir = env("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    if multiproc_dir:
        os.makedirs(multiproc_dir, exist_ok=True)
        for name in os.listdir(multiproc_dir):
            if name.endswith(".db"):
                os.unlink(os.path.join(multiproc_dir, name))


def child_exit(server, worker):
    if multiproc_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
