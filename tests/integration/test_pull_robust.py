"""The pull's robustness (issue 10): a one-shot --full gives exactly one
extra full pass, a page over the HTTP client's cap after page 1 is read at
a smaller size and the pass goes on, and a record too big to read even
alone shows on the link and in the audit (src/xero/pull.c), at the cost of
one call per later try.
"""
from jobs_support import wait_for
from test_pull import Pull, SIZES, clones

MIB = 1 << 20


def full_starts(p):
    """Invoice calls without If-Modified-Since: each begins a full pass."""
    return [c for c in p.calls("invoice")
            if not any(k.lower() == "if-modified-since" for k in c["headers"])]


def passes(p):
    return [d["full"] for (d,) in p.inst.q(
        "SELECT detail FROM audit_event WHERE action = 'xero.pull' AND outcome = 'ok'"
        " AND object = 'invoice' ORDER BY id")]


def sync(p, *args):
    out = p.inst.cli("sync", str(p.link), "invoice", *args)
    assert out.returncode == 0, out.stderr


def test_full_asked_twice_during_a_pull_gives_one_full_pass_more(tmp_path):
    with Pull(tmp_path) as p:
        w = p.slow_invoice_pass(300, 200)  # the backfill, itself a full pass
        sync(p, "--full")
        sync(p, "--full")
        assert wait_for(lambda: len(passes(p)) == 1, timeout=60), p.jobs()
        assert wait_for(lambda: p.jobs()[0][1] == "running", timeout=10), p.jobs()
        sync(p)  # an ordinary request while the extra full pass runs
        assert wait_for(lambda: p.jobs()[0][1] == "completed", timeout=60), p.jobs()
        w.stop()
        assert passes(p) == [True, True, False], "one full pass more, then an incremental one"
        assert len(full_starts(p)) == 2
        assert len(p.jobs()) == 1
        assert p.inst.one("SELECT args FROM job WHERE kind = 'xero.pull'") == {
            "object": "invoice"}
        p.assert_mirrored("invoice")


def one_second_invoices(p, n, big=None):
    """n invoices that share one UpdatedDateUTC (a bulk import), so the pass walks
    pages; big maps positions in Xero's order to a Reference of that many bytes."""
    contact = p.org["Contacts"][0]
    template = [{"Type": "ACCREC", "InvoiceID": "x", "Status": "AUTHORISED",
                 "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
                 "LineItems": [], "CurrencyCode": "NZD", "Total": 1}]
    out = clones(template, "InvoiceID", n, 1700000000000)
    for i, o in enumerate(out):
        o["UpdatedDateUTC"] = "/Date(1700000000000+0000)/"
        if big and i in big:
            o["Reference"] = "r" * big[i]
    p.xero.post("/_sim/seed", {"tenantId": p.tenant, "Invoices": out})
    return out


def page_queries(p):
    out = []
    for c in p.calls("invoice"):
        q = dict(kv.split("=", 1) for kv in c["query"].split("&"))
        out.append((int(q["page"]), int(q["pageSize"])))
    return out


NO_INVOICES = dict(SIZES, invoices=0, payments=0, credit_notes=0)


def test_a_page_over_the_cap_after_page_1_is_read_smaller_and_the_pass_goes_on(tmp_path):
    with Pull(tmp_path, sync={"page_size": 40}, sizes=NO_INVOICES) as p:
        # records 81..97 (page 3 at 40) are 2 MiB each: 34 MiB, over the 32 MiB cap
        seeded = one_second_invoices(p, 130, {i: 2 * MIB for i in range(80, 97)})
        p.run(["invoice"], timeout=120)
        assert set(p.mirror("invoice")) == {o["InvoiceID"] for o in seeded}
        q = page_queries(p)
        assert (3, 40) in q and (5, 20) in q and (9, 10) in q, q
        assert q.index((3, 40)) + 1 == q.index((5, 20)), "the same records at half the size"
        assert q[q.index((9, 10)) + 1:] == [(4, 30), (4, 40)], "the size grows back"
        assert p.cursor("invoice")[0] is False
        assert p.inst.one("SELECT status_reason FROM link WHERE id = %s", (p.link,)) is None


def test_a_record_too_big_alone_shows_on_the_link_and_costs_one_call_a_try(tmp_path):
    with Pull(tmp_path, sync={"page_size": 40}, sizes=NO_INVOICES) as p:
        seeded = one_second_invoices(p, 130, {80: 33 * MIB})
        p.pull("invoice")
        w = p.inst.worker(p.config)
        assert wait_for(p.pulls_done(1), timeout=120), p.jobs()
        job = p.jobs()[0]
        assert job[1] == "discarded" and "record 81" in job[4], job
        reason = p.inst.one("SELECT status_reason FROM link WHERE id = %s", (p.link,))
        assert reason.startswith("xero.pull invoice: record 81 "), reason
        assert p.inst.one("SELECT status FROM link WHERE id = %s", (p.link,)) == "active"
        detail = p.inst.one("SELECT detail FROM audit_event WHERE action = 'xero.pull'"
                            " AND outcome = 'error' AND object = 'invoice'")
        assert detail == {"error": "too_big", "page": 81, "page_size": 1, "offset": 80,
                          "limit_bytes": 32 * MIB}, detail
        assert len(p.mirror("invoice")) == 80, "the records before it are mirrored"
        assert page_queries(p)[-6:] == [(3, 40), (5, 20), (9, 10), (17, 5), (41, 2), (81, 1)]
        n = len(p.calls("invoice"))
        p.pull("invoice")  # the next try starts at the record: one call
        assert wait_for(p.pulls_done(2), timeout=60), p.jobs()
        assert len(p.calls("invoice")) == n + 1
        # the record is cut down in Xero: it moves to the end, and the pull goes on
        big = seeded[80]
        p.xero.post("/_sim/objects/%s/Invoices" % p.tenant,
                    {"InvoiceID": big["InvoiceID"], "Reference": "small now"})
        p.pull("invoice")
        assert wait_for(p.pulls_done(3), timeout=60), p.jobs()
        w.stop()
        assert p.jobs()[-1][1] == "completed", p.jobs()
        assert set(p.mirror("invoice")) == {o["InvoiceID"] for o in seeded}
        assert p.inst.one("SELECT status_reason FROM link WHERE id = %s", (p.link,)) is None
        assert p.cursor("invoice")[0] is False
