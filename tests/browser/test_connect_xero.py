"""Connecting Xero in a real browser: sign in, press Connect Xero, approve on
the Xero simulator's consent page, choose the organisation, land on the
link with a message; Xero's denial; the disconnect confirmation. Keyboard
and labels on the pages this flow adds; a screenshot of each."""
import configparser
import json
import urllib.request
import uuid

import psycopg2
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CONFIG
from test_home import admin, sign_in  # noqa: F401 (a fixture and a helper shared with test_home)


def _config():
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(CONFIG)
    return cp


@pytest.fixture
def db():
    conn = psycopg2.connect(_config()["database"]["dsn"])
    conn.autocommit = True
    yield conn
    conn.cursor().execute("DELETE FROM link WHERE xero_grant_id IS NOT NULL OR xero_user_id IS NOT NULL"
                          " OR xero_tenant_name LIKE 'Browser Org %'")
    conn.close()


@pytest.fixture
def tenant():
    """A fresh organisation in the Xero simulator: (id, name)."""
    name = "Browser Org %s" % uuid.uuid4().hex[:6]
    url = _config()["xero"]["api_url"].rstrip("/") + "/_sim/tenants"
    req = urllib.request.Request(url, data=json.dumps({"name": name}).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["tenantId"], name


def labelled(browser, ids):
    for i in ids:
        label = browser.find_element(By.CSS_SELECTOR, "label[for='%s']" % i)
        assert label.text.strip(), i


def only_tick(browser, tenant_id):
    """On the simulator's consent page (it lists every organisation): tick this one only."""
    browser.execute_script(
        "document.querySelectorAll(\"input[name='tenant']\").forEach("
        "b => { b.checked = b.value === arguments[0]; })", tenant_id)
    assert browser.find_element(By.CSS_SELECTOR, "input[value='%s']" % tenant_id).is_selected()


def wait_path(browser, base_url, path_start, timeout=10):
    """Waits until the browser is at base_url + a path starting with path_start."""
    WebDriverWait(browser, timeout).until(lambda b: b.current_url.startswith(base_url + path_start))
    return browser.current_url


def at_consent(browser, timeout=10):
    """Waits for the simulator's consent page."""
    WebDriverWait(browser, timeout).until(lambda b: b.find_elements(By.ID, "approve"))
    assert "/identity/connect/authorize" in browser.current_url


def enter(browser, base_url, admin):
    sign_in(browser, base_url, *admin)
    WebDriverWait(browser, 10).until(lambda b: b.current_url == base_url + "/")


def test_connect_xero_from_the_dashboard(browser, base_url, admin, db, tenant, screenshot):
    enter(browser, base_url, admin)
    # From the keyboard: open the permissions, check the recommended set, back to the button.
    active = lambda: browser.switch_to.active_element.get_attribute("id")  # noqa: E731
    browser.find_element(By.ID, "scopes-toggle").send_keys(Keys.ENTER)
    labelled(browser, ("scopes-granular", "scopes-legacy"))
    assert browser.find_element(By.ID, "scopes-granular").is_selected()
    screenshot("xero-connect-dashboard")
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert active() == "scopes-granular"
    browser.switch_to.active_element.send_keys(Keys.SPACE)
    for _ in range(2):
        ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    assert active() == "connect-xero"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    at_consent(browser)
    assert "Organisations" in browser.page_source
    only_tick(browser, tenant[0])
    screenshot("xero-consent-simulator")
    browser.find_element(By.ID, "approve").click()
    # Back from Xero, on a URL without the code.
    assert wait_path(browser, base_url, "/connect/xero/choose") == base_url + "/connect/xero/choose"
    assert tenant[1] in browser.find_element(By.TAG_NAME, "main").text
    box = browser.find_element(By.CSS_SELECTOR, "input[name='tenant'][value='%s']" % tenant[0])
    assert box.is_selected()  # the only one, ticked
    labelled(browser, ("org-" + tenant[0],))
    screenshot("xero-choose")
    # Keyboard: the checkbox, then Tab to the submit button.
    box.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "choose-submit"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_path(browser, base_url, "/links/")
    cur = db.cursor()
    cur.execute("SELECT id, name, xero_connection_id IS NOT NULL FROM link WHERE xero_tenant_id = %s",
                (tenant[0],))
    rows = cur.fetchall()
    assert len(rows) == 1 and rows[0][1] == tenant[1] and rows[0][2]
    link_id = rows[0][0]
    assert browser.current_url == "%s/links/%d?m=xero_connected" % (base_url, link_id)
    assert "Xero is connected" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    cur.execute("SELECT count(*) FROM credential WHERE link_id = %s AND vendor = 'xero'", (link_id,))
    assert cur.fetchone()[0] == 1

    # The disconnect confirmation names what happens; keep is the default.
    browser.get("%s/links/%d/disconnect" % (base_url, link_id))
    main = browser.find_element(By.TAG_NAME, "main").text
    assert tenant[1] in main and "destroyed" in main
    labelled(browser, ("data-keep", "data-purge"))
    assert browser.find_element(By.ID, "data-keep").is_selected()
    screenshot("xero-disconnect")
    browser.find_element(By.ID, "data-keep").send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "disconnect"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert wait_path(browser, base_url, "/links/%d?m=" % link_id).endswith("m=xero_disconnected")
    assert "disconnected from Xero" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    cur.execute("SELECT count(*) FROM credential WHERE link_id = %s AND vendor = 'xero'", (link_id,))
    assert cur.fetchone()[0] == 0


def test_denying_on_xeros_page_explains_and_offers_to_start_again(browser, base_url, admin, db,
                                                                   tenant, screenshot):
    enter(browser, base_url, admin)
    browser.find_element(By.ID, "connect-xero").click()
    at_consent(browser)
    browser.find_element(By.ID, "deny").click()
    wait_path(browser, base_url, "/oauth/xero/callback?error=access_denied")
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "not allowed" in main and "start again" in main.lower()
    assert browser.find_element(By.ID, "connect-xero").is_displayed()
    screenshot("xero-denied")
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM link WHERE xero_tenant_id = %s", (tenant[0],))
    assert cur.fetchone()[0] == 0


def test_choose_without_a_tick_names_the_field(browser, base_url, admin, db, tenant, screenshot):
    enter(browser, base_url, admin)
    browser.find_element(By.ID, "connect-xero").click()
    at_consent(browser)
    only_tick(browser, tenant[0])
    browser.find_element(By.ID, "approve").click()
    wait_path(browser, base_url, "/connect/xero/choose")
    browser.find_element(By.CSS_SELECTOR, "input[name='tenant'][value='%s']" % tenant[0]).click()
    browser.find_element(By.ID, "choose-submit").click()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "choose-error"))
    assert "Organisations: tick at least one" in browser.find_element(By.ID, "choose-error").text
    assert browser.find_element(By.TAG_NAME, "fieldset").get_attribute("aria-invalid") == "true"
    assert not browser.find_element(By.CSS_SELECTOR, "input[name='tenant']").is_selected()  # kept as sent
    screenshot("xero-choose-error")
