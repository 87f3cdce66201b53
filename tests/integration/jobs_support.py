"""Helpers for the job-queue and rate-limiter integration tests
(test_jobs.py, test_ratelimit.py).

Each test module gets its own database on the test PostgreSQL (created,
migrated with `xhsync migrate`, dropped afterwards), so the stack's own
worker never sees these jobs. Tests start their own xhsync-worker processes
with config variants written to a temporary directory, and their own
simulators on free ports.
"""
import configparser
import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
import uuid

import psycopg2

ROOT = os.environ.get("XHSYNC_TEST_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("XHSYNC_TEST_BUILD", os.path.join(ROOT, "build", "asan"))
CONFIG = os.environ.get("XHSYNC_TEST_CONFIG", os.path.join(ROOT, ".run", "test", "xhsync.conf"))
PY = "/usr/bin/python3"

# Short timings so rescue and restarts are observable within seconds.
FAST_WORKER = {"threads": "4", "poll_ms": "200", "heartbeat_s": "1", "rescue_after_s": "3",
               "claim_batch": "10"}

RECORD_TABLE = """CREATE TABLE IF NOT EXISTS test_job_run (
    job_id bigint NOT NULL, pid int NOT NULL, attempt int NOT NULL,
    started_us bigint NOT NULL, ended_us bigint NOT NULL)"""


def wait_for(pred, timeout=30.0, interval=0.05):
    """Polls pred() until it returns a true value or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(dsn, retries=100):
    """An autocommit connection, retrying while PostgreSQL (re)starts."""
    for i in range(retries):
        try:
            conn = psycopg2.connect(dsn, connect_timeout=3)
            conn.autocommit = True
            return conn
        except psycopg2.OperationalError:
            if i == retries - 1:
                raise
            time.sleep(0.2)
    return None


def query(dsn, sql, args=None):
    """Runs one statement on a fresh connection; rows (or None)."""
    conn = connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def scalar(dsn, sql, args=None):
    """The first column of the first row, or None when there is no row."""
    rows = query(dsn, sql, args)
    return rows[0][0] if rows else None


def dsn_with_db(dsn, dbname):
    """The DSN with its dbname replaced (conninfo key=value form)."""
    parts = [p for p in dsn.split() if not p.startswith("dbname=")]
    return " ".join(parts + ["dbname=" + dbname])


class JobsInstance:
    """A private database on the test PostgreSQL, migrated, plus config files."""

    def __init__(self, tmp_path, base_config=CONFIG):
        self.base = configparser.ConfigParser(interpolation=None)
        with open(base_config) as f:
            self.base.read_file(f)
        self.admin_dsn = self.base["database"]["dsn"]
        self.dbname = "xhsync_jobs_" + uuid.uuid4().hex[:12]
        self.dsn = dsn_with_db(self.admin_dsn, self.dbname)
        self.tmp = str(tmp_path)
        self.workers = []
        self.sims = []
        query(self.admin_dsn, "CREATE DATABASE " + self.dbname)
        self.config = self.write_config("base.conf", {})
        out = self.cli("migrate", "--dir", os.path.join(ROOT, "sql"))
        assert out.returncode == 0, out.stderr
        query(self.dsn, RECORD_TABLE)

    def write_config(self, name, sections):
        """A copy of the test config on this database with sections[sec][key] overrides."""
        cp = configparser.ConfigParser(interpolation=None)
        cp.read_dict(self.base)
        cp["database"]["dsn"] = self.dsn
        for sec, kv in sections.items():
            if not cp.has_section(sec):
                cp.add_section(sec)
            for k, v in kv.items():
                cp[sec][k] = str(v)
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            cp.write(f)
        os.chmod(path, 0o600)
        return path

    def cli(self, *args, config=None, input=None):
        cmd = [os.path.join(BUILD, "xhsync"), "-c", config or self.config] + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, input=input, timeout=60)

    def worker(self, config=None, env=None, name=None):
        """Starts an xhsync-worker with the test kinds; returns its Worker."""
        w = Worker(config or self.config, os.path.join(self.tmp, (name or "worker%d" % len(
            self.workers)) + ".log"), env)
        self.workers.append(w)
        return w

    def sim(self, script, *args):
        s = Sim(script, os.path.join(self.tmp, os.path.basename(script) + ".log"), *args)
        self.sims.append(s)
        return s

    def q(self, sql, args=None):
        return query(self.dsn, sql, args)

    def one(self, sql, args=None):
        return scalar(self.dsn, sql, args)

    def states(self):
        """Job counts by state, test kinds only (the worker's own schedules add others)."""
        return dict(self.q("SELECT state, count(*) FROM job WHERE kind LIKE 'test.%%'"
                           " GROUP BY state"))

    def close(self):
        for w in self.workers:
            w.kill()
        for s in self.sims:
            s.stop()
        query(self.admin_dsn, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE datname = %s AND pid <> pg_backend_pid()", (self.dbname,))
        query(self.admin_dsn, "DROP DATABASE IF EXISTS " + self.dbname)


class Worker:
    """One xhsync-worker process, its log in the test's tmp directory."""

    def __init__(self, config, log, env=None):
        e = dict(os.environ)
        e["XHSYNC_WORKER_TEST_KINDS"] = "1"
        e.update(env or {})
        self.log = log
        self.logf = open(log, "ab")
        self.proc = subprocess.Popen([os.path.join(BUILD, "xhsync-worker"), "-c", config],
                                     stdout=self.logf, stderr=subprocess.STDOUT, env=e)
        self.pid = self.proc.pid

    def stop(self, timeout=30):
        """SIGTERM; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        finally:
            self.logf.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.logf.close()

    def alive(self):
        return self.proc.poll() is None

    def output(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Sim:
    """A simulator process (tests/sim/*_sim.py) on a free loopback port."""

    def __init__(self, script, log, *args):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.logf = open(log, "ab")
        self.proc = subprocess.Popen([PY, os.path.join(ROOT, "tests", "sim", script), "--host",
                                      "127.0.0.1", "--port", str(self.port)] + list(args),
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        ok = wait_for(lambda: self._health(), timeout=20, interval=0.1)
        assert ok, "simulator %s did not start" % script

    def _health(self):
        try:
            return self.get("/_sim/health").get("ok")
        except OSError:
            return False

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return json.loads(raw) if raw else None

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, body=None):
        return self.call("POST", path, body if body is not None else {})

    def requests(self, path_prefix=None):
        """The request log, optionally only paths starting with path_prefix."""
        log = self.get("/_sim/requests")
        return [e for e in log if path_prefix is None or e["path"].startswith(path_prefix)]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.logf.close()


def add_xero_link(inst, xero, name="org", status="active", expires_in=1800, refresh=True,
                  tenant=None, settings=None):
    """A link with a Xero credential issued by the simulator `xero` (a new tenant
    unless one is given); returns (link id, tenant id, the token response)."""
    if tenant is None:
        tenant = xero.post("/_sim/tenants", {"name": name})["tenantId"]
    tokens = xero.post("/_sim/tokens", {"tenantId": tenant})
    link_id = inst.one("INSERT INTO link (name, status, xero_tenant_id, settings)"
                       " VALUES (%s, %s, %s, %s) RETURNING id",
                       (name, status, tenant, json.dumps(settings or {})))
    payload = {"access_token": tokens["access_token"], "tenant_id": tenant}
    if refresh:
        payload.update(refresh_token=tokens["refresh_token"],
                       expires_at=int(time.time()) + expires_in)
    out = inst.cli("credential", "set", str(link_id), "xero", input=json.dumps(payload))
    assert out.returncode == 0, out.stderr
    return link_id, tenant, tokens


def enqueue_many(dsn, kind, n, args="{}", link=None):
    """Bulk enqueue (one INSERT ... generate_series) and a NOTIFY, like the C API."""
    query(dsn, "INSERT INTO job (kind, link_id, args) SELECT %s, %s, %s::jsonb"
               " FROM generate_series(1, %s); SELECT pg_notify('xhsync_job', '')",
          (kind, link, args, n))


def overlaps(runs):
    """Pairs of runs of one job whose [start, end] intervals overlap."""
    by_job = {}
    for job_id, pid, start, end in runs:
        by_job.setdefault(job_id, []).append((start, end, pid))
    bad = []
    for job_id, rs in by_job.items():
        rs.sort()
        for a, b in zip(rs, rs[1:]):
            if b[0] < a[1]:
                bad.append((job_id, a, b))
    return bad
