"""gunicorn.conf.py, loaded the way `gunicorn -c gunicorn.conf.py config.wsgi` loads it,
holds what the README's Deploying section promises."""

import sys

import pytest
from django.conf import settings
from gunicorn.app.wsgiapp import WSGIApplication

CONFIG_FILE = settings.BASE_DIR / "gunicorn.conf.py"


@pytest.fixture
def gunicorn_config(monkeypatch):
    """gunicorn's own Config, read from the command line the README gives."""
    for name in ("GUNICORN_BIND", "GUNICORN_ACCESSLOG", "GUNICORN_CMD_ARGS", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)

    def load(**environ):
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(sys, "argv", ["gunicorn", "-c", str(CONFIG_FILE), "config.wsgi"])
        return WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg

    return load


def test_it_serves_the_project_with_one_sync_worker_more_than_the_cores(
    gunicorn_config, monkeypatch
):
    monkeypatch.setattr("os.cpu_count", lambda: 2)

    config = gunicorn_config()

    assert config.worker_class_str == "sync"
    assert config.workers == 3


def test_web_concurrency_sets_the_workers(gunicorn_config):
    assert gunicorn_config(WEB_CONCURRENCY="8").workers == 8


def test_it_listens_on_loopback_port_8000_unless_gunicorn_bind_says_otherwise(gunicorn_config):
    assert gunicorn_config().bind == ["127.0.0.1:8000"]
    assert gunicorn_config(GUNICORN_BIND="0.0.0.0:9000").bind == ["0.0.0.0:9000"]


def test_workers_queue_overload_and_are_recycled(gunicorn_config):
    config = gunicorn_config()

    assert config.keepalive == 5
    assert config.backlog == 2048
    assert config.timeout == 30
    assert (config.max_requests, config.max_requests_jitter) == (20000, 2000)


def test_workers_are_forked_from_a_master_that_loaded_the_application(gunicorn_config):
    assert gunicorn_config().preload_app is True


def test_no_database_connection_is_inherited_by_a_forked_worker(gunicorn_config, monkeypatch):
    closed = []
    monkeypatch.setattr("django.db.connections.close_all", lambda: closed.append(True))

    gunicorn_config().pre_fork(server=None, worker=None)

    assert closed == [True]


def test_the_access_log_ends_with_the_request_time(gunicorn_config):
    config = gunicorn_config(GUNICORN_ACCESSLOG="/tmp/access.log")

    assert config.accesslog == "/tmp/access.log"
    assert config.access_log_format.endswith("%(L)s")
