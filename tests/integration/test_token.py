"""Xero token refresh and keep-alive (src/xero/token.c), measured at the
Xero simulator: its request log shows every token call and which refresh
token it carried, and /_sim/tokens shows which tokens were rotated.
Workers run against a private database and a private simulator with a
client secret of the test's own (jobs_support).
"""
import base64
import http.server
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from jobs_support import FAST_WORKER, JobsInstance, add_xero_link, wait_for

TOKEN_PATH = "/connect/token"
ORG_PATH = "/api.xro/2.0/Organisation"
KEEPALIVE = "xero.token_keepalive"
SIM_SCALE = 0.001  # the 30-minute refresh grace lasts 1.8 s


class SlowTokenEndpoint:
    """A loopback proxy in front of the simulator's token endpoint that
    answers after `delay` seconds, so that refreshes overlap, and answers
    the first `fail_first` requests itself with 503."""

    def __init__(self, target, delay, fail_first=0):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(proxy.delay)
                if proxy.failures < proxy.fail_first:
                    proxy.failures += 1
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                req = urllib.request.Request(target + self.path, data=body, method="POST", headers={
                    k: v for k, v in self.headers.items()
                    if k.lower() in ("authorization", "content-type", "accept")})
                try:
                    with urllib.request.urlopen(req, timeout=10) as r:
                        status, data = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, data = e.code, e.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.delay = delay
        self.fail_first = fail_first
        self.failures = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Link:
    def __init__(self, link_id, tenant, tokens):
        self.id = link_id
        self.tenant = tenant
        self.access = tokens["access_token"]
        self.refresh = tokens["refresh_token"]


class TokenSetup:
    """A private database, a Xero simulator knowing our client, a config for workers."""

    def __init__(self, tmp_path, token_delay=None, level="info", worker=None, fail_first=0):
        self.inst = JobsInstance(tmp_path)
        self.client_id = "xhsync-test-" + secrets.token_hex(4)
        self.client_secret = secrets.token_hex(24)
        self.xero = self.inst.sim("xero_sim.py", "--time-scale", str(SIM_SCALE), "--client-id",
                                  self.client_id, "--client-secret", self.client_secret)
        self.proxy = (SlowTokenEndpoint(self.xero.url, token_delay, fail_first)
                      if token_delay is not None else None)
        self.config = self.inst.write_config("token.conf", {
            "worker": dict(FAST_WORKER, **(worker or {})),
            "log": {"level": level},
            "xero": {"api_url": self.xero.url,
                     "identity_url": self.proxy.url if self.proxy else self.xero.url,
                     "client_id": self.client_id, "client_secret": self.client_secret},
        })

    def link(self, name="org", status="active", expires_in=1800, refresh=True):
        """A link with a Xero credential issued by the simulator."""
        return Link(*add_xero_link(self.inst, self.xero, name, status, expires_in, refresh))

    def expire(self, link):
        """The link's access token stops working at the simulator too."""
        self.xero.post("/_sim/tokens/expire", {"access_token": link.access})

    def enqueue(self, kind, link, n=1, args=None):
        for _ in range(n):
            cmd = ["jobs", "enqueue", kind, "--link", str(link.id)]
            out = self.inst.cli(*(cmd + (["--args", json.dumps(args)] if args else [])))
            assert out.returncode == 0, out.stderr

    def jobs(self, kind):
        """The test's own jobs of a kind (not the worker's scheduled keep-alives)."""
        return self.inst.q("SELECT id, state, attempts, snoozes, last_error, link_id FROM job"
                           " WHERE kind = %s AND unique_key IS NULL ORDER BY id", (kind,))

    def finished(self, kind, n):
        return lambda: self.inst.one("SELECT count(*) FROM job WHERE kind = %s AND state IN"
                                     " ('completed', 'discarded') AND unique_key IS NULL",
                                     (kind,)) >= n

    def token_calls(self):
        return self.xero.requests(TOKEN_PATH)

    def refresh_with(self, refresh_token):
        """The simulator's status for a refresh with this token, as the test's own client."""
        body = urllib.parse.urlencode({"grant_type": "refresh_token",
                                       "refresh_token": refresh_token}).encode()
        req = urllib.request.Request(self.xero.url + TOKEN_PATH, data=body, method="POST")
        req.add_header("Authorization", "Basic " + base64.b64encode(
            (self.client_id + ":" + self.client_secret).encode()).decode())
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def rotated(self, refresh_token):
        """The simulator's record of a refresh token."""
        (rec,) = [t for t in self.xero.get("/_sim/tokens")["refresh_tokens"]
                  if t["token"] == refresh_token]
        return rec

    def assert_no_secret_in_logs(self):
        snap = self.xero.get("/_sim/tokens")
        secrets_ = [t["token"] for t in snap["access_tokens"] + snap["refresh_tokens"]]
        secrets_.append(self.client_secret)
        assert len(secrets_) >= 3
        for w in self.inst.workers:
            log = w.output()
            for s in secrets_:
                assert s not in log, "a token or the client secret reached " + w.log

    def close(self):
        if self.proxy:
            self.proxy.close()
        self.inst.close()


@pytest.fixture
def tok(tmp_path):
    s = TokenSetup(tmp_path, level="debug")
    yield s
    s.close()


def form_refresh_token(call):
    """The refresh_token field of a logged token request."""
    fields = dict(p.split("=", 1) for p in call["body"].split("&"))
    assert fields["grant_type"] == "refresh_token"
    return urllib.parse.unquote(fields["refresh_token"])


def bearer(call):
    return {k.lower(): v for k, v in call["headers"].items()}["authorization"]


def test_expired_token_is_refreshed_before_the_ping_and_the_new_pair_is_stored(tok):
    link = tok.link(expires_in=-10)
    tok.expire(link)
    tok.enqueue("xero.ping", link)
    w = tok.inst.worker(tok.config)
    assert wait_for(tok.finished("xero.ping", 1), timeout=20)
    assert [r[1:5] for r in tok.jobs("xero.ping")] == [("completed", 1, 0, None)]
    calls = sorted(tok.xero.requests(), key=lambda e: e["start"])
    assert [(e["path"], e["status"]) for e in calls] == [(TOKEN_PATH, 200), (ORG_PATH, 200)]
    assert form_refresh_token(calls[0]) == link.refresh
    assert bearer(calls[1]) != "Bearer " + link.access
    # Xero rotated the refresh token: the stored one is now its successor
    successor = tok.rotated(link.refresh)["successor"]
    assert tok.rotated(link.refresh)["rotated_at"] is not None and successor
    row = tok.inst.q("SELECT version, extract(epoch FROM expires_at - now()),"
                     " now() - issued_at < interval '1 minute', refresh_holder"
                     " FROM credential WHERE link_id = %s", (link.id,))[0]
    assert row[0] == 2 and 1700 < row[1] <= 1800 and row[2] and row[3] is None
    # once the old token's grace is over, only the stored successor works:
    # the keep-alive (max_age_s 0: refresh now) uses it
    time.sleep(1800 * SIM_SCALE + 0.7)
    assert tok.refresh_with(link.refresh) == 400, "the old refresh token's grace is over"
    tok.enqueue(KEEPALIVE, link, args={"max_age_s": 0})
    assert wait_for(tok.finished(KEEPALIVE, 1), timeout=20)
    assert [r[1] for r in tok.jobs(KEEPALIVE)] == ["completed"]
    calls = tok.token_calls()
    assert [e["status"] for e in calls] == [200, 400, 200]
    assert form_refresh_token(calls[2]) == successor
    assert tok.rotated(successor)["rotated_at"] is not None
    assert w.stop() == 0
    tok.assert_no_secret_in_logs()


def test_a_fresh_token_or_one_without_refresh_token_is_used_as_is(tok):
    fresh = tok.link("fresh")
    plain = tok.link("plain", expires_in=-10, refresh=False)
    tok.enqueue("xero.ping", fresh)
    tok.enqueue("xero.ping", plain)
    tok.enqueue(KEEPALIVE, fresh)  # default age rule: 7 days
    w = tok.inst.worker(tok.config)
    assert wait_for(tok.finished("xero.ping", 2), timeout=20)
    assert wait_for(tok.finished(KEEPALIVE, 1), timeout=20)
    assert w.stop() == 0
    assert tok.token_calls() == []
    assert {r[1] for r in tok.jobs("xero.ping") + tok.jobs(KEEPALIVE)} == {"completed"}
    sent = {bearer(e) for e in tok.xero.requests(ORG_PATH)}
    assert sent == {"Bearer " + fresh.access, "Bearer " + plain.access}
    assert "refreshed=no" in w.output()


def test_concurrent_refreshes_make_one_token_call_and_all_get_the_new_token(tmp_path):
    s = TokenSetup(tmp_path, token_delay=0.8, worker={"threads": 2, "claim_batch": 1})
    try:
        link = s.link(expires_in=60)  # inside the 5-minute margin: refresh first
        s.enqueue("xero.ping", link, n=6)
        workers = [s.inst.worker(s.config) for _ in range(3)]
        assert wait_for(s.finished("xero.ping", 6), timeout=30), s.jobs("xero.ping")
        for w in workers:
            assert w.stop() == 0
        assert {r[1:3] for r in s.jobs("xero.ping")} == {("completed", 1)}
        (call,) = s.token_calls()
        assert call["status"] == 200 and form_refresh_token(call) == link.refresh
        # the refresh was in flight while other jobs had started and waited for it
        started = s.inst.one("SELECT count(*) FROM job WHERE kind = 'xero.ping'"
                             " AND extract(epoch FROM attempted_at) < %s", (call["end"],))
        assert started >= 3, "the jobs did not race for the refresh"
        pings = s.xero.requests(ORG_PATH)
        assert len(pings) == 6 and {e["status"] for e in pings} == {200}
        (new,) = {bearer(e) for e in pings}
        assert new != "Bearer " + link.access
        assert s.inst.one("SELECT version FROM credential WHERE link_id = %s", (link.id,)) == 2
        s.assert_no_secret_in_logs()
    finally:
        s.close()


def test_a_failed_refresh_gives_the_lease_back_and_is_retried(tmp_path):
    s = TokenSetup(tmp_path, token_delay=0, fail_first=1)
    try:
        link = s.link(expires_in=-10)
        s.enqueue("xero.ping", link)
        w = s.inst.worker(s.config)
        assert wait_for(s.finished("xero.ping", 1), timeout=20)
        assert w.stop() == 0
        ((_, state, attempts, _, _, _),) = s.jobs("xero.ping")
        assert (state, attempts) == ("completed", 2)
        assert s.proxy.failures == 1
        (call,) = s.token_calls()  # the one that reached the simulator
        assert call["status"] == 200 and form_refresh_token(call) == link.refresh
        assert "Xero token endpoint answered 503" in w.output()
        assert s.inst.q("SELECT version, refresh_holder FROM credential") == [(2, None)]
    finally:
        s.close()


def test_invalid_grant_needs_reconnect_without_retries_and_is_audited(tok):
    link = tok.link(expires_in=-10)
    other = tok.link("other", expires_in=-10)
    tok.xero.post("/_sim/tokens/revoke", {"token": link.refresh})
    tok.enqueue("xero.ping", link)
    w = tok.inst.worker(tok.config)
    assert wait_for(tok.finished("xero.ping", 1), timeout=20)
    ((job_id, state, attempts, _, error, _),) = tok.jobs("xero.ping")
    assert (state, attempts) == ("discarded", 1)
    assert "invalid_grant" in error and "reconnect" in error
    assert tok.inst.q("SELECT status, status_reason FROM link WHERE id = %s", (link.id,)) == [
        ("needs_reconnect", "Xero refused the refresh token (invalid_grant)")]
    audit = tok.inst.q("SELECT link_id, action, outcome, job_id, detail::text FROM audit_event")
    assert audit == [(link.id, "token_refresh", "needs_reconnect", job_id,
                      '{"error": "invalid_grant", "vendor": "xero"}')]
    assert [e["status"] for e in tok.token_calls()] == [400]
    assert tok.inst.one("SELECT refresh_holder FROM credential WHERE link_id = %s",
                        (link.id,)) is None
    # the link stays put: later jobs fail at once without calling Xero again
    tok.enqueue("xero.ping", link)
    assert wait_for(tok.finished("xero.ping", 2), timeout=20)
    last = tok.jobs("xero.ping")[-1]
    assert last[1:3] == ("discarded", 1) and "reconnect" in last[4]
    assert len(tok.token_calls()) == 1
    # another link of the same app is not affected
    assert tok.inst.one("SELECT status FROM link WHERE id = %s", (other.id,)) == "active"
    assert w.stop() == 0
    assert "xero.token_invalid_grant" in w.output()
    tok.assert_no_secret_in_logs()


def test_keepalive_schedule_one_job_per_eligible_link_per_period_across_3_workers(tok):
    old = tok.link("old")  # issued 8 days ago: the keep-alive refreshes it
    fresh = tok.link("fresh", status="setup")
    paused = tok.link("paused", status="paused")
    bare = tok.link("bare")
    tok.inst.q("DELETE FROM credential WHERE link_id = %s", (bare.id,))
    tok.inst.q("UPDATE credential SET issued_at = now() - interval '8 days' WHERE link_id = %s",
               (old.id,))
    env = {"XHSYNC_WORKER_TEST_LINK_SCHEDULE_MS": "2000"}
    workers = [tok.inst.worker(tok.config, env=env) for _ in range(3)]
    time.sleep(1)
    late = tok.link("late")  # becomes eligible while the workers run
    time.sleep(5)
    for w in workers:
        assert w.stop() == 0
    rows = tok.inst.q("SELECT link_id, unique_key, extract(epoch FROM created_at), state FROM job"
                      " WHERE kind = %s ORDER BY created_at", (KEEPALIVE,))
    by_link = {}
    for link_id, key, created, state in rows:
        assert key == "schedule:%s:%d" % (KEEPALIVE, link_id)
        assert state == "completed"
        by_link.setdefault(link_id, []).append(created)
    assert set(by_link) == {old.id, fresh.id, late.id}, "only active/setup links with a credential"
    # first run half to one period after the link is seen, then one job per period
    assert 2 <= len(by_link[old.id]) <= 3 and 2 <= len(by_link[fresh.id]) <= 3
    for link_id, created in by_link.items():
        gaps = [b - a for a, b in zip(created, created[1:])]
        assert min(gaps, default=2) >= 1.9, (link_id, gaps)
    # only the old set was refreshed, once: afterwards it is new enough
    (call,) = tok.token_calls()
    assert form_refresh_token(call) == old.refresh
    assert tok.inst.one("SELECT count(*) FROM credential WHERE version > 1") == 1
    assert paused.id not in by_link
    tok.assert_no_secret_in_logs()
