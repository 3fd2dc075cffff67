"""A redis-server of a test's own (/usr/bin/redis-server) on a free loopback port, without
persistence: the shared Redis of other test runs is never touched."""

import subprocess
import time

import redis

REDIS_SERVER = "/usr/bin/redis-server"
STARTUP_TIMEOUT = 30


def start_redis(port):
    server = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    probe = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            probe.ping()
            return server
        except redis.ConnectionError:
            time.sleep(0.1)  # waiting for the server to listen, not an assertion
    server.kill()
    raise AssertionError("redis-server did not start")


def stop_redis(server):
    server.kill()
    server.wait(timeout=30)
