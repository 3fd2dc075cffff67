"""gunicorn's settings for Liaison: `gunicorn -c gunicorn.conf.py config.wsgi`.

Chosen from measurements on a 2-core machine shared with other jobs (`make bench`, wrk
-t2 -c16 -d10s on loopback, SQLite, DEBUG off, 2026-12-02). Command-line flags and
GUNICORN_CMD_ARGS override any of them; WEB_CONCURRENCY sets the number of workers.
"""

import os

# Where to listen: a loopback port behind the proxy by default.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Five sync workers (2 × cores + 1). Rendering a page is CPU-bound Python: threads share
# one interpreter lock, so a threaded worker renders no faster, and a few workers per core
# cover the time one spends waiting on the database. Measured (req/s, article with 200
# comments / home / a static file; "other" = what other jobs used, in % of one core):
#   sync, 5 workers:              9.7 / 175 / 2,377   (other 69 / 6 / —)     0 errors
#   sync, 3 workers:              8.5 /  79 / 2,315   (other 89 / 100 / —)   0 errors
#   gthread, 2 workers×4 threads: 13.6 / 162 / 1,556  (other 4 / 21 / —)     35 aborted
#   gthread, 5 workers×2 threads: 10.1 /  70 / 2,374  (other 72 / 116 / 23)  17 aborted
#   gthread, 3 workers×2 threads:  6.5 /  46 /   841  (other 97 / 134 / 137) 34 aborted
# The throughputs differ less than the other jobs' load moved them. What decided is the
# errors: every threaded setup dropped connections (wrk "read" errors on the static file,
# where thousands of requests make workers reach max_requests and leave with keep-alive
# connections open on them), as the issue saw; sync workers dropped none. At 200
# connections against the article, both sync×5 and gthread 5×2 answered every request
# (2.4 and 3.7 req/s, p99 29.8 and 29.3 s, with other jobs using 1.4-1.6 cores).
workers = int(os.environ.get("WEB_CONCURRENCY", "5"))
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
