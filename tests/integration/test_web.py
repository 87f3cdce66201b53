"""xhsync-web through the real nginx -> FastCGI -> PostgreSQL path."""
import os
import re
import signal
import subprocess
import time

from conftest import request, wait_for

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
}


def test_healthz_is_200_with_database_ok(base_url):
    r = request(base_url + "/healthz")
    assert r.status == 200
    assert r.json() == {"status": "ok", "database": "ok"}
    assert re.fullmatch(r"[0-9a-f]{16}", r.header("X-Request-Id") or "")


def test_responses_carry_security_headers(base_url):
    r = request(base_url + "/healthz")
    for name, value in SECURITY_HEADERS.items():
        assert r.header(name) == value
    assert r.header("Cache-Control") == "no-store"


def test_home_page_sends_a_stranger_to_the_login_page(base_url):
    r = request(base_url + "/")
    assert r.status == 303
    assert r.header("Location") == "/login"


def test_login_page_is_html_and_names_the_version(base_url):
    r = request(base_url + "/login")
    assert r.status == 200
    assert r.header("Content-Type").startswith("text/html")
    assert b"xhsync 0.1.0" in r.body


def test_unknown_path_is_404_json_with_request_id(base_url):
    r = request(base_url + "/no/such/page", headers={"Accept": "application/json"})
    assert r.status == 404
    err = r.json()["error"]
    assert err["status"] == 404
    assert err["request_id"] == r.header("X-Request-Id")


def test_unknown_path_is_404_html_for_browsers(base_url):
    r = request(base_url + "/no/such/<page>", headers={"Accept": "text/html"})
    assert r.status == 404
    assert r.header("Content-Type").startswith("text/html")
    assert b"<page>" not in r.body


def test_wrong_method_is_405_with_allow(base_url):
    r = request(base_url + "/healthz", method="DELETE", headers={"Accept": "application/json"})
    assert r.status == 405
    assert "GET" in (r.header("Allow") or "")
    assert r.json()["error"]["status"] == 405


def test_two_mib_body_is_413_from_the_app(base_url):
    body = b"x" * (2 * 1024 * 1024)
    r = request(base_url + "/healthz", method="POST", body=body,
                headers={"Accept": "application/json", "Content-Type": "application/octet-stream"})
    assert r.status == 413
    # The app's own answer (nginx in dev allows 4 MiB): JSON with a request id.
    assert r.json()["error"]["status"] == 413
    assert r.header("X-Request-Id")


def test_eight_mib_body_is_413_from_nginx(base_url):
    body = b"x" * (8 * 1024 * 1024)
    r = request(base_url + "/healthz", method="POST", body=body)
    assert r.status == 413


def web_children(run_dir):
    with open(os.path.join(run_dir, "pid", "web-supervisor.pid")) as f:
        sup = int(f.read().strip())
    out = subprocess.run(["pgrep", "-P", str(sup)], capture_output=True, text=True).stdout
    return sup, sorted(int(p) for p in out.split())


def test_killed_child_is_replaced_and_next_request_succeeds(base_url, run_dir, config):
    sup, before = web_children(run_dir)
    assert len(before) == int(config["web"]["processes"])
    os.kill(before[0], signal.SIGKILL)
    after = wait_for(lambda: (lambda c: c if len(c) == len(before) and before[0] not in c else None)(
        web_children(run_dir)[1]), timeout=10)
    assert after, "the supervisor did not replace the killed child"
    assert before[0] not in after
    for _ in range(len(before) * 2):
        assert request(base_url + "/healthz").status == 200


def test_healthz_503_fast_when_postgres_stops_then_recovers(base_url, run_dir, pg_stop, pg_start):
    sup, before = web_children(run_dir)
    assert request(base_url + "/healthz").status == 200
    pg_stop()
    for _ in range(len(before) + 1):  # every child notices, each within 2 s
        r = request(base_url + "/healthz", headers={"Accept": "application/json"})
        assert r.status == 503
        assert r.elapsed < 2.0
        assert r.json()["database"] == "down"
    pg_start()
    ok = wait_for(lambda: all(request(base_url + "/healthz").status == 200
                              for _ in range(len(before) + 1)), timeout=15)
    assert ok
    # The same processes answered: xhsync-web was not restarted.
    assert web_children(run_dir) == (sup, before)


def test_access_log_has_request_id_and_no_query(base_url, run_dir):
    r = request(base_url + "/healthz?code=secret-value-123")
    rid = r.header("X-Request-Id")
    log = os.path.join(run_dir, "log", "web.log")
    line = wait_for(lambda: next((l for l in open(log) if rid in l and "event=http.request" in l), None), timeout=5)
    assert line and "status=200" in line
    assert "secret-value-123" not in open(log).read()


def test_worker_stops_cleanly_on_sigterm(build_dir, config_path):
    p = subprocess.Popen([os.path.join(build_dir, "xhsync-worker"), "-c", config_path],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(1.0)
    assert p.poll() is None, p.stdout.read()
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=15)
    assert p.returncode == 0, out


def postgres_pids(run_dir):
    data = os.path.realpath(os.path.join(run_dir, "pg"))
    with open(os.path.join(data, "postmaster.pid")) as f:
        master = int(f.readline())
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [master] + [int(p) for p in out.split()]


def test_healthz_503_within_2s_when_postgres_hangs_then_recovers(base_url, run_dir):
    """A server that accepts but never answers (every postgres process
    stopped) must not hold /healthz: the client-side deadline answers 503."""
    sup, children = web_children(run_dir)
    assert request(base_url + "/healthz").status == 200
    pids = postgres_pids(run_dir)
    try:
        for p in pids:
            os.kill(p, signal.SIGSTOP)
        for _ in range(len(children) + 1):
            r = request(base_url + "/healthz", headers={"Accept": "application/json"})
            assert r.status == 503
            assert r.elapsed < 2.0
    finally:
        for p in pids:
            os.kill(p, signal.SIGCONT)
    ok = wait_for(lambda: all(request(base_url + "/healthz").status == 200
                              for _ in range(len(children) + 1)), timeout=15)
    assert ok
    assert web_children(run_dir) == (sup, children)


def test_sighup_reloads_config_and_replaces_children(base_url, run_dir, config_path):
    sup, before = web_children(run_dir)
    original = open(config_path).read()
    try:
        with open(config_path, "w") as f:
            f.write(re.sub(r"(?m)^processes = \d+$", "processes = 2", original))
        os.kill(sup, signal.SIGHUP)
        assert wait_for(lambda: len(web_children(run_dir)[1]) == 2, timeout=10)
        assert request(base_url + "/healthz").status == 200
        # An invalid file is logged and ignored: the running config stays.
        with open(config_path, "w") as f:
            f.write(original.replace("[web]", "[web]\nno_such_key = 1"))
        os.kill(sup, signal.SIGHUP)
        time.sleep(1.0)
        assert len(web_children(run_dir)[1]) == 2
        assert request(base_url + "/healthz").status == 200
    finally:
        with open(config_path, "w") as f:
            f.write(original)
        os.kill(sup, signal.SIGHUP)
    assert wait_for(lambda: len(web_children(run_dir)[1]) == len(before), timeout=10)
    assert web_children(run_dir)[0] == sup


def test_sigterm_stops_web_cleanly_and_removes_socket(build_dir, config_path, tmp_path):
    sock = str(tmp_path / "web.sock")
    env = dict(os.environ, XHSYNC_WEB_SOCKET=sock, XHSYNC_WEB_PROCESSES="2")
    p = subprocess.Popen([os.path.join(build_dir, "xhsync-web"), "-c", config_path], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert wait_for(lambda: os.path.exists(sock), timeout=10), "socket never appeared"
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=20)
    assert p.returncode == 0, out
    assert not os.path.exists(sock)
