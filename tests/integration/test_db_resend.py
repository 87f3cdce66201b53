"""A statement is sent again after its connection broke only when it is
marked idempotent (src/lib/db_exec.c, XH_SQL_IDEMPOTENT): the server may
have run it already. A proxy in front of PostgreSQL (pgproxy.py) forwards
the statement, lets the server run it, and drops the reply.
"""
import re

import pytest

from jobs_support import JobsInstance
from pgproxy import DropReplyProxy


@pytest.fixture
def inst(tmp_path):
    i = JobsInstance(tmp_path)
    yield i
    i.close()


def through(inst, trigger):
    """A proxy that loses the answer to the first run of statement `trigger`,
    and a config whose database goes through it."""
    port = int(re.search(r"port=(\d+)", inst.dsn).group(1))
    proxy = DropReplyProxy(port, trigger.encode() + b"\0")
    dsn = re.sub(r"port=\d+", "port=%d" % proxy.port, inst.dsn)
    return proxy, inst.write_config("proxied.conf", {"database": {"dsn": dsn}})


def test_an_enqueue_whose_reply_is_lost_is_not_run_twice(inst):
    proxy, cfg = through(inst, "job_enqueue")
    try:
        out = inst.cli("jobs", "enqueue", "test.noop", config=cfg)
    finally:
        proxy.stop()
    assert proxy.fired.is_set(), "the proxy never saw the statement"
    assert inst.one("SELECT count(*) FROM job WHERE kind = 'test.noop'") == 1, \
        "the insert was sent again on a new connection"
    assert out.returncode != 0, "the caller is told the outcome is unknown"
    assert "job_enqueue" in out.stderr or "connection" in out.stderr.lower(), out.stderr


def test_an_idempotent_read_whose_reply_is_lost_is_sent_again(inst):
    inst.q("INSERT INTO job (kind) VALUES ('test.noop')")
    proxy, cfg = through(inst, "cli_jobs_list")
    try:
        out = inst.cli("jobs", "list", config=cfg)
    finally:
        proxy.stop()
    assert proxy.fired.is_set(), "the proxy never saw the statement"
    assert out.returncode == 0, out.stderr
    assert "test.noop" in out.stdout
