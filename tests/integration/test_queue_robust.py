"""Worker and queue robustness (issue 10): a claimed job never waits for
another job, completions and heartbeats are written on a path of their
own and only for jobs the worker holds, one-shot args of a rerun apply to
that run only, and a collapse brings a far retry forward.

Every test uses a private database (jobs_support.JobsInstance) and its own
worker processes with the test job kinds (XHSYNC_WORKER_TEST_KINDS=1).
"""
import json
import time

import pytest

from jobs_support import FAST_WORKER, JobsInstance, connect, wait_for


@pytest.fixture
def inst(tmp_path):
    i = JobsInstance(tmp_path)
    yield i
    i.close()


def config(inst, name="robust.conf", **worker):
    return inst.write_config(name, {"worker": dict(FAST_WORKER, **worker),
                                    "log": {"level": "warn"}})


def links(inst, n):
    inst.q("INSERT INTO link (name) SELECT 'l' || g FROM generate_series(1, %s) g", (n,))
    return [r[0] for r in inst.q("SELECT id FROM link ORDER BY id")]


def state(inst, job):
    return inst.one("SELECT state FROM job WHERE id = %s", (job,))


def enqueue(inst, kind, args=None, link=None, unique=None):
    argv = ["jobs", "enqueue", kind]
    if args is not None:
        argv += ["--args", json.dumps(args)]
    if link is not None:
        argv += ["--link", str(link)]
    if unique is not None:
        argv += ["--unique", unique]
    out = inst.cli(*argv)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[-1])


def test_short_jobs_do_not_wait_behind_a_long_one_claimed_with_them(inst):
    ids = links(inst, 10)
    # one claim of 10 takes every link's job at once (the long one first)
    inst.q("INSERT INTO job (kind, link_id, args) VALUES ('test.record', %s, '{\"ms\": 15000}')",
           (ids[0],))
    inst.q("INSERT INTO job (kind, link_id, args) SELECT 'test.record', l, '{\"ms\": 50}'"
           " FROM unnest(%s::bigint[]) l", (ids[1:],))
    long_job = inst.one("SELECT id FROM job WHERE link_id = %s", (ids[0],))
    w = inst.worker(config(inst, threads=4, claim_batch=10))
    assert wait_for(lambda: inst.one("SELECT count(*) FROM job WHERE state = 'completed'"
                                     " AND kind = 'test.record'") == 9, timeout=10), \
        inst.states()
    assert state(inst, long_job) == "running", "the long job still runs"
    late = inst.q("SELECT j.id, r.ended_us / 1e6 - extract(epoch FROM j.run_at) FROM job j"
                  " JOIN test_job_run r ON r.job_id = j.id WHERE j.id <> %s", (long_job,))
    assert len(late) == 9
    assert all(s < 1.0 for _, s in late), late
    w.kill()


def test_long_kinds_leave_a_thread_for_short_jobs(inst):
    ids = links(inst, 4)
    inst.q("INSERT INTO job (kind, link_id, args) SELECT 'test.long', l, '{\"ms\": 8000}'"
           " FROM unnest(%s::bigint[]) l", (ids,))
    w = inst.worker(config(inst, threads=4, claim_batch=10))
    assert wait_for(lambda: inst.one("SELECT count(*) FROM job WHERE state = 'running'") == 3)
    short = enqueue(inst, "test.record", {"ms": 0}, link=ids[0])
    assert wait_for(lambda: state(inst, short) == "completed", timeout=3), inst.states()
    assert inst.one("SELECT count(*) FROM job WHERE kind = 'test.long'"
                    " AND state = 'running'") == 3, "at most threads - 1 long jobs at once"
    w.kill()


def test_a_finished_job_is_marked_when_it_ends_not_after_the_next(inst):
    enqueue(inst, "test.record", {"ms": 0})  # a group of completions was just written
    first = enqueue(inst, "test.record", {"ms": 0})
    second = enqueue(inst, "test.record", {"ms": 5000})
    w = inst.worker(config(inst, threads=1, claim_batch=10))
    assert wait_for(lambda: state(inst, second) == "running", timeout=10)
    assert wait_for(lambda: state(inst, first) == "completed", timeout=1.5), \
        "the first job's completion waited for the second job"
    lag = inst.one("SELECT extract(epoch FROM j.finished_at) - r.ended_us / 1e6 FROM job j"
                   " JOIN test_job_run r ON r.job_id = j.id WHERE j.id = %s", (first,))
    assert lag < 1.0, lag
    w.kill()


def test_heartbeat_keeps_only_jobs_this_worker_holds(inst):
    w = inst.worker(config(inst, heartbeat_s=1, rescue_after_s=600))
    job = enqueue(inst, "test.record", {"ms": 6000})
    assert wait_for(lambda: state(inst, job) == "running")
    # as if rescued and claimed by another worker that then died
    inst.q("UPDATE job SET worker = 'ghost:1:0:1', heartbeat_at = now() - interval '1 hour'"
           " WHERE id = %s", (job,))
    time.sleep(2.5)
    age = inst.one("SELECT extract(epoch FROM now() - heartbeat_at) FROM job WHERE id = %s",
                   (job,))
    assert age > 3000, "the old holder kept another worker's job alive"
    w.kill()


def test_heartbeats_go_on_while_maintenance_is_blocked(inst):
    env = {"XHSYNC_WORKER_TEST_SCHEDULE_MS": "200"}
    w = inst.worker(config(inst, heartbeat_s=1, rescue_after_s=600), env=env)
    job = enqueue(inst, "test.record", {"ms": 8000})
    assert wait_for(lambda: state(inst, job) == "running")
    blocker = connect(inst.dsn)
    blocker.autocommit = False
    ages = []
    try:
        with blocker.cursor() as cur:
            cur.execute("LOCK TABLE job_schedule IN ACCESS EXCLUSIVE MODE")
            for _ in range(8):  # 4 s in which every schedule step waits on the lock
                time.sleep(0.5)
                ages.append(inst.one("SELECT extract(epoch FROM now() - heartbeat_at)"
                                     " FROM job WHERE id = %s", (job,)))
            waiting = inst.one("SELECT count(*) FROM pg_stat_activity WHERE datname ="
                               " current_database() AND wait_event_type = 'Lock'")
    finally:
        blocker.rollback()
        blocker.close()
    assert waiting >= 1, "the maintenance step was not blocked"
    assert max(ages) < 2.5, ages
    w.kill()


def test_rerun_args_apply_to_the_rerun_only(inst):
    w = inst.worker(config(inst))
    job = enqueue(inst, "test.record", {"ms": 1500, "once": True}, unique="k")
    assert wait_for(lambda: state(inst, job) == "running")
    assert enqueue(inst, "test.record", {"ms": 300, "tag": "a"}, unique="k") == job
    assert enqueue(inst, "test.record", {"ms": 300}, unique="k") == job
    assert inst.one("SELECT args FROM job WHERE id = %s", (job,)) == {"ms": 1500, "once": True}
    assert wait_for(lambda: inst.one("SELECT count(*) FROM test_job_run WHERE job_id = %s",
                                     (job,)) == 2, timeout=20)
    assert wait_for(lambda: state(inst, job) == "completed")
    args, rerun_args = inst.q("SELECT args, rerun_args FROM job WHERE id = %s", (job,))[0]
    assert args == {"ms": 300, "tag": "a"}, "the rerun ran with its own requests' args"
    assert rerun_args is None
    first, second = inst.q("SELECT ended_us - started_us FROM test_job_run WHERE job_id = %s"
                           " ORDER BY started_us", (job,))
    assert first[0] >= 1500000 and second[0] < 1400000
    w.kill()


def test_collapse_into_a_pending_job_merges_its_args(inst):
    job = enqueue(inst, "test.noop", {"a": 1}, unique="p")
    assert enqueue(inst, "test.noop", {"b": 2}, unique="p") == job
    assert inst.one("SELECT args FROM job WHERE id = %s", (job,)) == {"a": 1, "b": 2}
    assert inst.one("SELECT rerun OR rerun_args IS NOT NULL FROM job WHERE id = %s",
                    (job,)) is False


def test_collapse_into_a_far_retry_runs_when_the_new_work_is_due(inst):
    job = inst.one("INSERT INTO job (kind, state, attempts, run_at, unique_key, args)"
                   " VALUES ('test.record', 'retryable', 1, now() + interval '1 hour', 'r',"
                   " '{}') RETURNING id")
    delayed = enqueue(inst, "test.noop", {}, unique="d")
    inst.q("UPDATE job SET run_at = now() + interval '1 hour' WHERE id = %s", (delayed,))
    out = inst.cli("jobs", "enqueue", "test.noop", "--unique", "d", "--delay-ms", "7200000")
    assert out.returncode == 0, out.stderr
    w = inst.worker(config(inst))
    assert enqueue(inst, "test.record", {"ms": 0}, unique="r") == job
    assert wait_for(lambda: state(inst, job) == "completed", timeout=5), inst.states()
    assert inst.one("SELECT count(*) FROM test_job_run WHERE job_id = %s", (job,)) == 1
    # a later request never pushes pending work back
    assert inst.one("SELECT run_at < now() + interval '61 minutes' FROM job WHERE id = %s",
                    (delayed,)) is True
    w.kill()
