"""Connecting HubSpot in a real browser: enter a HubSpot token on the link's
HubSpot page, test both connections, bootstrap the properties, and connect
with HubSpot sign-in on the simulator's consent page; a screenshot of every
page. The link and its Xero sign-in are made as tests/sim/demo.py makes them
(the CLI and the simulators' control endpoints)."""
import configparser
import json
import os
import random
import re
import subprocess
import urllib.request
import uuid

import psycopg2
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CONFIG, ROOT
from pages import click_and_wait
from test_home import sign_in as signed_in

BUILD = os.environ.get("XHSYNC_TEST_BUILD", os.path.join(ROOT, "build", "asan"))


def cfg():
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(CONFIG)
    return cp


def xhsync(*args, stdin=None):
    return subprocess.run([os.path.join(BUILD, "xhsync"), "-c", CONFIG] + list(args),
                          capture_output=True, text=True, check=True, input=stdin,
                          env=dict(os.environ, XHSYNC_SQL_DIR=os.path.join(ROOT, "sql"))).stdout


def sim(base, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def sql(query, args=()):
    conn = psycopg2.connect(cfg()["database"]["dsn"])
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchone()[0] if cur.description else None
    finally:
        conn.close()


@pytest.fixture(scope="module")
def admin():
    email = "hubs-browser-%s@example.com" % uuid.uuid4().hex[:8]
    out = xhsync("user", "add", email)
    return email, re.search(r"^password:\s*(\S+)", out, re.M).group(1)


@pytest.fixture(scope="module")
def portal():
    """A fresh portal of the HubSpot simulator and a static token for it."""
    hs = cfg()["hubspot"]["api_url"].rstrip("/")
    pid = random.randint(20_000_000, 99_999_999)
    sim(hs, "/_sim/portal", {"portal_id": pid})
    return hs, pid, sim(hs, "/_sim/tokens", {"kind": "static", "portal_id": pid})["token"]


def xero_link(name):
    """A link (paused: the worker leaves it alone) with a Xero sign-in, as demo.py makes it."""
    xero = cfg()["xero"]["api_url"].rstrip("/")
    tenant = sim(xero, "/_sim/tenants", {"name": name})["tenantId"]
    tok = sim(xero, "/_sim/tokens", {"tenantId": tenant})
    link = xhsync("link", "add", name).strip()
    xhsync("link", "set", link, "xero_tenant_id=%s" % tenant)
    xhsync("link", "set", link, "status=paused")
    xhsync("credential", "set", link, "xero", stdin=json.dumps({
        "access_token": tok["access_token"], "refresh_token": tok["refresh_token"],
        "tenant_id": tenant, "expires_at": 4102444800}))
    return int(link)


def whole(browser, screenshot, name):
    """A screenshot of the whole page, not only what fits the window."""
    h = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, max(900, min(h + 140, 4000)))
    try:
        return screenshot(name)
    finally:
        browser.set_window_size(1280, 900)


def submit(browser, form):
    """Clicks the button of the form matching the CSS selector and waits for the next page."""
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, form + " button"), 25)


def sign_in(browser, base_url, email, password):
    # sign-in failures of earlier browser tests (all from 127.0.0.1) must not throttle this one
    sql("DELETE FROM login_throttle")
    signed_in(browser, base_url, email, password)
    WebDriverWait(browser, 10).until(lambda d: d.current_url == base_url + "/")


def test_enter_token_test_both_and_bootstrap(browser, base_url, admin, portal, screenshot):
    _, pid, token = portal
    link = xero_link("Browser Widgets Ltd")
    sign_in(browser, base_url, *admin)
    browser.get(base_url + "/links/%d/hubspot" % link)
    assert "HubSpot for Browser Widgets Ltd" in browser.find_element(By.TAG_NAME, "h1").text
    for field in ("token", "portal", "client_secret", "client_id"):
        assert browser.find_element(By.CSS_SELECTOR, "label[for='%s']" % field).text.strip()
    whole(browser, screenshot, "hubspot-connect")

    # a wrong token first: the error names the field and the token is not put back
    browser.find_element(By.CSS_SELECTOR, "input[name=kind][value=private]").click()
    browser.find_element(By.ID, "token").send_keys("pat-na1-%s" % uuid.uuid4())
    submit(browser, "form[action$='/hubspot/token']")
    err = browser.find_element(By.ID, "token-error").text
    assert "Access token:" in err and "not active" in err
    assert browser.find_element(By.ID, "token").get_attribute("value") == ""
    assert browser.find_element(By.CSS_SELECTOR, "input[name=kind][value=private]").is_selected()
    assert browser.find_element(By.ID, "token").get_attribute("aria-invalid") == "true"
    whole(browser, screenshot, "hubspot-token-refused")

    browser.find_element(By.ID, "token").send_keys(token)
    submit(browser, "form[action$='/hubspot/token']")
    assert "connected to portal %d" % pid in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    assert token not in browser.page_source
    whole(browser, screenshot, "hubspot-connected")

    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Test both connections"))
    submit(browser, "form[action$='/test']")
    xero = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=xero-result]").text
    hub = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=hubspot-result]").text
    assert "Works" in xero and "Browser Widgets Ltd" in xero
    assert "Works" in hub and str(pid) in hub
    whole(browser, screenshot, "link-test")

    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Prepare HubSpot properties"))
    whole(browser, screenshot, "bootstrap-before")
    submit(browser, "form[action$='/bootstrap']")
    assert "has every property" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    outcomes = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "tbody .badge")]
    assert outcomes and all(o in ("Created", "Already there") for o in outcomes)
    assert "Created" in outcomes
    whole(browser, screenshot, "bootstrap-done")


def test_connect_with_hubspot_sign_in(browser, base_url, admin, portal, screenshot):
    hs, pid, _ = portal
    link = xero_link("Browser OAuth Ltd")
    sign_in(browser, base_url, *admin)
    browser.get(base_url + "/links/%d/hubspot" % link)
    submit(browser, "form[action$='/hubspot/oauth']")
    # the simulator's consent page: choose our portal and connect
    WebDriverWait(browser, 10).until(lambda d: d.current_url.startswith(hs + "/oauth/authorize"))
    assert "Connect" in browser.find_element(By.TAG_NAME, "h1").text
    browser.find_element(By.CSS_SELECTOR, "input[name=portal_id][value='%d']" % pid).click()
    whole(browser, screenshot, "hubspot-oauth-consent")
    browser.find_element(By.ID, "approve").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.startswith(base_url))
    if browser.find_elements(By.ID, "continue"):  # the cookie stayed behind (cross-site)
        whole(browser, screenshot, "hubspot-oauth-continue")
        click_and_wait(browser, browser.find_element(By.ID, "continue"))
    assert browser.current_url.endswith("/links/%d/hubspot?m=hubspot_connected" % link)
    assert "HubSpot is connected" in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    assert "OAuth" in browser.find_element(By.CSS_SELECTOR, "dl.status").text
    assert sql("SELECT hubspot_portal_id FROM link WHERE id = %s", (link,)) == pid
    whole(browser, screenshot, "hubspot-oauth-connected")



def test_problems_read_plainly(browser, base_url, admin, screenshot):
    """A revoked Xero sign-in, a token lacking scopes and a conflicting property."""
    hs = cfg()["hubspot"]["api_url"].rstrip("/")
    xero = cfg()["xero"]["api_url"].rstrip("/")
    pid = random.randint(20_000_000, 99_999_999)
    sim(hs, "/_sim/portal", {"portal_id": pid})
    sim(hs, "/_sim/seed", {"portal_id": pid, "groups": {"companies": [{"name": "theirs", "label": "Theirs"}]},
                           "properties": {"companies": [{"name": "xero_contact_id", "label": "Their id",
                                                         "type": "string", "fieldType": "text",
                                                         "groupName": "theirs"}]}})
    token = sim(hs, "/_sim/tokens", {"kind": "static", "portal_id": pid, "scopes": [
        "crm.objects.companies.read", "crm.objects.companies.write", "crm.schemas.companies.write",
        "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.schemas.contacts.write"]})["token"]
    link = xero_link("Browser Problems Ltd")
    sign_in(browser, base_url, *admin)
    browser.get(base_url + "/links/%d/hubspot" % link)
    browser.find_element(By.CSS_SELECTOR, "input[name=kind][value=service]").click()
    browser.find_element(By.ID, "token").send_keys(token)
    submit(browser, "form[action$='/hubspot/token']")
    warnings = " ".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, ".flash.warn"))
    assert "lacks permissions" in warnings and "uses a service key" in warnings
    whole(browser, screenshot, "hubspot-token-scopes")

    tenant = sql("SELECT xero_tenant_id::text FROM link WHERE id = %s", (link,))
    sim(xero, "/_sim/tenants/%s/disconnect" % tenant, {})
    browser.get(base_url + "/links/%d/test" % link)
    submit(browser, "form[action$='/test']")
    xs = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=xero-result]").text
    hub = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=hubspot-result]").text
    assert "Reconnect Xero" in xs
    assert "Missing scopes" in hub and "crm.objects.invoices.write" in hub
    whole(browser, screenshot, "link-test-problems")

    # a token with every scope, so the bootstrap can read each object's properties
    full = sim(hs, "/_sim/tokens", {"kind": "static", "portal_id": pid})["token"]
    browser.get(base_url + "/links/%d/hubspot" % link)
    browser.find_element(By.CSS_SELECTOR, "input[name=kind][value=service]").click()
    browser.find_element(By.ID, "token").send_keys(full)
    submit(browser, "form[action$='/hubspot/token']")
    assert "accepted the token" in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    browser.get(base_url + "/links/%d/bootstrap" % link)
    submit(browser, "form[action$='/bootstrap']")
    page = browser.find_element(By.TAG_NAME, "main").text
    assert "Conflict" in page and "without unique values" in page
    whole(browser, screenshot, "bootstrap-conflict")
