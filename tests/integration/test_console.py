"""The admin console's sign-in, sessions, CSRF and origin checks, through
nginx, as a browser would drive them (DESIGN.md section 9)."""
import hashlib
import os

import pytest

from conftest import request
from console_support import Client, new_admin


@pytest.fixture(autouse=True)
def no_throttle(db):
    """Every test starts and ends with no sign-in failures counted (all come from
    127.0.0.1), so the suites after this one can still sign in."""
    with db.cursor() as cur:
        cur.execute("DELETE FROM login_throttle")
    yield
    with db.cursor() as cur:
        cur.execute("DELETE FROM login_throttle")


@pytest.fixture
def admin():
    return new_admin()


@pytest.fixture
def signed_in(base_url, admin):
    c = Client(base_url)
    r = c.login(*admin)
    assert r.status == 303 and r.header("Location") == "/"
    return c


def session_rows(db, email):
    with db.cursor() as cur:
        cur.execute("SELECT encode(s.token_hash, 'hex') FROM session s JOIN app_user u"
                    " ON u.id = s.user_id WHERE u.email = %s", (email,))
        return [r[0] for r in cur.fetchall()]


def test_dashboard_without_session_redirects_to_login(base_url):
    r = request(base_url + "/")
    assert r.status == 303
    assert r.header("Location") == "/login"


def test_login_sets_host_cookie_with_every_attribute(base_url, admin, db):
    c = Client(base_url)
    r = c.login(*admin)
    assert r.status == 303
    sid = [v for k, v in r.headers if k.lower() == "set-cookie" and v.startswith("__Host-sid=")]
    assert len(sid) == 1
    attrs = [a.strip() for a in sid[0].split(";")]
    assert {"Path=/", "Secure", "HttpOnly", "SameSite=Strict"} <= set(attrs)
    assert not any(a.lower().startswith("domain") for a in attrs)
    token = c.cookies["__Host-sid"]
    assert len(token) >= 22  # >= 128 bits in base64url
    # stored hashed, never in clear
    assert session_rows(db, admin[0]) == [hashlib.sha256(token.encode()).hexdigest()]
    page = c.get("/")
    assert page.status == 200
    assert admin[0].encode() in page.body
    assert b"Dashboard" in page.body


def test_wrong_password_and_unknown_account_get_the_same_answer(base_url, admin):
    a = Client(base_url).login(admin[0], "wrong-password")
    b = Client(base_url).login("nobody-here@example.com", "wrong-password")
    assert a.status == b.status == 401
    assert b"The email or the password is not right." in a.body
    assert a.body.replace(admin[0].encode(), b"X") .count(b"not right") == \
        b.body.replace(b"nobody-here@example.com", b"X").count(b"not right")
    assert b"__Host-sid" not in b"".join(v.encode() for k, v in a.headers)


def test_login_throttled_per_account_even_with_the_right_password(base_url, admin):
    c = Client(base_url)
    for _ in range(5):
        assert c.login(admin[0], "wrong-password").status in (401, 429)
    r = c.login(*admin)
    assert r.status == 429
    assert b"Too many failed sign-ins" in r.body
    # an account that does not exist is throttled alike: nothing is revealed
    for _ in range(5):
        c.login("ghost@example.com", "wrong-password")
    ghost = c.login("ghost@example.com", "wrong-password")
    assert ghost.status == 429
    assert b"Too many failed sign-ins" in ghost.body


def test_login_throttled_per_address(base_url, admin):
    c = Client(base_url)
    for i in range(20):
        c.login("spray-%d@example.com" % i, "wrong-password")
    r = c.login(*admin)
    assert r.status == 429
    assert b"Too many failed sign-ins" in r.body


def test_session_fixation_pre_login_token_is_worthless_after_login(base_url, admin, db):
    c = Client(base_url)
    assert c.login(*admin).status == 303
    planted = c.cookies["__Host-sid"]
    # sign in again while presenting the first token: a new one, the old one dead
    assert c.login(*admin).status == 303
    assert c.cookies["__Host-sid"] != planted
    old = Client(base_url)
    old.cookies["__Host-sid"] = planted
    assert old.get("/").status == 303
    assert len(session_rows(db, admin[0])) == 1
    # a token an attacker made up is never adopted
    d = Client(base_url)
    d.cookies["__Host-sid"] = "A" * 43
    assert d.login(*admin).status == 303
    assert d.cookies["__Host-sid"] != "A" * 43


def test_idle_timeout_ends_the_session(signed_in, db, admin):
    with db.cursor() as cur:
        cur.execute("UPDATE session SET idle_expires_at = now() - interval '1 second'"
                    " WHERE user_id = (SELECT id FROM app_user WHERE email = %s)", (admin[0],))
    assert signed_in.get("/").status == 303


def test_activity_moves_idle_expiry_but_not_absolute(signed_in, db, admin):
    with db.cursor() as cur:
        cur.execute("UPDATE session SET idle_expires_at = now() + interval '5 seconds'"
                    " WHERE user_id = (SELECT id FROM app_user WHERE email = %s)", (admin[0],))
        assert signed_in.get("/").status == 200
        cur.execute("SELECT idle_expires_at > now() + interval '20 minutes',"
                    " s.expires_at - s.created_at FROM session s JOIN app_user u ON u.id = s.user_id"
                    " WHERE u.email = %s", (admin[0],))
        moved, lifetime = cur.fetchone()
    assert moved
    assert lifetime.total_seconds() == 12 * 3600


def test_absolute_timeout_ends_the_session(signed_in, db, admin):
    with db.cursor() as cur:
        cur.execute("UPDATE session SET expires_at = now() - interval '1 second',"
                    " idle_expires_at = now() - interval '1 second'"
                    " WHERE user_id = (SELECT id FROM app_user WHERE email = %s)", (admin[0],))
    assert signed_in.get("/").status == 303


def test_post_without_csrf_token_is_403(signed_in):
    r = signed_in.post("/users", {"email": "x@example.com"})
    assert r.status == 403
    assert b"refused" in r.body


def test_post_with_wrong_csrf_token_is_403(signed_in, base_url):
    other = Client(base_url)
    other.login(*new_admin("other"))
    r = signed_in.post("/users", {"email": "x@example.com", "csrf": other.csrf()})
    assert r.status == 403
    assert signed_in.post("/logout", {"csrf": "A" * 43}).status == 403


def test_cross_origin_post_is_403_even_with_the_token(signed_in):
    tok = signed_in.csrf()
    r = signed_in.post("/logout", {"csrf": tok},
                       headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert r.status == 403
    r = signed_in.post("/logout", {"csrf": tok}, headers={"Sec-Fetch-Site": "same-site"})
    assert r.status == 403
    assert signed_in.post("/logout", {"csrf": tok}, origin=False).status == 403
    assert signed_in.get("/").status == 200  # still signed in


def test_login_form_posted_from_elsewhere_is_refused(base_url, admin):
    c = Client(base_url)
    c.get("/login")
    r = c.post("/login", {"email": admin[0], "password": admin[1], "csrf": "forged"})
    assert r.status == 403
    c.origin = "https://evil.example"
    page = c.get("/login")
    from console_support import form_token
    r = c.post("/login", {"email": admin[0], "password": admin[1],
                          "csrf": form_token(page.body, "/login")},
               headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status == 403
    assert "__Host-sid" not in c.cookies


def test_logout_ends_the_session(signed_in):
    r = signed_in.post("/logout", {"csrf": signed_in.csrf()})
    assert r.status == 303
    assert r.header("Location") == "/login?m=signed_out"
    assert "__Host-sid" not in signed_in.cookies
    assert b"You are signed out." in signed_in.get("/login?m=signed_out").body


def test_add_admin_shows_password_once_and_it_works(signed_in, base_url):
    r = signed_in.post("/users", {"email": "new-<b>@example.com", "csrf": signed_in.csrf()})
    assert r.status == 422
    assert b"Email: enter an address" in r.body
    assert b"new-&lt;b&gt;@example.com" in r.body and b"new-<b>" not in r.body
    email = new_admin("probe")[0].replace("probe", "added")
    r = signed_in.post("/users", {"email": email, "csrf": signed_in.csrf()})
    assert r.status == 200
    import re
    pw = re.search(rb'<code class="secret">([^<]+)</code>', r.body).group(1).decode()
    assert Client(base_url).login(email, pw).status == 303
    again = signed_in.post("/users", {"email": email, "csrf": signed_in.csrf()})
    assert again.status == 422 and b"exists already" in again.body


def test_disable_admin_ends_their_sessions(signed_in, base_url, db):
    victim = new_admin("victim")
    vc = Client(base_url)
    assert vc.login(*victim).status == 303
    with db.cursor() as cur:
        cur.execute("SELECT id FROM app_user WHERE email = %s", (victim[0],))
        vid = cur.fetchone()[0]
    r = signed_in.post("/users/%d/disable" % vid, {"csrf": signed_in.csrf()})
    assert r.status == 303
    assert vc.get("/").status == 303
    assert Client(base_url).login(*victim).status == 401


def test_cannot_disable_oneself(signed_in, db, admin):
    with db.cursor() as cur:
        cur.execute("SELECT id FROM app_user WHERE email = %s", (admin[0],))
        me = cur.fetchone()[0]
    assert signed_in.post("/users/%d/disable" % me, {"csrf": signed_in.csrf()}).status == 404
    assert signed_in.get("/").status == 200


def test_change_own_password(signed_in, base_url, admin):
    other = Client(base_url)
    assert other.login(*admin).status == 303
    tok = signed_in.csrf()
    r = signed_in.post("/account/password", {"csrf": tok, "current": "nope",
                                             "new": "a-long-new-pass", "confirm": "a-long-new-pass"})
    assert r.status == 422 and b"Current password:" in r.body
    assert b'id="current" name="current" type="password" autocomplete="current-password" required aria-invalid="true"' in r.body
    r = signed_in.post("/account/password", {"csrf": tok, "current": admin[1],
                                             "new": "short", "confirm": "short"})
    assert r.status == 422 and b"New password: use 12" in r.body
    r = signed_in.post("/account/password", {"csrf": tok, "current": admin[1],
                                             "new": "a-long-new-pass", "confirm": "different-pass"})
    assert r.status == 422 and b"Repeat new password" in r.body
    r = signed_in.post("/account/password", {"csrf": tok, "current": admin[1],
                                             "new": "a-long-new-pass", "confirm": "a-long-new-pass"})
    assert r.status == 303
    assert signed_in.get("/").status == 200   # this session goes on
    assert other.get("/").status == 303       # the other one ended
    assert Client(base_url).login(admin[0], "a-long-new-pass").status == 303
    assert Client(base_url).login(*admin).status == 401


def test_hostile_link_name_renders_escaped_on_dashboard(signed_in, db):
    name = "<script>alert('x')</script>\"&" + "N" * 150
    with db.cursor() as cur:
        cur.execute("INSERT INTO link (name, status, status_reason) VALUES (%s, 'needs_reconnect', %s)"
                    " RETURNING id", (name, "<img src=x onerror=alert(1)>"))
        lid = cur.fetchone()[0]
    try:
        body = signed_in.get("/").body
        assert b"<script>alert" not in body and b"<img src=x" not in body
        assert b"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;" in body
        assert b"Reconnect it" in body
    finally:
        with db.cursor() as cur:
            cur.execute("DELETE FROM link WHERE id = %s", (lid,))


def test_dashboard_shows_mirror_counts_and_pass_progress(signed_in, db):
    with db.cursor() as cur:
        cur.execute("INSERT INTO link (name, status) VALUES ('Progress Org', 'active') RETURNING id")
        lid = cur.fetchone()[0]
        cur.execute("INSERT INTO sync_cursor (link_id, object, pass_open, pass_read, pass_total)"
                    " VALUES (%s, 'invoice', true, 250, 1000)", (lid,))
    try:
        body = signed_in.get("/").body
        assert b'<progress max="100" value="25"' in body
        assert b"250 of 1000" in body
    finally:
        with db.cursor() as cur:
            cur.execute("DELETE FROM link WHERE id = %s", (lid,))


def test_error_page_says_what_happened_and_what_to_do(base_url):
    r = request(base_url + "/no/such/<page>", headers={"Accept": "text/html"})
    assert r.status == 404
    assert b"There is no page at this address" in r.body
    assert b'href="/static/xhsync.css?v=' in r.body
    assert b"<page>" not in r.body


def _config_with_templates(config_path, tmp_path, tdir):
    text = open(config_path).read()
    import re
    conf = tmp_path / "xhsync.conf"
    conf.write_text(re.sub(r"(?m)^templates_dir = .*$", "templates_dir = %s" % tdir, text))
    return str(conf)


def test_broken_template_stops_start_naming_file_and_line(config_path, tmp_path, root, build_dir):
    import shutil
    import subprocess
    tdir = tmp_path / "templates"
    shutil.copytree(os.path.join(root, "templates"), tdir)
    conf = _config_with_templates(config_path, tmp_path, tdir)
    web = os.path.join(build_dir, "xhsync-web")
    ok = subprocess.run([web, "-c", conf, "-t"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    (tdir / "users.mustache").write_text("<h1>Admins</h1>\n{{#users}}\n<p>{{email}}</p>\n")
    bad = subprocess.run([web, "-c", conf, "-t"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "%s/users.mustache:2: section is never closed: 'users'" % tdir in bad.stderr
    (tdir / "users.mustache").unlink()
    gone = subprocess.run([web, "-c", conf, "-t"], capture_output=True, text=True)
    assert gone.returncode == 1
    assert "%s/users.mustache: template missing" % tdir in gone.stderr


def test_sighup_reloads_templates_and_keeps_them_when_broken(base_url, config_path, run_dir,
                                                             tmp_path, root):
    import shutil
    import signal
    from conftest import wait_for
    from test_web import web_children
    tdir = tmp_path / "templates"
    shutil.copytree(os.path.join(root, "templates"), tdir)
    original = open(config_path).read()
    sup, _ = web_children(run_dir)

    def hup_and_wait(marker, present):
        before = set(web_children(run_dir)[1])
        os.kill(sup, signal.SIGHUP)
        return wait_for(lambda: (marker in request(base_url + "/login").body) == present
                        and not before & set(web_children(run_dir)[1]) or None, timeout=15)

    try:
        login = (tdir / "login.mustache").read_text()
        (tdir / "login.mustache").write_text(login.replace("<h1>Sign in</h1>",
                                                           "<h1>Sign in (reloaded)</h1>"))
        _config_with_templates(config_path, tmp_path, tdir)
        shutil.copy(tmp_path / "xhsync.conf", config_path)
        assert hup_and_wait(b"(reloaded)", True)
        (tdir / "login.mustache").write_text("{{#broken}}\n")
        os.kill(sup, signal.SIGHUP)
        assert wait_for(lambda: b"login.mustache:1: section is never closed" in
                        open(os.path.join(run_dir, "log", "web.log"), "rb").read(), timeout=10)
        assert b"(reloaded)" in request(base_url + "/login").body
    finally:
        with open(config_path, "w") as f:
            f.write(original)
        os.kill(sup, signal.SIGHUP)
        assert wait_for(lambda: b"(reloaded)" not in request(base_url + "/login").body, timeout=15)
