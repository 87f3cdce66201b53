"""A small browser-like client for the admin console: keeps cookies (the
__Host- cookies are Secure, which http.cookiejar would not send over the
test stack's plain http), sends the Origin and Sec-Fetch-Site a browser
sends, and finds the CSRF token in a page's form."""
import html
import re
import urllib.parse
import uuid

from conftest import cli, request


def new_admin(prefix="admin"):
    """Creates an admin with the CLI; returns (email, password)."""
    email = "%s-%s@example.com" % (prefix, uuid.uuid4().hex[:10])
    out = cli("user", "add", email)
    assert out.returncode == 0, out.stderr
    pw = re.search(r"^password:\s*(\S+)", out.stdout, re.M).group(1)
    return email, pw


def form_token(body, action):
    """The csrf value of the form posting to action in an HTML body."""
    text = body.decode() if isinstance(body, bytes) else body
    m = re.search(r'<form[^>]*action="%s".*?name="csrf" value="([^"]*)"' % re.escape(action),
                  text, re.S)
    assert m, "no csrf field in the form for %s" % action
    return html.unescape(m.group(1))


class Client:
    def __init__(self, base_url):
        self.base = base_url
        self.cookies = {}
        self.origin = base_url

    def _headers(self, extra):
        h = {"Accept": "text/html"}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        h.update(extra or {})
        return h

    def _keep(self, r):
        for k, v in r.headers:
            if k.lower() != "set-cookie":
                continue
            name, _, rest = v.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in v:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return r

    def get(self, path, headers=None):
        return self._keep(request(self.base + path, headers=self._headers(headers)))

    def post(self, path, fields, headers=None, origin=True):
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        if origin:
            h["Origin"] = self.origin
            h["Sec-Fetch-Site"] = "same-origin"
        h.update(headers or {})
        body = urllib.parse.urlencode(fields)
        return self._keep(request(self.base + path, method="POST", body=body,
                                  headers=self._headers(h)))

    def login(self, email, password):
        # The form as a signed-out browser gets it (signed in, GET /login
        # redirects); the POST then presents every cookie held, sid included.
        held = self.cookies.pop("__Host-sid", None)
        page = self.get("/login")
        if held is not None:
            self.cookies["__Host-sid"] = held
        assert page.status == 200
        return self.post("/login", {"csrf": form_token(page.body, "/login"),
                                    "email": email, "password": password})

    def csrf(self, path="/users", action="/users"):
        return form_token(self.get(path).body, action)
