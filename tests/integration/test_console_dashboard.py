"""The dashboard, the link page and the link's lifecycle buttons, through
nginx -> xhsync-web -> PostgreSQL -> the stack's worker -> the simulators:
counts equal `xhsync link show`'s, a backfill started in the console
reaches 100 %, progress.json, pausing holds a link's jobs and resuming
loses none, the warning when no worker runs, the API budgets, and hostile
names rendered escaped."""
import json
import time

import pytest

from conftest import wait_for
from console_support import Client, new_admin
import dash_support as ds

SYNC_KINDS = ("xero.poll", "xero.pull", "xero.fetch", "sync.push", "hubspot.write",
              "hubspot.adopt")


@pytest.fixture(autouse=True)
def no_throttle(db):
    with db.cursor() as cur:
        cur.execute("DELETE FROM login_throttle")
    yield


@pytest.fixture(scope="module", autouse=True)
def made_links():
    """The links these tests make are deleted at the end, so later suites (the
    browser's empty dashboard) see the stack as they found it."""
    yield
    ds.cleanup()


@pytest.fixture(scope="module")
def admin():
    return new_admin("dash")


@pytest.fixture
def web(base_url, admin):
    c = Client(base_url)
    assert c.login(*admin).status == 303
    return c


def progress(web, link):
    r = web.get("/links/%d/progress.json" % link, headers={"Accept": "application/json"})
    assert r.status == 200, r.body
    assert r.header("Content-Type").startswith("application/json")
    return json.loads(r.body)


def act(web, link, action, back=None):
    tok = ds.csrf_of(web.get("/links/%d" % link).body)
    fields = {"csrf": tok}
    if back:
        fields["back"] = back
    return web.post("/links/%d/%s" % (link, action), fields)


def one(db, sql, args=()):
    with db.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0]


def wait_done(web, link, timeout=180):
    """Waits until the link's progress says nothing is left (twice, 1 s apart)."""
    seen = []

    def done():
        p = progress(web, link)
        seen.append(p["progress"]["percent"])
        if p["progress"]["active"] or p["progress"]["percent"] != 100:
            return False
        time.sleep(1)
        q = progress(web, link)["progress"]
        return not q["active"] and q["percent"] == 100
    assert wait_for(done, timeout=timeout, interval=0.5), progress(web, link)
    return seen


@pytest.fixture(scope="module")
def synced(base_url, admin):
    """One link backfilled from the console to the end."""
    link = ds.make_link()
    c = Client(base_url)
    assert c.login(*admin).status == 303
    r = act(c, link["id"], "backfill")
    assert r.status == 303 and r.header("Location") == "/links/%d?m=backfill_started" % link["id"]
    link["seen"] = wait_done(c, link["id"])
    return link


def test_backfill_from_the_console_activates_the_link_and_reaches_100(web, synced, db):
    assert one(db, "SELECT status FROM link WHERE id = %s", (synced["id"],)) == "active"
    p = progress(web, synced["id"])
    assert p["status"] == "active" and p["progress"]["percent"] == 100
    assert p["progress"]["phase"] == "Up to date"
    # Everything Xero holds was mirrored and is in HubSpot.
    org = synced["org"]
    by = {o["object"]: o for o in p["objects"]}
    assert by["company"]["mirrored"] == len(org["Contacts"])
    assert by["product"]["mirrored"] == len(org["Items"])
    assert p["totals"]["pending"] == 0
    assert p["totals"]["synced"] + p["totals"]["excluded"] + p["totals"]["failed"] == \
        p["totals"]["mirrored"]
    assert p["totals"]["synced"] > 0
    page = web.get("/links/%d?m=backfill_started" % synced["id"]).body
    assert b"The backfill started" in page


def test_counts_match_xhsync_link_show(web, synced):
    table = ds.link_show(synced["id"])
    p = progress(web, synced["id"])
    assert [o["object"] for o in p["objects"]] == ["company", "contact", "invoice", "product"]
    for o in p["objects"]:
        assert table[o["object"]] == {k: o[k] for k in
                                     ("mirrored", "synced", "pending", "failed", "excluded")}
    page = web.get("/links/%d" % synced["id"]).body.decode()
    for obj, row in table.items():
        for k, v in row.items():
            assert 'data-count="%s.%s">%d<' % (obj, k, v) in page
    home = web.get("/").body.decode()
    assert 'data-count="invoice.mirrored">%d<' % table["invoice"]["mirrored"] in home
    # "Connect Xero" stays at the top once links exist, a form with the CSRF token.
    assert '<form method="post" action="/connect/xero" class="connect-xero">\n<input type="hidden" name="csrf"' in home


def test_progress_json_has_every_field_the_page_refreshes(web, synced):
    p = progress(web, synced["id"])
    for k in ("id", "name", "status", "status_label", "xero_name", "hubspot_name", "last_sync",
              "objects", "totals", "progress", "budget", "worker_alive"):
        assert k in p, k
    assert "chart" not in p  # the chart is drawn with the page only
    for k in ("active", "phase", "done", "total", "percent", "rate", "eta", "eta_s", "passes"):
        assert k in p["progress"], k
    assert p["id"] == synced["id"] and p["name"] == synced["name"]
    assert p["last_sync"] != "never"
    assert float(p["progress"]["rate"]) >= 0
    assert p["worker_alive"] is True
    assert web.get("/links/999999999/progress.json").status == 404
    assert web.get("/links/abc/progress.json").status == 404
    assert Client(web.base).get("/links/%d/progress.json" % synced["id"]).status == 303


def test_budgets_show_the_calls_counted_by_the_rate_limiter(web, synced, db):
    p = progress(web, synced["id"])["budget"]
    xero_used = one(db, "SELECT day_used FROM rate_limit WHERE scope = %s",
                    ("xero:" + synced["tenant"],))
    hs_used = one(db, "SELECT coalesce(sum(day_used), 0) FROM rate_limit WHERE scope IN (%s, %s)",
                  ("hubspot:%d" % synced["portal"], "hubspot-search:%d" % synced["portal"]))
    assert p["xero"]["max"] == 5000 and p["hubspot"]["max"] == 250000
    assert 0 < xero_used and p["xero"]["used"] >= xero_used - 0  # nothing else uses this org
    assert p["xero"]["used"] == xero_used
    assert 0 < hs_used == p["hubspot"]["used"]
    page = web.get("/links/%d" % synced["id"]).body.decode()
    assert "Xero calls today" in page and "of 5,000 a day" in page and "of 250,000 a day" in page
    assert 'data-field="xero_used">{:,}<'.format(xero_used) in page


def test_chart_counts_the_hubspot_writes_of_the_last_hour(web, synced, db):
    # Records written, each once per hour however often it was written in that hour.
    writes = one(db, "SELECT coalesce(sum(n), 0) FROM (SELECT count(DISTINCT (object, xero_id))"
                     " AS n FROM audit_event WHERE link_id = %s AND action = 'hubspot.write'"
                     " AND outcome = 'ok' AND at >= date_trunc('hour', now()) - interval '47 hours'"
                     " GROUP BY date_trunc('hour', at)) s", (synced["id"],))
    mirrored = one(db, "SELECT count(*) FROM hubspot_ref WHERE link_id = %s"
                       " AND hubspot_id IS NOT NULL", (synced["id"],))
    page = web.get("/links/%d" % synced["id"]).body.decode()
    assert "<svg class=\"chart\"" in page
    assert "last 48 hours: %d in all" % writes in page
    assert 0 < writes and page.count("<rect class=\"bar\"") == 48
    assert writes <= 2 * mirrored  # at most an hour boundary apart


def test_sync_now_pulls_again_and_the_dashboard_returns_to_it(web, synced, db):
    before = one(db, "SELECT count(*) FROM job WHERE link_id = %s AND kind = 'xero.poll'",
                 (synced["id"],))
    r = act(web, synced["id"], "sync", back="dashboard")
    assert r.status == 303 and r.header("Location") == "/?m=sync_started"
    assert one(db, "SELECT count(*) FROM job WHERE link_id = %s AND kind = 'xero.poll'",
               (synced["id"],)) == before + 1
    assert b"A sync started" in web.get("/?m=sync_started").body
    wait_done(web, synced["id"])


def test_paused_link_jobs_wait_and_resume_with_none_lost(web, db, admin):
    link = ds.make_link(sizes=dict(contacts=60, invoices=200, payments=60, credit_notes=5,
                                   items=10))
    lid = link["id"]
    assert act(web, lid, "backfill").status == 303
    # Let the work start, then pause from the console.
    assert wait_for(lambda: one(db, "SELECT count(*) FROM job WHERE link_id = %s"
                                    " AND kind = 'xero.pull'", (lid,)) > 0, timeout=30)
    r = act(web, lid, "pause")
    assert r.status == 303 and r.header("Location") == "/links/%d?m=link_paused" % lid
    assert one(db, "SELECT status FROM link WHERE id = %s", (lid,)) == "paused"

    def quiet():
        return one(db, "SELECT count(*) FROM job WHERE link_id = %s AND state = 'running'",
                   (lid,)) == 0
    assert wait_for(quiet, timeout=60, interval=0.2)
    time.sleep(1)

    def snapshot():
        return (one(db, "SELECT count(*) FROM xero_record WHERE link_id = %s", (lid,)),
                one(db, "SELECT count(*) FROM hubspot_ref WHERE link_id = %s", (lid,)),
                one(db, "SELECT count(*) FROM job WHERE link_id = %s AND state IN"
                        " ('completed', 'discarded', 'cancelled')", (lid,)))
    held = one(db, "SELECT array_agg(id ORDER BY id) FROM job WHERE link_id = %s"
                   " AND state IN ('available', 'retryable')", (lid,))
    first = snapshot()
    time.sleep(4)
    assert snapshot() == first                  # nothing moved while paused
    assert quiet()
    assert held, "the paused link has no waiting job"
    page = web.get("/links/%d" % lid).body.decode()
    assert "Paused: nothing is read or written" in page
    assert 'action="/links/%d/resume"' % lid in page
    # Sync now and a second pause are refused in plain words.
    r = act(web, lid, "sync")
    assert r.status == 409 and b"The link is paused: resume it first." in r.body
    assert act(web, lid, "pause").status == 303  # already paused: nothing to do
    # Resume: the same jobs go on, none was dropped, and the sync completes.
    assert act(web, lid, "resume").status == 303
    assert one(db, "SELECT count(*) FROM job WHERE id = ANY(%s) AND state IN"
                   " ('discarded', 'cancelled')", (held,)) == 0
    wait_done(web, lid)
    p = progress(web, lid)
    assert p["objects"][0]["mirrored"] == 60 and p["totals"]["pending"] == 0
    assert one(db, "SELECT count(*) FROM job WHERE id = ANY(%s) AND state <> 'completed'",
               (held,)) == 0
    actions = one(db, "SELECT array_agg(action || ':' || actor ORDER BY id) FROM audit_event"
                      " WHERE link_id = %s AND action LIKE 'link.%%'", (lid,))
    for a in ("backfill", "pause", "resume"):
        assert "link.%s:%s" % (a, admin[0]) in actions, actions


def test_cli_pause_resume_and_backfill_use_the_same_rules(db):
    link = ds.make_link(hubspot=False)
    out = ds.cli("link", "backfill", str(link["id"]), check=False)
    assert out.returncode == 1 and "Connect HubSpot first" in out.stderr
    out = ds.cli("link", "pause", str(link["id"]), check=False)
    assert out.returncode == 1 and "Only an active link can be paused" in out.stderr
    ds.cli("link", "set", str(link["id"]), "status=active")
    out = ds.cli("link", "pause", str(link["id"]))
    assert "The link is now paused." in out.stdout
    assert one(db, "SELECT status FROM link WHERE id = %s", (link["id"],)) == "paused"
    out = ds.cli("link", "resume", str(link["id"]))
    assert "The link is now active." in out.stdout
    assert one(db, "SELECT actor FROM audit_event WHERE link_id = %s AND action = 'link.resume'",
               (link["id"],)) == "cli"
    assert ds.cli("link", "pause", "999999999", check=False).returncode == 1


def test_setup_link_says_what_to_do_next_and_refuses_backfill(web, db):
    link = ds.make_link(hubspot=False)
    page = web.get("/links/%d" % link["id"]).body.decode()
    assert "What to do next:" in page and "Connect HubSpot first" in page
    assert 'href="/links/%d/hubspot"' % link["id"] in page
    for sub in ("hubspot", "test", "bootstrap", "settings", "mappings", "health", "disconnect"):
        assert 'href="/links/%d/%s"' % (link["id"], sub) in page
    r = act(web, link["id"], "backfill")
    assert r.status == 409 and b"Connect HubSpot first" in r.body
    assert one(db, "SELECT status FROM link WHERE id = %s", (link["id"],)) == "setup"
    r = act(web, link["id"], "pause")
    assert r.status == 409 and b"Only an active link can be paused" in r.body
    # Without the CSRF token nothing happens.
    r = web.post("/links/%d/backfill" % link["id"], {"csrf": "wrong"})
    assert r.status == 403
    assert web.get("/links/999999999").status == 404
    assert web.get("/links/0").status == 404


def test_no_worker_warning_appears_when_the_worker_stops(web, db):
    def warning_shown():
        body = web.get("/").body.decode()
        return 'id="no-worker">' in body
    assert wait_for(lambda: 'id="no-worker" hidden' in web.get("/").body.decode(), timeout=30)
    ds.stop_worker()
    try:
        assert warning_shown()
        assert "No worker has checked in for over a minute" in web.get("/").body.decode()
        # A worker killed without cleaning up shows too, once its beat is a minute old.
        with db.cursor() as cur:
            cur.execute("INSERT INTO worker_heartbeat (name, beat_at) VALUES"
                        " ('ghost:1', now() - interval '61 seconds')")
        assert warning_shown()
        with db.cursor() as cur:
            cur.execute("DELETE FROM worker_heartbeat WHERE name = 'ghost:1'")
    finally:
        ds.start_worker()
    assert wait_for(lambda: not warning_shown(), timeout=30)


HOSTILE = "<script>alert('x')</script>\"&'"


def test_hostile_names_render_escaped_on_every_dash_page(web, db):
    with db.cursor() as cur:
        cur.execute("INSERT INTO link (name, status, status_reason, xero_tenant_name,"
                    " hubspot_portal_name) VALUES (%s, 'error', %s, %s, %s) RETURNING id",
                    (HOSTILE + "N" * 150, "<img src=x onerror=alert(1)>",
                     HOSTILE + "X" * 400, "<b>portal</b>" + "P" * 400))
        lid = cur.fetchone()[0]
    try:
        for path in ("/", "/links/%d" % lid):
            body = web.get(path).body
            assert b"<script>alert" not in body and b"<img src=x" not in body
            assert b"<b>portal" not in body
            assert b"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;&#39;" in body
            assert b"&lt;img src=x onerror=alert(1)&gt;" in body
        p = progress(web, lid)
        assert p["name"].startswith(HOSTILE) and p["status"] == "error"
    finally:
        with db.cursor() as cur:
            cur.execute("DELETE FROM link WHERE id = %s", (lid,))
