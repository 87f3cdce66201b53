"""The Xero pull into the mirror and the reconciling poll (src/xero/pull.c),
against a private Xero simulator seeded with the generator's books
(tests/sim/xero_data.py). The mirror is compared with the simulator's own
store, and the simulator's request log shows every call the pull made.
"""
import hashlib
import json
import os
import re
import signal
import sys
import time
import uuid

import pytest

from jobs_support import FAST_WORKER, ROOT, JobsInstance, add_xero_link, wait_for

sys.path.insert(0, os.path.join(ROOT, "tests", "sim"))
import xero_data  # noqa: E402

OBJECTS = {  # mirror name -> (endpoint, id field, kept types or None)
    "contact": ("Contacts", "ContactID", None),
    "item": ("Items", "ItemID", None),
    "invoice": ("Invoices", "InvoiceID", ("Type", {"ACCREC"})),
    "credit_note": ("CreditNotes", "CreditNoteID", ("Type", {"ACCRECCREDIT"})),
    "payment": ("Payments", "PaymentID", ("PaymentType", {
        "ACCRECPAYMENT", "ARCREDITPAYMENT", "AROVERPAYMENTPAYMENT", "ARPREPAYMENTPAYMENT"})),
}
API = "/api.xro/2.0/"
PAGE = 200
SIZES = dict(contacts=450, invoices=900, payments=500, credit_notes=60, items=25)


def date_ms(wire):
    return int(re.fullmatch(r"/Date\((\d+)([+-]\d{4})?\)/", wire).group(1))


class Pull:
    """A private database and Xero simulator, a seeded tenant and its link."""

    def __init__(self, tmp_path, sim_args=(), sync=None, ratelimit=None, status="active",
                 settings=None, sizes=SIZES):
        self.inst = JobsInstance(tmp_path)
        self.xero = self.inst.sim("xero_sim.py", *sim_args)
        self.org = xero_data.generate(seed=7, **sizes)
        self.tenant = self.org["Organisation"]["OrganisationID"]
        self.xero.post("/_sim/seed", dict(self.org, tenantId=self.tenant))
        self.link, _, _ = add_xero_link(self.inst, self.xero, status=status, tenant=self.tenant,
                                        settings=settings)
        self.config = self.inst.write_config("pull.conf", {
            "worker": FAST_WORKER,
            "xero": {"api_url": self.xero.url, "identity_url": self.xero.url},
            "sync": dict({"page_size": PAGE, "pull_overlap_s": 5}, **(sync or {})),
            "ratelimit": ratelimit or {},
        })

    def pull(self, obj, full=False):
        args = {"object": obj, "full": True} if full else {"object": obj}
        out = self.inst.cli("jobs", "enqueue", "xero.pull", "--link", str(self.link), "--args",
                            json.dumps(args), "--unique", "xero.pull:%d:%s" % (self.link, obj))
        assert out.returncode == 0, out.stderr

    def pulls_done(self, n):
        return lambda: self.inst.one("SELECT count(*) FROM job WHERE kind = 'xero.pull'"
                                     " AND state IN ('completed', 'discarded')") >= n

    def run(self, objs, workers=1, timeout=60, full=False):
        """Pulls objs with fresh workers until every pull job is finished."""
        before = self.inst.one("SELECT count(*) FROM job WHERE kind = 'xero.pull'")
        for o in objs:
            self.pull(o, full)
        ws = [self.inst.worker(self.config) for _ in range(workers)]
        assert wait_for(self.pulls_done(before + len(objs)), timeout=timeout), self.jobs()
        for w in ws:
            w.stop()
        assert [j for j in self.jobs() if j[1] != "completed"] == []

    def slow_invoice_pass(self, latency_ms, read):
        """Starts a worker on an invoice pull whose pages each take latency_ms more, and
        returns it once the pass has stored at least `read` records."""
        self.xero.post("/_sim/faults", {"latency_ms": latency_ms,
                                        "path_regex": "^/api.xro/2.0/Invoices"})
        self.pull("invoice")
        w = self.inst.worker(self.config)
        assert wait_for(lambda: (self.cursor("invoice")[3] or 0) >= read, timeout=30)
        return w

    def jobs(self):
        return self.inst.q("SELECT id, state, attempts, snoozes, last_error, args FROM job"
                           " WHERE kind = 'xero.pull' ORDER BY id")

    def expected(self, obj):
        """{id: object} of what the mirror must hold, from the simulator's store."""
        endpoint, idf, keep = OBJECTS[obj]
        objs = self.xero.get("/_sim/objects/%s/%s" % (self.tenant, endpoint))
        if keep:
            objs = [o for o in objs if o.get(keep[0]) in keep[1]]
        return {o[idf].lower(): o for o in objs}

    def served(self, obj):
        """How many records the pull's query of obj returns (its server-side filter)."""
        endpoint, _, keep = OBJECTS[obj]
        objs = self.xero.get("/_sim/objects/%s/%s" % (self.tenant, endpoint))
        if obj in ("invoice", "credit_note"):
            objs = [o for o in objs if o.get(keep[0]) in keep[1]]
        return len(objs)

    def mirror(self, obj):
        rows = self.inst.q("SELECT xero_id::text, (extract(epoch FROM updated_at) * 1000)::bigint,"
                           " payload, content_hash, payload::text FROM xero_record"
                           " WHERE link_id = %s AND object = %s", (self.link, obj))
        return {r[0]: r for r in rows}

    def cursor(self, obj):
        """(pass_open, page, pulled, pass_read, pass_total, skipped, watermark ms, had a full
        pass); all None before the first pull."""
        rows = self.inst.q("SELECT pass_open, page, pulled, pass_read, pass_total, skipped,"
                           " (extract(epoch FROM modified_since) * 1000)::bigint,"
                           " full_pass_at IS NOT NULL FROM sync_cursor"
                           " WHERE link_id = %s AND object = %s", (self.link, obj))
        return rows[0] if rows else (None,) * 8

    def calls(self, obj):
        return self.xero.requests(API + OBJECTS[obj][0])

    def assert_mirrored(self, obj):
        want, have = self.expected(obj), self.mirror(obj)
        assert set(have) == set(want), obj
        for xid, (_, ms, payload, digest, text) in have.items():
            assert ms == date_ms(want[xid]["UpdatedDateUTC"]), (obj, xid)
            assert payload["UpdatedDateUTC"] == want[xid]["UpdatedDateUTC"]
            assert bytes(digest) == hashlib.sha256(text.encode()).digest()
        return want

    def close(self):
        self.inst.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@pytest.fixture
def pull(tmp_path):
    with Pull(tmp_path) as p:
        yield p


def test_backfill_mirrors_every_sales_record_in_the_fewest_calls(pull):
    pull.run(list(OBJECTS), workers=2)
    for obj in OBJECTS:
        want = pull.assert_mirrored(obj)
        assert len(want) > 0, obj
        open_, page, pulled, read, total, skipped, mark, full = pull.cursor(obj)
        assert (open_, page, pulled, full) == (False, 1, len(want), True), obj
        assert mark == max(date_ms(o["UpdatedDateUTC"]) for o in want.values())
        calls = pull.calls(obj)
        # Items are one unpaged call; the rest about ceil(n / page) for the n records
        # the endpoint serves, plus one where n is a multiple of the page size.
        assert len(calls) <= max(1, -(-pull.served(obj) // PAGE)) + 1, (obj, len(calls))
        assert all(c["status"] == 200 for c in calls)
        first = calls[0]
        assert "If-Modified-Since" not in first["headers"]
        assert "order=UpdatedDateUTC%20ASC" in first["query"]
    invoices = pull.mirror("invoice")
    assert all(r[2]["Type"] == "ACCREC" and r[2]["LineItems"] for r in invoices.values())
    assert pull.cursor("payment")[5] > 0, "the books have supplier payments to skip"
    audit = pull.inst.q("SELECT object, detail FROM audit_event WHERE action = 'xero.pull'")
    assert sorted(a[0] for a in audit) == sorted(OBJECTS)
    assert all(a[1]["full"] and a[1]["run"]["new"] == len(pull.expected(a[0])) for a in audit)


def test_second_poll_reads_only_changes_and_rewrites_only_changed_records(pull):
    pull.run(["invoice", "contact"])
    before = pull.mirror("invoice")
    fetched = dict(pull.inst.q("SELECT xero_id::text, fetched_at FROM xero_record"
                               " WHERE object = 'invoice'"))
    changed = sorted(before)[:3]
    time.sleep(1.1)  # edits land in a later second than every seeded record
    pull.xero.post("/_sim/objects/%s/Invoices" % pull.tenant,
                   [{"InvoiceID": i, "Reference": "edited-%d" % n} for n, i in enumerate(changed)])
    n_calls = len(pull.calls("invoice"))
    pull.run(["invoice", "contact"])
    calls = pull.calls("invoice")[n_calls:]
    assert len(calls) == 1 and "If-Modified-Since" in calls[0]["headers"]
    after = pull.assert_mirrored("invoice")
    rows = pull.mirror("invoice")
    for n, xid in enumerate(changed):
        assert rows[xid][2]["Reference"] == "edited-%d" % n
        assert bytes(rows[xid][3]) != bytes(before[xid][3])
    now_fetched = dict(pull.inst.q("SELECT xero_id::text, fetched_at FROM xero_record"
                                   " WHERE object = 'invoice'"))
    assert sorted(x for x in after if now_fetched[x] != fetched[x]) == changed
    (detail,) = pull.inst.q("SELECT detail FROM audit_event WHERE object = 'invoice'"
                            " ORDER BY id DESC LIMIT 1")[0]
    assert detail["full"] is False and detail["run"]["changed"] == 3 and detail["run"]["new"] == 0


def test_a_change_xero_does_not_date_needs_the_full_pass(pull):
    pull.run(["contact"])
    victim = sorted(pull.mirror("contact"))[0]
    obj = pull.expected("contact")[victim]
    obj["AccountNumber"] = "UNDATED-1"  # seeded as given: UpdatedDateUTC unchanged
    pull.xero.post("/_sim/seed", {"tenantId": pull.tenant, "Contacts": [obj]})
    pull.run(["contact"])
    assert pull.mirror("contact")[victim][2].get("AccountNumber") != "UNDATED-1"
    n_calls = len(pull.calls("contact"))
    pull.run(["contact"], full=True)
    assert pull.mirror("contact")[victim][2]["AccountNumber"] == "UNDATED-1"
    assert "If-Modified-Since" not in pull.calls("contact")[n_calls]["headers"]


def test_records_edited_during_a_pass_are_not_lost(tmp_path):
    with Pull(tmp_path, sync={"page_size": 50}) as p:
        seeded = p.expected("invoice")
        ids = sorted(seeded, key=lambda i: date_ms(seeded[i]["UpdatedDateUTC"]))
        w = p.slow_invoice_pass(150, 150)
        # Edit records on pages read already, on the page being read and on pages
        # to come: each moves to the end of Xero's order.
        edited = ids[10:13] + ids[170:180:3] + ids[400:700:50]
        p.xero.post("/_sim/objects/%s/Invoices" % p.tenant,
                    [{"InvoiceID": i, "Reference": "moved"} for i in edited])
        assert wait_for(p.pulls_done(1), timeout=60)
        w.stop()
        rows = p.mirror("invoice")
        p.assert_mirrored("invoice")
        assert all(rows[i][2]["Reference"] == "moved" for i in edited)


def test_a_killed_worker_resumes_the_pass_from_its_last_page(tmp_path):
    with Pull(tmp_path, sync={"page_size": 50}) as p:
        w = p.slow_invoice_pass(200, 200)
        w.proc.send_signal(signal.SIGKILL)
        w.proc.wait()
        stored = p.cursor("invoice")[3]
        assert p.cursor("invoice")[0] is True
        p.inst.worker(p.config)
        assert wait_for(p.pulls_done(1), timeout=60), p.jobs()
        assert p.jobs()[0][1:3] == ("completed", 2)
        p.assert_mirrored("invoice")
        n = len(p.expected("invoice"))
        # The pass went on from the stored cursor: at most the page in flight was read twice.
        assert p.cursor("invoice")[3] <= n + 2 * 50 and stored < n
        assert len(p.calls("invoice")) <= -(-n // 50) + 3
        # One pass, begun as a full one by the first worker and finished by the second.
        (detail,) = p.inst.q("SELECT detail FROM audit_event WHERE action = 'xero.pull'")[0]
        assert detail["full"] is True and detail["pass_read"] == p.cursor("invoice")[3]


def test_a_429_mid_pass_snoozes_the_pull_and_it_completes(tmp_path):
    # The simulator's minute budget is 3 calls per 3 s; our own gate is told
    # nothing of it, so the simulator's 429 and Retry-After are what stop us.
    with Pull(tmp_path, sim_args=("--time-scale", "0.05"), sync={"page_size": 100},
              ratelimit={"xero_per_minute": 100000}) as p:
        p.xero.post("/_sim/limits", {"minute": 3})
        p.run(["invoice"], timeout=60)
        statuses = [c["status"] for c in p.calls("invoice")]
        assert 429 in statuses and statuses[-1] == 200
        (job,) = p.jobs()
        assert job[1:3] == ("completed", 1) and job[3] >= 1, job
        p.assert_mirrored("invoice")


def test_the_poll_pulls_each_enabled_object_of_active_links_only(tmp_path):
    with Pull(tmp_path, settings={"objects": {"payment": False, "item": False}}) as p:
        paused, _, _ = add_xero_link(p.inst, p.xero, name="paused", status="paused",
                                     tenant=p.tenant)
        w = p.inst.worker(p.config, env={"XHSYNC_WORKER_TEST_KINDS": "1",
                                         "XHSYNC_WORKER_TEST_LINK_SCHEDULE_MS": "1000"})
        assert wait_for(p.pulls_done(6), timeout=30), p.jobs()
        w.stop()
        # A paused link has no poll schedule at all.
        assert p.inst.one("SELECT count(*) FROM job WHERE kind = 'xero.poll'"
                          " AND link_id = %s", (paused,)) == 0
        assert p.inst.one("SELECT count(*) FROM job WHERE kind = 'xero.poll'"
                          " AND link_id = %s AND state = 'completed'", (p.link,)) >= 2
        pulls = p.inst.q("SELECT link_id, args->>'object', unique_key FROM job"
                         " WHERE kind = 'xero.pull'")
        assert {(link, o) for link, o, _ in pulls} == {(p.link, o) for o in
                                                 ("contact", "invoice", "credit_note")}
        assert all(k == "xero.pull:%d:%s" % (link, o) for link, o, k in pulls)
        for obj in ("contact", "invoice", "credit_note"):
            p.assert_mirrored(obj)
        assert p.inst.one("SELECT count(*) FROM xero_record WHERE object IN ('payment', 'item')"
                          " OR link_id = %s", (paused,)) == 0


def test_a_links_own_poll_interval_keeps_the_scheduled_poll_from_pulling_too_often(tmp_path):
    # The server polls every second here; the link asks for once an hour, so
    # each object is pulled by the first scheduled poll and not again, while
    # `xhsync sync` (a poll that is not scheduled) still pulls at once.
    with Pull(tmp_path, settings={"objects": {"payment": False, "item": False},
                                  "poll_interval_s": 3600}) as p:
        w = p.inst.worker(p.config, env={"XHSYNC_WORKER_TEST_KINDS": "1",
                                         "XHSYNC_WORKER_TEST_LINK_SCHEDULE_MS": "1000"})
        assert wait_for(lambda: p.inst.one(
            "SELECT count(*) FROM job WHERE kind = 'xero.poll' AND state = 'completed'"
            " AND link_id = %s", (p.link,)) >= 4, timeout=30), p.jobs()
        assert p.inst.one("SELECT count(*) FROM job WHERE kind = 'xero.pull'") == 3
        assert p.inst.cli("sync", str(p.link)).returncode == 0
        assert wait_for(p.pulls_done(6), timeout=30), p.jobs()
        w.stop()


def test_a_pull_for_a_paused_link_reads_nothing(tmp_path):
    with Pull(tmp_path, status="paused") as p:
        p.run(["invoice"])
        assert p.calls("invoice") == []
        assert p.inst.one("SELECT count(*) FROM xero_record") == 0


def test_a_stopping_worker_leaves_the_pass_to_the_next_without_using_an_attempt(tmp_path):
    with Pull(tmp_path, sync={"page_size": 50}) as p:
        w = p.slow_invoice_pass(200, 100)
        t0 = time.time()
        w.stop()
        assert time.time() - t0 < 5, "SIGTERM waited for the whole pass"
        (job,) = p.jobs()
        assert job[1] in ("available", "retryable") and job[2:4] == (0, 1), job
        assert p.cursor("invoice")[0] is True
        p.inst.worker(p.config)
        assert wait_for(p.pulls_done(1), timeout=60), p.jobs()
        assert p.jobs()[0][1:3] == ("completed", 1)
        p.assert_mirrored("invoice")


def test_the_cli_pulls_a_link_now(pull):
    cli = pull.inst.cli
    out = cli("sync", str(pull.link), "--full")
    assert out.returncode == 0 and "enqueued xero.poll job" in out.stdout, out.stderr
    out = cli("sync", str(pull.link), "--full")
    assert out.returncode == 0 and "already pending" in out.stdout, out.stdout
    out = cli("sync", str(pull.link), "invoice", "item")
    assert out.returncode == 0 and out.stdout.count("enqueued xero.pull job") == 2, out.stdout
    assert cli("sync", str(pull.link), "bills").returncode == 2
    assert cli("sync", "abc").returncode == 2
    out = cli("sync", "999999")
    assert out.returncode == 1 and "no link 999999" in out.stderr
    pull.inst.q("UPDATE link SET status = 'paused' WHERE id = %s", (pull.link,))
    out = cli("sync", str(pull.link))
    assert out.returncode == 1 and "is paused" in out.stderr
    pull.inst.q("UPDATE link SET status = 'active' WHERE id = %s", (pull.link,))
    w = pull.inst.worker(pull.config)
    assert wait_for(pull.pulls_done(5), timeout=60), pull.jobs()
    w.stop()
    polls = pull.inst.q("SELECT args, state FROM job WHERE kind = 'xero.poll'")
    assert polls == [({"full": True}, "completed")]
    # The poll's full pulls collapsed into the pending invoice and item pulls and made
    # them full too: one job per object, every one full.
    args = sorted((a["object"], a.get("full")) for _, _, _, _, _, a in pull.jobs())
    assert args == sorted((o, True) for o in OBJECTS)
    for obj in OBJECTS:
        pull.assert_mirrored(obj)


def test_an_interrupted_full_pull_goes_on_where_it_stopped(tmp_path):
    with Pull(tmp_path, sync={"page_size": 50}) as p:
        p.run(["invoice"])
        n_calls = len(p.calls("invoice"))
        p.xero.post("/_sim/faults", {"latency_ms": 200, "path_regex": "^/api.xro/2.0/Invoices"})
        p.pull("invoice", full=True)
        w = p.inst.worker(p.config)
        assert wait_for(lambda: p.cursor("invoice")[0] and p.cursor("invoice")[3] >= 200,
                        timeout=30)
        w.stop()  # the job is snoozed with {"full": true} still in its args
        read = p.cursor("invoice")[3]
        p.inst.worker(p.config)
        assert wait_for(p.pulls_done(2), timeout=60), p.jobs()
        n = len(p.expected("invoice"))
        # The second run went on from the stored page instead of starting the full pass
        # again: the pass read each record about once, in about n / 50 calls.
        assert read < p.cursor("invoice")[3] <= n + 2 * 50
        assert len(p.calls("invoice")) - n_calls <= -(-n // 50) + 3
        (detail,) = p.inst.q("SELECT detail FROM audit_event WHERE action = 'xero.pull'"
                             " ORDER BY id DESC LIMIT 1")[0]
        assert detail["full"] is True


def clones(objs, idf, n, start_ms, **fields):
    """n copies of objs' first record with new ids, one second apart from start_ms."""
    base = objs[0]
    out = []
    for k in range(n):
        o = json.loads(json.dumps(base))
        o[idf] = str(uuid.uuid4())
        o["UpdatedDateUTC"] = "/Date(%d+0000)/" % (start_ms + k * 1000)
        o.update(fields)
        out.append(o)
    return out


def test_records_the_mirror_skips_still_move_the_cursor(tmp_path):
    with Pull(tmp_path, sync={"page_size": 50}) as p:
        supplier = [o for o in p.org["Payments"] if o["PaymentType"] == "ACCPAYPAYMENT"]
        newest = max(date_ms(o["UpdatedDateUTC"]) for o in p.org["Payments"])
        p.xero.post("/_sim/seed", {"tenantId": p.tenant, "Payments": clones(
            supplier, "PaymentID", 180, newest + 60000)})
        p.run(["payment"])
        n_calls = len(p.calls("payment"))
        p.run(["payment"])
        # Nothing changed: one call, although the newest 180 payments are supplier ones
        # the mirror never keeps.
        assert len(p.calls("payment")) - n_calls == 1
        p.assert_mirrored("payment")


def test_a_page_too_big_for_the_client_is_read_at_half_the_size(tmp_path):
    # 60 invoices of about 1 MiB each: a page of 40 is over the client's 32 MiB cap.
    with Pull(tmp_path, sync={"page_size": 40}, sizes=dict(SIZES, invoices=0, payments=0,
                                                             credit_notes=0)) as p:
        contact = p.org["Contacts"][0]
        template = [{"Type": "ACCREC", "InvoiceID": "x", "Status": "AUTHORISED",
                     "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
                     "LineItems": [], "CurrencyCode": "NZD", "Total": 1}]
        big = clones(template, "InvoiceID", 60, 1700000000000, Reference="r" * (1 << 20))
        p.xero.post("/_sim/seed", {"tenantId": p.tenant, "Invoices": big})
        p.run(["invoice"], timeout=120)
        sizes = [re.search(r"pageSize=(\d+)", c["query"]).group(1) for c in p.calls("invoice")]
        assert sizes[:2] == ["40", "20"], sizes
        assert set(p.mirror("invoice")) == {o["InvoiceID"] for o in big}


def test_pausing_a_link_stops_its_pull_after_the_page_in_hand(tmp_path):
    with Pull(tmp_path, sync={"page_size": 50}) as p:
        w = p.slow_invoice_pass(200, 100)
        p.inst.q("UPDATE link SET status = 'paused' WHERE id = %s", (p.link,))
        assert wait_for(p.pulls_done(1), timeout=10), p.jobs()
        stopped = p.cursor("invoice")
        assert stopped[0] is True and stopped[3] < len(p.expected("invoice"))
        n_calls = len(p.calls("invoice"))
        time.sleep(1)
        assert len(p.calls("invoice")) == n_calls
        p.inst.q("UPDATE link SET status = 'active' WHERE id = %s", (p.link,))
        p.pull("invoice")
        assert wait_for(p.pulls_done(2), timeout=60), p.jobs()
        w.stop()
        p.assert_mirrored("invoice")
        assert p.cursor("invoice")[0] is False
