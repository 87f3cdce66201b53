"""Fixtures for the integration suite, run by tests/run against the test
stack that `./dev _start-test` started: PostgreSQL, nginx, xhsync-web,
xhsync-worker and the simulators, all from the ASan build.

Environment (set by tests/run):
  XHSYNC_TEST_ROOT    the checkout
  XHSYNC_TEST_BUILD   build directory holding xhsync, xhsync-web, xhsync-worker
  XHSYNC_TEST_CONFIG  the test instance's config file
"""
import configparser
import http.client
import json
import os
import subprocess
import time
import urllib.parse

import psycopg2
import pytest

ROOT = os.environ.get("XHSYNC_TEST_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("XHSYNC_TEST_BUILD", os.path.join(ROOT, "build", "asan"))
CONFIG = os.environ.get("XHSYNC_TEST_CONFIG", os.path.join(ROOT, ".run", "test", "xhsync.conf"))
RUN = os.path.dirname(CONFIG)


def read_config(path=CONFIG):
    cp = configparser.ConfigParser(interpolation=None)
    with open(path) as f:
        cp.read_file(f)
    return cp


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def build_dir():
    return BUILD


@pytest.fixture(scope="session")
def config_path():
    return CONFIG


@pytest.fixture(scope="session")
def run_dir():
    return RUN


@pytest.fixture(scope="session")
def config():
    return read_config()


@pytest.fixture(scope="session")
def dsn(config):
    return config["database"]["dsn"]


@pytest.fixture(scope="session")
def base_url(config):
    return config["web"]["public_url"].rstrip("/")


@pytest.fixture(scope="session")
def xero_sim(config):
    return config["xero"]["api_url"].rstrip("/")


@pytest.fixture(scope="session")
def hubspot_sim(config):
    return config["hubspot"]["api_url"].rstrip("/")


@pytest.fixture
def db(dsn):
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    yield conn
    conn.close()


def cli(*args, config=CONFIG, env=None, input=None, timeout=60):
    """Runs the xhsync CLI against the test instance."""
    e = dict(os.environ)
    e.setdefault("XHSYNC_SQL_DIR", os.path.join(ROOT, "sql"))
    if env:
        e.update(env)
    cmd = [os.path.join(BUILD, "xhsync")]
    if config:
        cmd += ["-c", config]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=e,
                          input=input, timeout=timeout)


@pytest.fixture
def run_cli():
    return cli


def dev(*args, timeout=60):
    return subprocess.run([os.path.join(ROOT, "dev")] + list(args), capture_output=True,
                          text=True, timeout=timeout, check=True)


@pytest.fixture
def pg_stop():
    """Stops the test PostgreSQL; the fixture restarts it afterwards in any case."""
    stopped = []

    def stop():
        dev("pg", "stop", "test")
        stopped.append(True)

    yield stop
    if stopped:
        dev("pg", "start", "test")


@pytest.fixture
def pg_start():
    return lambda: dev("pg", "start", "test")


class Reply:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsed = elapsed

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body)


def request(url, method="GET", body=None, headers=None, timeout=10):
    """One HTTP request with http.client; returns Reply (never raises on status)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    t0 = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Reply(r.status, r.getheaders(), data, time.monotonic() - t0)
    finally:
        conn.close()


@pytest.fixture
def fetch():
    return request


def wait_for(pred, timeout=10.0, interval=0.05):
    """Polls pred() until it returns a true value or the timeout passes."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            return v
        time.sleep(interval)
