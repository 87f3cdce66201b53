"""The job queue and xhsync-worker against a real PostgreSQL: exactly-once
execution across worker processes, rescue after SIGKILL, reconnection after
a PostgreSQL restart, fairness across links, unique keys, retries, snoozes,
the transactional enqueue, LISTEN/NOTIFY wake-up, graceful SIGTERM,
recurring schedules and the `xhsync jobs` commands.

Every test uses a private database (jobs_support.JobsInstance) and its own
worker processes with the test job kinds (XHSYNC_WORKER_TEST_KINDS=1).
"""
import os
import signal
import time

import pytest

from jobs_support import FAST_WORKER, JobsInstance, enqueue_many, overlaps, wait_for


@pytest.fixture
def inst(tmp_path):
    i = JobsInstance(tmp_path)
    yield i
    i.close()


def fast_config(inst, name="fast.conf", level="warn", **worker):
    return inst.write_config(name, {"worker": dict(FAST_WORKER, **worker),
                                    "log": {"level": level}})


def completed(inst):
    return inst.one("SELECT count(*) FROM job WHERE state = 'completed' AND kind LIKE 'test.%%'")


def all_done(inst, total):
    return lambda: completed(inst) >= total


def runs(inst):
    return inst.q("SELECT job_id, pid, started_us, ended_us FROM test_job_run"
                  " WHERE started_us >= 0")


def test_10000_jobs_run_exactly_once_across_3_workers(inst):
    cfg = fast_config(inst)
    enqueue_many(inst.dsn, "test.record", 10000)
    workers = [inst.worker(cfg) for _ in range(3)]
    assert wait_for(all_done(inst, 10000), timeout=120), inst.states()
    for w in workers:
        assert w.stop() == 0, w.output()
    assert inst.states() == {"completed": 10000}
    n, distinct, pids = inst.q("SELECT count(*), count(DISTINCT job_id), count(DISTINCT pid)"
                               " FROM test_job_run")[0]
    assert n == 10000 and distinct == 10000
    assert pids == 3, "every worker process took part"
    assert inst.one("SELECT max(attempts) FROM job") == 1
    assert overlaps(runs(inst)) == []


def test_sigkill_mid_job_is_rescued_and_completed(inst):
    cfg = fast_config(inst, threads=2, claim_batch=2)
    enqueue_many(inst.dsn, "test.record", 40, args='{"ms": 400}')
    victim, *others = [inst.worker(cfg) for _ in range(3)]
    prefix = "%%:%d:%%" % victim.pid
    sql = ("SELECT id FROM job WHERE state = 'running' AND worker LIKE %s"
           " AND kind = 'test.record'")
    assert wait_for(lambda: inst.q(sql, (prefix,)), timeout=20), "the victim never claimed"
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait(10)
    held = [r[0] for r in inst.q(sql, (prefix,))]
    assert held, "the victim died holding jobs"
    assert wait_for(all_done(inst, 40), timeout=60), inst.states()
    for w in others:
        assert w.stop() == 0
    assert inst.states() == {"completed": 40}
    rescued = inst.q("SELECT id, attempts, last_error FROM job WHERE id = ANY(%s)", (held,))
    for job_id, attempts, last_error in rescued:
        assert attempts == 2 and last_error.startswith("rescued: no heartbeat"), (job_id,
                                                                                   last_error)
    done = dict(inst.q("SELECT job_id, count(*) FROM test_job_run GROUP BY job_id"))
    assert len(done) == 40, "no job lost"
    assert all(done[j] >= 1 for j in held)
    assert overlaps(runs(inst)) == [], "a rescued job never ran twice at the same time"


def test_postgresql_restart_workers_reconnect_and_finish(inst, pg_stop, pg_start):
    cfg = fast_config(inst)
    enqueue_many(inst.dsn, "test.record", 3000, args='{"ms": 15}')
    workers = [inst.worker(cfg) for _ in range(3)]
    assert wait_for(lambda: completed(inst) > 300, timeout=60)
    before = completed(inst)
    pg_stop()
    time.sleep(2)
    pg_start()
    assert before < 2500, "the restart must hit a busy queue"
    assert wait_for(all_done(inst, 3000), timeout=120), inst.states()
    for w in workers:
        assert w.alive(), "a worker died with PostgreSQL"
        assert w.stop() == 0
    assert inst.states() == {"completed": 3000}
    assert inst.one("SELECT count(DISTINCT job_id) FROM test_job_run") == 3000
    assert overlaps(runs(inst)) == []
    assert all("db.reconnect" in w.output() for w in workers)


def test_backlog_of_one_link_does_not_delay_another(inst):
    inst.q("INSERT INTO link (name) VALUES ('big'), ('small')")
    big, small = [r[0] for r in inst.q("SELECT id FROM link ORDER BY id")]
    enqueue_many(inst.dsn, "test.noop", 10000, link=big)
    # one thread: claims are strictly one after another
    w = inst.worker(fast_config(inst, "one.conf", threads=1, claim_batch=10))
    assert wait_for(lambda: completed(inst) > 200,
                    timeout=60)
    out = inst.cli("jobs", "enqueue", "test.noop", "--link", str(small))
    assert out.returncode == 0, out.stderr
    enqueued_at = inst.one("SELECT now()")
    assert wait_for(lambda: inst.one("SELECT state FROM job WHERE link_id = %s", (small,))
                    == "completed", timeout=30)
    claimed_at = inst.one("SELECT attempted_at FROM job WHERE link_id = %s", (small,))
    cut_in = inst.one("SELECT count(*) FROM job WHERE link_id = %s AND attempted_at > %s"
                      " AND attempted_at < %s", (big, enqueued_at, claimed_at))
    left = inst.one("SELECT count(*) FROM job WHERE link_id = %s AND state <> 'completed'",
                    (big,))
    assert cut_in == 0, "a claim after the small link's job was enqueued passed it over"
    assert left > 5000, "the small job waited for the backlog"
    w.stop()


def test_several_workers_serve_a_small_link_at_once(inst):
    inst.q("INSERT INTO link (name) VALUES ('big'), ('small')")
    big, small = [r[0] for r in inst.q("SELECT id FROM link ORDER BY id")]
    enqueue_many(inst.dsn, "test.record", 10000, args='{"ms": 1}', link=big)
    cfg = fast_config(inst)
    workers = [inst.worker(cfg) for _ in range(3)]
    assert wait_for(lambda: completed(inst) > 100,
                    timeout=60)
    t0 = time.monotonic()
    inst.cli("jobs", "enqueue", "test.noop", "--link", str(small))
    assert wait_for(lambda: inst.one("SELECT state FROM job WHERE link_id = %s", (small,))
                    == "completed", timeout=30)
    waited = time.monotonic() - t0
    left = inst.one("SELECT count(*) FROM job WHERE link_id = %s AND state <> 'completed'",
                    (big,))
    assert left > 1000 and waited < 5, (left, waited)
    for w in workers:
        w.stop()


def test_unique_key_collapses_pending_duplicates(inst):
    first = inst.cli("jobs", "enqueue", "test.noop", "--unique", "pull:1:contact")
    second = inst.cli("jobs", "enqueue", "test.noop", "--unique", "pull:1:contact")
    other = inst.cli("jobs", "enqueue", "test.noop", "--unique", "pull:1:invoice")
    assert first.stdout.startswith("enqueued job ")
    assert second.stdout.startswith("collapsed into pending job ")
    assert first.stdout.split()[-1] == second.stdout.split()[-1]
    assert other.stdout.startswith("enqueued job ")
    assert inst.one("SELECT count(*) FROM job") == 2
    w = inst.worker(fast_config(inst))
    assert wait_for(all_done(inst, 2))
    # a finished job no longer holds its key
    again = inst.cli("jobs", "enqueue", "test.noop", "--unique", "pull:1:contact")
    assert again.stdout.startswith("enqueued job ")
    assert wait_for(all_done(inst, 3))
    w.stop()


def test_enqueue_while_running_runs_the_job_once_more(inst):
    w = inst.worker(fast_config(inst))
    out = inst.cli("jobs", "enqueue", "test.record", "--args", '{"ms": 1000}', "--unique", "k")
    job = int(out.stdout.split()[-1])
    assert wait_for(lambda: inst.one("SELECT state FROM job WHERE id = %s", (job,)) == "running")
    dup = inst.cli("jobs", "enqueue", "test.record", "--args", '{"ms": 1000}', "--unique", "k")
    assert dup.stdout.split()[-1] == str(job)
    assert wait_for(lambda: inst.one("SELECT count(*) FROM test_job_run WHERE job_id = %s",
                                     (job,)) == 2, timeout=20)
    assert wait_for(lambda: inst.one("SELECT state FROM job WHERE id = %s", (job,))
                    == "completed")
    assert inst.one("SELECT count(*) FROM job WHERE kind LIKE 'test.%%'") == 1
    assert overlaps(runs(inst)) == []
    w.stop()


def test_transient_failures_retry_with_backoff_then_succeed(inst):
    w = inst.worker(fast_config(inst))
    out = inst.cli("jobs", "enqueue", "test.fail", "--args", '{"fail": 2, "error": "transient"}')
    job = int(out.stdout.split()[-1])
    assert wait_for(lambda: inst.one("SELECT state FROM job WHERE id = %s", (job,))
                    == "completed", timeout=20)
    attempts, last_error = inst.q("SELECT attempts, last_error FROM job WHERE id = %s",
                                  (job,))[0]
    assert attempts == 3
    assert last_error == "test failure 2 of 2 (transient)"
    w.stop()


def test_max_attempts_then_discarded_with_last_error(inst):
    w = inst.worker(fast_config(inst))
    out = inst.cli("jobs", "enqueue", "test.fail", "--max-attempts", "3",
                   "--args", '{"fail": 100, "error": "transient"}')
    job = int(out.stdout.split()[-1])
    assert wait_for(lambda: inst.one("SELECT state FROM job WHERE id = %s", (job,))
                    == "discarded", timeout=20)
    attempts, last_error, finished = inst.q(
        "SELECT attempts, last_error, finished_at IS NOT NULL FROM job WHERE id = %s", (job,))[0]
    assert (attempts, finished) == (3, True)
    assert last_error == "test failure 3 of 100 (transient)"
    w.stop()


def test_permanent_error_is_not_retried(inst):
    w = inst.worker(fast_config(inst))
    out = inst.cli("jobs", "enqueue", "test.fail", "--args", '{"fail": 5, "error": "permanent"}')
    job = int(out.stdout.split()[-1])
    assert wait_for(lambda: inst.one("SELECT state FROM job WHERE id = %s", (job,))
                    == "discarded", timeout=20)
    assert inst.one("SELECT attempts FROM job WHERE id = %s", (job,)) == 1
    w.stop()


def test_snooze_uses_no_attempt(inst):
    w = inst.worker(fast_config(inst))
    out = inst.cli("jobs", "enqueue", "test.fail", "--max-attempts", "1",
                   "--args", '{"fail": 3, "error": "busy", "snooze_ms": 100}')
    job = int(out.stdout.split()[-1])
    assert wait_for(lambda: inst.one("SELECT state FROM job WHERE id = %s", (job,))
                    == "completed", timeout=20)
    # three snoozes and one real attempt, though max_attempts is 1
    assert inst.q("SELECT attempts, snoozes FROM job WHERE id = %s", (job,))[0] == (1, 3)
    w.stop()


def test_enqueue_joins_the_callers_transaction(inst):
    w = inst.worker(fast_config(inst))
    commit = int(inst.cli("jobs", "enqueue", "test.enqueue").stdout.split()[-1])
    rollback = int(inst.cli("jobs", "enqueue", "test.enqueue", "--args",
                            '{"rollback": 1}').stdout.split()[-1])
    assert wait_for(lambda: completed(inst) == 3)
    marks = dict(inst.q("SELECT job_id, count(*) FROM test_job_run WHERE started_us = -1"
                        " GROUP BY job_id"))
    assert marks == {commit: 1}, "the rolled-back row is gone, the committed one stays"
    assert inst.one("SELECT count(*) FROM job WHERE kind = 'test.record'") == 1
    assert rollback not in marks
    w.stop()


def test_notify_wakes_an_idle_worker_before_the_poll(inst):
    w = inst.worker(fast_config(inst, "slowpoll.conf", poll_ms=30000))
    time.sleep(1.5)  # idle, waiting on a 30 s poll
    t0 = time.monotonic()
    inst.cli("jobs", "enqueue", "test.noop")
    assert wait_for(all_done(inst, 1), timeout=10)
    assert time.monotonic() - t0 < 3
    w.stop()


def test_sigterm_finishes_the_job_in_hand_and_releases_the_rest(inst):
    enqueue_many(inst.dsn, "test.record", 10, args='{"ms": 1500}')
    w = inst.worker(fast_config(inst, "one.conf", level="info", threads=1, claim_batch=5))
    assert wait_for(lambda: inst.one("SELECT count(*) FROM job WHERE state = 'running'"
                                     " AND kind = 'test.record'") >= 1)
    time.sleep(0.3)
    t0 = time.monotonic()
    assert w.stop() == 0
    assert time.monotonic() - t0 < 5
    assert "worker.stop" in w.output()
    assert inst.states() == {"completed": 1, "available": 9}
    assert inst.one("SELECT max(attempts) FROM job WHERE state = 'available'") == 0
    assert inst.one("SELECT count(*) FROM test_job_run") == 1


def test_schedules_fire_once_per_period_across_workers(inst):
    cfg = fast_config(inst)
    env = {"XHSYNC_WORKER_TEST_SCHEDULE_MS": "500"}
    workers = [inst.worker(cfg, env=env) for _ in range(3)]
    time.sleep(4)
    for w in workers:
        assert w.stop() == 0
    created = [r[0] for r in inst.q("SELECT extract(epoch FROM created_at) FROM job"
                                    " WHERE unique_key = 'schedule:test.noop' ORDER BY 1")]
    assert 4 <= len(created) <= 9, created
    gaps = [b - a for a, b in zip(created, created[1:])]
    assert min(gaps) >= 0.45, gaps
    assert inst.one("SELECT count(*) FROM job WHERE kind = 'audit.retention'") == 1


def test_audit_retention_deletes_old_events_only(inst):
    inst.q("INSERT INTO audit_event (at, action, outcome) SELECT now() - interval '100 days',"
           " 'test.old', 'ok' FROM generate_series(1, 20)")
    inst.q("INSERT INTO audit_event (at, action, outcome) VALUES (now(), 'test.new', 'ok')")
    w = inst.worker(fast_config(inst))
    assert wait_for(lambda: inst.one("SELECT state FROM job WHERE kind = 'audit.retention'")
                    == "completed", timeout=20)
    assert inst.q("SELECT action FROM audit_event") == [("test.new",)]
    w.stop()


def test_webhook_prune_deletes_old_log_lines_and_handled_events_only(inst):
    inst.q("INSERT INTO webhook_delivery (vendor, received_at, status, verified, outcome)"
           " SELECT 'xero', now() - interval '40 days', 200, true, 'stored'"
           " FROM generate_series(1, 5)")
    inst.q("INSERT INTO webhook_delivery (vendor, status, verified, outcome)"
           " VALUES ('hubspot', 200, true, 'stored')")
    old = "now() - interval '40 days'"
    inst.q("INSERT INTO webhook_event (vendor, dedupe_key, body, received_at, processed_at)"
           " VALUES ('hubspot', 'old-handled', 'x', %s, now()),"
           " ('hubspot', 'old-unhandled', 'x', %s, NULL), ('xero', 'old-xero', 'x', %s, NULL),"
           " ('hubspot', 'new-handled', 'x', now(), now())" % (old, old, old))
    w = inst.worker(fast_config(inst))
    assert wait_for(lambda: inst.one("SELECT state FROM job WHERE kind = 'webhook.prune'")
                    == "completed", timeout=20)
    w.stop()
    assert inst.q("SELECT vendor FROM webhook_delivery") == [("hubspot",)]
    assert sorted(r[0] for r in inst.q("SELECT dedupe_key FROM webhook_event")) == [
        "new-handled", "old-unhandled"]


def test_cli_list_show_cancel_retry(inst):
    inst.q("INSERT INTO link (name) VALUES ('l')")
    a = inst.cli("jobs", "enqueue", "test.noop", "--link", "1", "--delay-ms", "600000")
    b = inst.cli("jobs", "enqueue", "test.record", "--delay-ms", "600000")
    ja, jb = int(a.stdout.split()[-1]), int(b.stdout.split()[-1])
    lst = inst.cli("jobs", "list", "--link", "1")
    assert lst.returncode == 0
    assert str(ja) in lst.stdout and str(jb) not in lst.stdout.split()
    lst = inst.cli("jobs", "list", "--kind", "test.record", "--state", "available")
    assert [ln.split()[0] for ln in lst.stdout.splitlines()[1:]] == [str(jb)]
    assert inst.cli("jobs", "list", "--state", "nope").returncode == 2
    show = inst.cli("jobs", "show", str(ja))
    assert "kind          test.noop" in show.stdout and "state         available" in show.stdout
    assert inst.cli("jobs", "cancel", str(ja)).returncode == 0
    again = inst.cli("jobs", "cancel", str(ja))
    assert again.returncode == 1 and "not in a state" in again.stderr
    assert inst.cli("jobs", "show", "999999").returncode == 1
    assert inst.cli("jobs", "retry", str(ja)).returncode == 0
    w = inst.worker(fast_config(inst))
    assert wait_for(lambda: inst.one("SELECT state FROM job WHERE id = %s", (ja,))
                    == "completed", timeout=20)
    assert inst.one("SELECT state FROM job WHERE id = %s", (jb,)) == "available"
    assert inst.cli("jobs", "retry", str(ja)).returncode == 1, "a completed job is not retried"
    w.stop()
    assert os.path.exists(w.log)
