"""gunicorn's settings for Liaison: `gunicorn -c gunicorn.conf.py config.wsgi`.

Chosen from measurements on a 2-core machine (`make bench`: wrk -t2 -c16 on loopback, DEBUG
off, SQLite and PostgreSQL). Command-line flags and GUNICORN_CMD_ARGS override any of them;
WEB_CONCURRENCY sets the number of workers.
"""

import os

# Where to listen: a loopback port behind the proxy by default.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers, one more than the cores (3 on 2 cores; WEB_CONCURRENCY overrides). Rendering a
# page is CPU-bound Python: threads share one interpreter lock, so a threaded worker renders no
# faster, and a worker beyond the cores only covers the time one spends waiting on the
# database. More than that adds no throughput; each request then shares a core with more
# others and takes longer inside the server, while waiting connections stay in the kernel's
# accept queue (backlog, below). Measured on 2 cores (`make bench`, 6 s rows, wrk -t2 -c16,
# alternating runs, 2026-12-07; req/s, and gunicorn's server-side p95 in ms):
#                        article, 200 comments   logged in          comment POST, 16 at once
#   SQLite, 5 workers:   189-203 (36-39 ms)      121-122 (60 ms)    157-167 (62-64 ms)
#   SQLite, 3 workers:   196-213 (22-26 ms)      134-141 (33-39)    155-173 (34-38)
#   PostgreSQL, 5:        97-124 (56-76 ms)       79-86 (77-95)      96-99 (88)
#   PostgreSQL, 3:       113-121 (36-44 ms)       80-86 (59)         87-89 (55-61)
# Earlier (2026-12-02, a machine busy with other jobs), threaded workers were no faster and
# dropped connections (wrk "read" errors where a worker reached max_requests and left with
# keep-alive connections open on it), as the issue saw; sync workers dropped none. At 200
# connections against the article, sync workers answered every request (p99 under 30 s).
workers = int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) + 1)
worker_class = "sync"

# Seconds a keep-alive connection from the proxy may stay idle. The sync worker answers
# one request per connection and ignores it; it applies when GUNICORN_CMD_ARGS chooses a
# threaded worker (--worker-class gthread), where a few seconds spare the proxy a TCP
# handshake per request without pinning threads to idle connections.
keepalive = 5

# Under overload, connections wait in the kernel's accept queue (up to `backlog`; Linux
# caps it at net.core.somaxconn, 4096 here) until a worker is free, rather than being
# refused or reset: with 200 connections against the article, every request was answered
# (see the README's Benchmark section). A worker silent for `timeout` seconds is killed
# and replaced: the slowest page (all 1,000 comments) takes about a second alone, so 30 s
# only catches a stuck worker; `graceful_timeout` lets a worker finish on a restart.
backlog = 2048
timeout = 30
graceful_timeout = 30

# Each worker is replaced after 20,000 requests or so (the jitter spreads the replacements,
# so that the workers never restart together): whatever a worker's caches or fragmentation
# accumulate stays bounded (goal: under 100 MB RSS a worker; 92 MB after a bench with no
# replacement at all). Not more often: a new worker pays for its first pages (templates
# compiled, the local-memory caches empty), about half a second of CPU. At 2,000, under the
# bench's load of cached pages (1,000 req/s), replacements took a third of the machine: the
# cached article fell from 1,150-1,220 req/s to 390-910, and a static file from 1,150-1,550
# to 480-900 (2026-12-07, alternating 8 s runs).
max_requests = 20000
max_requests_jitter = 2000

# The application is imported once, in the master, and each worker is forked from it: a
# replacement starts in milliseconds rather than importing Django again (1.2-1.5 s of CPU
# here), and the workers share the imported code's memory. A new release therefore needs a
# restart of gunicorn (`systemctl restart`), not a HUP, which only replaces the workers.
preload_app = True


def pre_fork(server, worker):
    # Nothing in the master opens a database connection while importing the application, and
    # none may ever be inherited: two processes talking over one socket corrupt each other.
    from django.db import connections

    connections.close_all()


# The access log, to standard output by default (journald, docker logs), or to the file
# GUNICORN_ACCESSLOG names; the last field is the time the request took, in seconds.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
