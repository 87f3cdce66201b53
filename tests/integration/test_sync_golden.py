"""The golden end-to-end tests of the push (issue 11): a generated Xero
organisation (tests/sim/xero_data.py) is backfilled through the real
`xhsync sync` and xhsync-worker processes into the HubSpot simulator, and
the simulator's store is compared property by property, association by
association, with what golden_checker.py computes from the Xero
simulator's objects alone (it shares no code with the engine's mapping).

Sizes (fractions of the generator's full organisation of 2,000 contacts,
10,000 invoices, 6,000 payments, 300 credit notes and 100 items), chosen
so this file stays within about four minutes on the 2-core test machine
with the ASan build `./dev test` uses, while other work shares it (one
worker backfills the full size in about 2 minutes on a quiet machine;
0.75 took 3 minutes under load, the whole file 5):
- golden: GOLDEN = 0.5 (1,000 contacts, 5,000 invoices, 3,000 payments, 150
  credit notes, 50 items; about 45 s of backfill with one worker on a quiet
  machine), three contacts given no, a malformed and a shared email; then a
  second full sync makes no HubSpot write;
- faults: FAULTS = 0.1, with 5% 5xx, hanging calls (timeouts) and a 429 storm on
  both simulators during the backfill;
- crash: CRASH = 0.15, two workers, one SIGKILLed three times during the
  backfill and replaced each time (the queue's lease expiry, FAST_WORKER's
  rescue_after_s, hands its jobs to the others);
- incremental: INCREMENTAL = 0.05, then 20 invoices changed, 10 paid, a payment
  deleted, a credit note added and allocated: HubSpot matches the checker
  again, and exactly the records whose expected state changed are written.
XHSYNC_GOLDEN_FACTOR=f overrides GOLDEN (1 for the full size).
"""
import json
import os
import random
import re
import time

from golden_checker import Golden, compare, dec, lid
from sync_support import SYNC_KINDS, Sync

GOLDEN = float(os.environ.get("XHSYNC_GOLDEN_FACTOR", "0.5"))
FAULTS = 0.1
CRASH = 0.15
INCREMENTAL = 0.05
SCALE = 0.05  # both simulators' and the engine's rate-limit clocks


def sizes(f):
    return dict(contacts=int(2000 * f), invoices=int(10000 * f), payments=int(6000 * f),
                credit_notes=int(300 * f), items=max(10, int(100 * f)))


def golden_sync(tmp_path, f, seed=11):
    return Sync(tmp_path, sizes=sizes(f), seed=seed, scale=SCALE,
                xero_args=("--time-scale", str(SCALE)))


def no_failed_records(s):
    rows = s.inst.q("SELECT object, xero_id::text, last_error FROM hubspot_ref"
                    " WHERE link_id = %s AND (last_error IS NOT NULL OR failed_hash IS NOT NULL)",
                    (s.link,))
    assert rows == [], rows[:10]


def check_golden(s):
    gold = Golden.of(s)
    ids = compare(gold, s.store)
    no_failed_records(s)
    return gold, ids


def test_golden_backfill_equals_the_checker_and_a_second_run_writes_nothing(tmp_path):
    s = golden_sync(tmp_path, GOLDEN)
    try:
        # People HubSpot cannot hold: no address, a malformed one, one another contact has.
        cs = sorted(s.org["Contacts"], key=lambda c: c["ContactID"])
        edit(s, "Contacts", [{"ContactID": cs[1]["ContactID"], "EmailAddress": ""},
                             {"ContactID": cs[2]["ContactID"], "EmailAddress": "no address"},
                             {"ContactID": cs[4]["ContactID"],
                              "EmailAddress": cs[3]["EmailAddress"].upper()}])
        gold = Golden.of(s)
        # The organisation has what the golden test is about.
        org = s.org
        assert len({c.get("DefaultCurrency", "NZD") for c in org["Contacts"]}) >= 2
        assert [c for c in org["Contacts"] if c["ContactStatus"] == "ARCHIVED"]
        assert {"VOIDED", "DELETED", "DRAFT", "PAID", "AUTHORISED"} <= {
            i["Status"] for i in org["Invoices"] if i["Type"] == "ACCREC"}
        assert [p for p in org["Payments"] if p["Status"] == "DELETED"]
        assert [c for c in org["CreditNotes"] if c["Type"] == "ACCRECCREDIT" and c["Allocations"]]
        assert len(gold.person) == len(gold.contacts) - 3
        # The checker's own arithmetic agrees with Xero's figures on the seeded books.
        for iid, inv in gold.sales.items():
            if inv["Status"] in ("AUTHORISED", "PAID"):
                assert (gold.status(iid), gold.due(iid), gold.paid[iid], gold.credited[iid]) == (
                    inv["Status"], dec(inv["AmountDue"]), dec(inv["AmountPaid"]),
                    dec(inv["AmountCredited"])), iid
        t0 = time.monotonic()
        s.sync(workers=1, timeout=600)
        print("golden backfill (factor %s): %.1f s" % (GOLDEN, time.monotonic() - t0))
        ids = check_golden(s)[1]
        assert len(ids["invoices"]) > 100 * GOLDEN and len(ids["notes"]) > 0
        before = len(s.hubspot_writes())
        s.sync(full=True, timeout=300)
        assert len(s.hubspot_writes()) == before
    finally:
        s.inst.close()


def test_under_5xx_timeouts_and_a_429_storm_the_backfill_still_equals_the_checker(tmp_path):
    s = golden_sync(tmp_path, FAULTS, seed=12)
    try:
        # A 429 storm first (every call refused: Xero's Retry-After is at least 1 s, so
        # its storm is shorter), then 5% 5xx and 1% hanging calls, which the client
        # gives up on after 30 s; the seeds put one hang early on each side.
        s.xero.post("/_sim/faults", {"burst_429": 10, "error_rate": 0.05, "hang_rate": 0.01,
                                     "seed": 332})
        s.hs.post("/_sim/faults", {"burst_429": 40, "error_rate": 0.05, "hang_rate": 0.01,
                                   "seed": 183})
        s.sync(workers=1, timeout=600)
        seen = {}
        for name, sim in (("xero", s.xero), ("hubspot", s.hs)):
            sim.call("DELETE", "/_sim/faults")
            st = [e["status"] for e in sim.requests() if not e["path"].startswith("/_sim/")]
            seen[name] = {"hang": st.count(0), "429": st.count(429),
                          "5xx": len([x for x in st if x and x >= 500])}
        print("faults seen:", seen)
        for name, n in seen.items():  # every kind of fault hit both sides
            assert n["429"] >= 10 and n["5xx"] > 0 and n["hang"] > 0, (name, n)
        check_golden(s)
        before = len(s.hubspot_writes())
        s.sync(full=True)
        assert len(s.hubspot_writes()) == before
    finally:
        s.inst.close()


def running_pids(s):
    """{worker pid: [kinds of the sync jobs it is running]}."""
    out = {}
    for worker, kind in s.inst.q("SELECT worker, kind FROM job WHERE state = 'running'"
                                 " AND kind = ANY(%s)", (list(SYNC_KINDS),)):
        out.setdefault(int(worker.split(":")[1]), []).append(kind)  # host:pid:thread:claim
    return out


def test_three_sigkills_of_a_worker_during_the_backfill_leave_the_checker_state(tmp_path):
    s = golden_sync(tmp_path, CRASH, seed=13)
    rng = random.Random(13)
    try:
        s.cli_ok("sync", str(s.link))
        workers = [s.inst.worker(s.config) for _ in range(2)]
        kills = []
        while len(kills) < 3:
            time.sleep(rng.uniform(0.5, 3.0))
            assert s.pending() > 0, "the backfill ended before three kills (%s)" % kills
            # The victim: a worker in the middle of a sync job when one is.
            busy = running_pids(s)
            pick = [n for n, w in enumerate(workers) if w.pid in busy] or range(len(workers))
            victim = rng.choice(list(pick))
            workers[victim].kill()
            kills.append((workers[victim].pid, sorted(busy.get(workers[victim].pid, []))))
            workers[victim] = s.inst.worker(s.config)
        print("killed (pid, jobs it was running):", kills)
        assert [k for k in kills if k[1]], "no kill interrupted a job: %s" % kills
        s.settle(timeout=600)
        for w in workers:
            w.stop()
        check_golden(s)
        before = len(s.hubspot_writes())
        s.sync(full=True)
        assert len(s.hubspot_writes()) == before
    finally:
        s.inst.close()


# ---- incremental ----

def edit(s, kind, changes):
    s.xero.post("/_sim/objects/%s/%s" % (s.tenant, kind), changes)


XERO_ID = re.compile(r'"(xero_contact_id|xero_invoice_id|xero_line_item_id|xero_item_id|email)"'
                     r'\s*:\s*"([^"]+)"')
HS_ID = re.compile(r'"id"\s*:\s*"?(\d+)"?')


def written(writes):
    """{object: set of Xero ids (notes: HubSpot ids)} the write calls named."""
    out = {}
    for e in writes:
        m = re.match(r"^/crm/v3/objects/([a-z_]+)/batch/(upsert|create|update|archive)$", e["path"])
        if m is None:
            continue
        otype = m.group(1)
        body = e.get("body") or ""
        if otype != "notes":
            keys = {v.lower() for k, v in XERO_ID.findall(body) if k != "email"}
        elif m.group(2) == "update":
            keys = set(HS_ID.findall(body))
        else:  # a created note has no id yet: one "new N" per input
            made = len([k for k in out.get("notes", ()) if k.startswith("new ")])
            keys = {"new %d" % (made + n) for n in range(len(json.loads(body)["inputs"]))}
        out.setdefault(otype, set()).update(keys)
    return out


def changed(before, after):
    """The keys whose expected properties differ (new ones included)."""
    return {k for k, v in after.items() if before.get(k) != v}


def test_incremental_changes_match_the_checker_and_write_only_what_they_affect(tmp_path):
    s = golden_sync(tmp_path, INCREMENTAL, seed=14)
    try:
        s.sync()
        gold0, ids0 = check_golden(s)
        inv = gold0.sales
        sent = [i for i in sorted(inv) if gold0.sent(i) and inv[i]["LineItems"]]
        rng = random.Random(14)
        # 20 invoices changed: a new reference; on five of them a line's description too.
        touched = rng.sample(sent, 20)
        edit(s, "Invoices", [{"InvoiceID": inv[i]["InvoiceID"], "Reference": "golden %d" % n}
                             for n, i in enumerate(touched)])
        for n, i in enumerate(touched[:5]):
            lines = [dict(li) for li in inv[i]["LineItems"]]
            lines[0]["Description"] = "Changed line %d" % n
            edit(s, "Invoices", {"InvoiceID": inv[i]["InvoiceID"], "LineItems": lines})
        # 10 open invoices paid in full (five also say so themselves, as Xero would).
        open_ = [i for i in sent if gold0.status(i) == "AUTHORISED" and gold0.due(i) > 0
                 and i not in touched]
        payees = rng.sample(open_, 12)
        payments = []
        for n, i in enumerate(payees[:10]):
            pid = "0a0a0a0a-0000-4000-8000-%012d" % n
            p = {"PaymentID": pid, "Invoice": {"InvoiceID": inv[i]["InvoiceID"],
                                               "InvoiceNumber": inv[i]["InvoiceNumber"]},
                 "Amount": float(gold0.due(i)), "Date": "/Date(1785024000000+0000)/",
                 "Status": "AUTHORISED", "PaymentType": "ACCRECPAYMENT",
                 "CurrencyRate": inv[i].get("CurrencyRate", 1.0), "Reference": "golden"}
            payments.append(p)
            if n < 5:
                edit(s, "Invoices", {"InvoiceID": inv[i]["InvoiceID"], "Status": "PAID",
                                     "AmountDue": 0.0, "AmountPaid": float(
                                         dec(inv[i]["AmountPaid"]) + gold0.due(i)),
                                     "FullyPaidOnDate": "/Date(1785024000000+0000)/",
                                     "Payments": inv[i]["Payments"] + [
                                         {"PaymentID": pid, "Date": p["Date"],
                                          "Amount": p["Amount"]}]})
        # A payment deleted: its invoice is open again.
        paid = next(p for p in gold0.live_payments if lid(p["Invoice"]["InvoiceID"]) in sent
                    and lid(p["Invoice"]["InvoiceID"]) not in touched + payees)
        payments.append({"PaymentID": paid["PaymentID"], "Status": "DELETED"})
        edit(s, "Payments", payments)
        # A credit note, added and allocated to an open invoice.
        target = payees[11]
        tinv = inv[target]
        amount = float(min(gold0.due(target), dec(25)))
        edit(s, "CreditNotes", {
            "CreditNoteID": "0c0c0c0c-0000-4000-8000-000000000001", "CreditNoteNumber": "CN-GOLD",
            "Type": "ACCRECCREDIT", "Contact": {"ContactID": tinv["Contact"]["ContactID"]},
            "Status": "AUTHORISED", "Date": "/Date(1785024000000+0000)/",
            "CurrencyCode": tinv["CurrencyCode"], "CurrencyRate": tinv.get("CurrencyRate", 1.0),
            "Total": amount + 10, "RemainingCredit": 10.0, "LineItems": [],
            "Allocations": [{"Amount": amount, "Date": "/Date(1785024000000+0000)/",
                             "Invoice": {"InvoiceID": tinv["InvoiceID"],
                                         "InvoiceNumber": tinv["InvoiceNumber"]}}]})
        before = s.hubspot_writes()
        s.sync()
        gold1, ids1 = check_golden(s)
        # Only what the changes affect was written.
        got = written(s.hubspot_writes()[len(before):])
        want = {"companies": changed(gold0.companies(), gold1.companies()),
                "invoices": changed(gold0.invoices(), gold1.invoices()),
                "line_items": changed({k: p for k, (_, p) in gold0.line_items().items()},
                                      {k: p for k, (_, p) in gold1.line_items().items()})}
        assert len(want["invoices"]) == 20 + 10 + 1 + 1 and len(want["line_items"]) == 5
        assert want["companies"]  # balances moved
        for otype, keys in want.items():
            assert got.get(otype, set()) == keys, (otype, sorted(got.get(otype, set()) ^ keys))
        assert got.get("notes") == {"new 0"}  # one note created, none updated
        assert not got.get("contacts") and not got.get("products")
        assert ids1["notes"].keys() - ids0["notes"].keys() == {
            "0c0c0c0c-0000-4000-8000-000000000001"}
    finally:
        s.inst.close()
