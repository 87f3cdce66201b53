"""Links for the dashboard tests, made the way tests/sim/demo.py makes one:
the xhsync CLI and the simulators' /_sim/ control endpoints only. Each link
gets its own Xero organisation (seeded from tests/sim/xero_data.py) and its
own HubSpot portal on the test stack's simulators, so tests do not share
data. Used by tests/integration and tests/browser alike (no conftest import)."""
import configparser
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid

ROOT = os.environ.get("XHSYNC_TEST_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("XHSYNC_TEST_BUILD", os.path.join(ROOT, "build", "asan"))
CONFIG = os.environ.get("XHSYNC_TEST_CONFIG", os.path.join(ROOT, ".run", "test", "xhsync.conf"))
RUN = os.path.dirname(CONFIG)

sys.path.insert(0, os.path.join(ROOT, "tests", "sim"))
import xero_data  # noqa: E402
from demo import Demo  # noqa: E402

SMALL = dict(contacts=30, invoices=80, payments=30, credit_notes=5, items=8)


def config():
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(CONFIG)
    return cp


def cli(*args, input=None, check=True):
    out = subprocess.run([os.path.join(BUILD, "xhsync"), "-c", CONFIG] + list(args),
                         capture_output=True, text=True, input=input, timeout=120,
                         env=dict(os.environ, XHSYNC_SQL_DIR=os.path.join(ROOT, "sql")))
    if check:
        assert out.returncode == 0, (args, out.stdout, out.stderr)
    return out


call = Demo.call  # a simulator control call: (base, method, path, body)


def connect_xero(link, sizes=SMALL, seed=None):
    """Seeds a new organisation and gives the link its Xero credential; returns the tenant."""
    cp = config()
    xero = cp["xero"]["api_url"].rstrip("/")
    tenant = str(uuid.uuid4())
    org = xero_data.generate(seed=seed if seed is not None else random.randint(1, 10 ** 6),
                             **sizes)
    org["Organisation"]["OrganisationID"] = tenant
    call(xero, "POST", "/_sim/seed", dict(org, tenantId=tenant))
    tok = call(xero, "POST", "/_sim/tokens", {"tenantId": tenant})
    payload = {"access_token": tok["access_token"], "tenant_id": tenant,
               "refresh_token": tok["refresh_token"],
               "expires_at": int(time.time()) + int(tok.get("expires_in", 1800))}
    cli("credential", "set", str(link), "xero", input=json.dumps(payload))
    cli("link", "set", str(link), "xero_tenant_id=%s" % tenant)
    return tenant, org


def connect_hubspot(link, bootstrap=True):
    """A new portal on the HubSpot simulator, its static token, and the bootstrap."""
    hs = config()["hubspot"]["api_url"].rstrip("/")
    portal = random.randint(30000000, 99999999)
    call(hs, "POST", "/_sim/portal", {"portal_id": portal, "tier": "starter"})
    tok = call(hs, "POST", "/_sim/tokens", {"kind": "static", "portal_id": portal})
    cli("hubspot", "token", str(link), "--kind", "private", "--portal", str(tok["portal_id"]),
        input=tok["token"] + "\n")
    if bootstrap:
        cli("hubspot", "bootstrap", str(link))
    return tok["portal_id"]


MADE = []


def make_link(name=None, sizes=SMALL, hubspot=True, bootstrap=True):
    """A link in setup with both sides connected (as far as asked); returns a dict.
    cleanup() deletes every link made so."""
    name = name or "Dash %s" % uuid.uuid4().hex[:8]
    link = int(cli("link", "add", name).stdout.strip())
    MADE.append(link)
    tenant, org = connect_xero(link, sizes)
    portal = connect_hubspot(link, bootstrap) if hubspot else None
    return {"id": link, "name": name, "tenant": tenant, "portal": portal, "org": org}


def cleanup():
    """Deletes the links make_link made (their jobs, mirror and audit links go too)."""
    import psycopg2
    if not MADE:
        return
    conn = psycopg2.connect(config()["database"]["dsn"])
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DELETE FROM link WHERE id = ANY(%s)", (list(MADE),))
    conn.close()
    del MADE[:]


def link_show(link):
    """`xhsync link show`'s per-object table as {object: {column: int}}."""
    out = cli("link", "show", str(link)).stdout
    lines = out.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("OBJECT"))
    cols = ["mirrored", "synced", "pending", "failed", "excluded"]
    table = {}
    for ln in lines[head + 1:]:
        parts = ln.split()
        if len(parts) == 6:
            table[parts[0]] = dict(zip(cols, map(int, parts[1:])))
    return table


# ---- the test stack's worker ----

def worker_pidfile():
    return os.path.join(RUN, "pid", "worker.pid")


def stop_worker():
    """Stops the stack's worker (SIGTERM, as ./dev does) and waits for it to exit."""
    with open(worker_pidfile()) as f:
        pid = int(f.read().strip())
    os.kill(pid, signal.SIGTERM)
    for _ in range(300):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        time.sleep(0.1)
    raise AssertionError("worker %d did not stop" % pid)


def start_worker():
    """Starts the stack's worker again, with its pid file, so ./dev stops it later."""
    log = open(os.path.join(RUN, "log", "worker.log"), "ab")
    p = subprocess.Popen([os.path.join(BUILD, "xhsync-worker"), "-c", CONFIG], stdout=log,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    with open(worker_pidfile(), "w") as f:
        f.write("%d\n" % p.pid)
    return p.pid


def csrf_of(body):
    text = body.decode() if isinstance(body, bytes) else body
    m = re.search(r'name="csrf" value="([^"]*)"', text)
    assert m, "no csrf field on the page"
    return m.group(1)
