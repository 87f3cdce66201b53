"""Sync health, webhook deliveries and link settings in a real browser,
against the full stack: a record is broken on the HubSpot simulator (its
property removed), the admin sees it failing with HubSpot's message, the
property comes back, the admin presses Retry and sees it in sync."""
import os
import sys
import time
import urllib.request
import uuid

import psycopg2
import pytest
from selenium.webdriver.common.by import By

from conftest import ROOT
from pages import click_and_wait
from test_home import admin, sign_in  # noqa: F401  (the module's admin fixture)

sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from health_support import SyncedLink, cli_ok, stack_config, xero_delivery  # noqa: E402


@pytest.fixture(scope="module")
def db():
    conn = psycopg2.connect(stack_config()["database"]["dsn"])
    conn.autocommit = True
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def s(db):
    link = SyncedLink(db, name="Acme Ltd (demo)")
    yield link
    link.close()


@pytest.fixture
def tall(browser):
    """A taller window, so a screenshot holds the whole page."""
    browser.set_window_size(1280, 1700)
    yield
    browser.set_window_size(1280, 900)


def signed_in(browser, base_url, admin):
    """Signs in and waits for the dashboard, so the next page is not raced by the redirect."""
    sign_in(browser, base_url, *admin)
    deadline = time.monotonic() + 10
    while browser.current_url != base_url + "/" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert browser.current_url == base_url + "/"


def press(browser, button):
    """Clicks a submit button and waits for the page the form leads to."""
    click_and_wait(browser, button)


def wait_text(browser, text, timeout=30, reload=True):
    deadline = time.monotonic() + timeout
    while True:
        if text in browser.find_element(By.TAG_NAME, "main").text:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
        if reload:
            browser.refresh()


def test_a_broken_record_shows_in_health_and_retry_puts_it_in_sync(browser, base_url, admin, s,
                                                                    screenshot, tall):
    signed_in(browser, base_url, admin)
    ids = s.break_invoices(1, "from the browser")
    number = [i["InvoiceNumber"] for i in s.org["Invoices"] if i["InvoiceID"].lower() == ids[0]][0]
    browser.get(base_url + "/links/%d/health" % s.link)
    main = browser.find_element(By.TAG_NAME, "main")
    assert "Sync health" in browser.title
    assert 'Property "xero_reference" does not exist' in main.text
    row = browser.find_element(By.XPATH, "//tr[td[text()='%s']]" % number)
    xero = row.find_element(By.LINK_TEXT, "Xero").get_attribute("href")
    assert xero.endswith("InvoiceID=" + ids[0])
    assert "/record/0-53/" in row.find_element(By.LINK_TEXT, "HubSpot").get_attribute("href")
    screenshot("health-failing")

    s.restore_reference_property()
    press(browser, row.find_element(By.CSS_SELECTOR, "button"))
    assert "Queued" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    assert wait_text(browser, "No record is failing.")
    assert s.hubspot_reference(ids[0]) == "from the browser 0"
    screenshot("health")


def post(url, body, headers):
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_deliveries_page_shows_a_verified_and_a_refused_delivery(browser, base_url, admin, s,
                                                                 screenshot, tall):
    key, label = "k-" + uuid.uuid4().hex, "browser-" + uuid.uuid4().hex[:8]
    cli_ok("webhook", "key", "add", "xero", label, input=key + "\n")
    try:
        body, sig = xero_delivery(key, s.tenant, s.org["Contacts"][1]["ContactID"])
        hook = base_url + "/webhooks/xero"
        assert post(hook, body, {"Content-Type": "application/json",
                                 "x-xero-signature": sig}) == 200
        assert post(hook, b'{"events": "<script>alert(1)</script>"}',
                    {"Content-Type": "application/json", "x-xero-signature": "Zm9yZ2Vk"}) == 401
    finally:
        cli_ok("webhook", "key", "remove", "xero", label)
    signed_in(browser, base_url, admin)
    browser.get(base_url + "/deliveries")
    assert "Webhook deliveries" in browser.title
    nav = browser.find_element(By.CSS_SELECTOR, "nav[aria-label='Main'] a[aria-current='page']")
    assert nav.text == "Webhooks"
    rows = browser.find_elements(By.CSS_SELECTOR, "table.deliveries tbody tr")
    assert "refused" in rows[0].text and "verified" in rows[1].text
    assert "CONTACT UPDATE" in rows[1].text and "xero.fetch" in rows[1].text
    assert browser.execute_script("return document.querySelectorAll('main script').length") == 0
    s.settle()
    screenshot("deliveries")


def test_settings_name_a_bad_value_inline_and_save_a_good_one(browser, base_url, admin, s,
                                                              screenshot, tall):
    signed_in(browser, base_url, admin)
    browser.get(base_url + "/links/%d/settings" % s.link)
    assert "Link settings" in browser.title
    box = browser.find_element(By.ID, "f-poll_interval_s")
    box.clear()
    box.send_keys("60")
    browser.find_element(By.ID, "f-secret.hubspot_client_secret").send_keys("not-shown-again")
    press(browser, browser.find_element(By.CSS_SELECTOR, "form.settings button[type=submit]"))
    err = browser.find_element(By.ID, "e-poll_interval_s")
    assert err.text.startswith("Poll interval (seconds) is a whole number from 300 to 86400")
    assert browser.find_element(By.ID, "f-poll_interval_s").get_attribute("value") == "60"
    assert browser.find_element(By.ID, "f-poll_interval_s").get_attribute("aria-invalid") == "true"
    assert "not-shown-again" not in browser.page_source
    top = browser.find_element(By.CSS_SELECTOR, "#form-error a")
    assert top.get_attribute("href").endswith("#f-poll_interval_s")
    screenshot("settings-invalid")
    box = browser.find_element(By.ID, "f-poll_interval_s")
    box.clear()
    box.send_keys("1800")
    secret = browser.find_element(By.ID, "f-secret.hubspot_client_secret")
    assert secret.get_attribute("value") == ""  # a refused form does not keep a secret
    secret.send_keys("not-shown-again")
    press(browser, browser.find_element(By.CSS_SELECTOR, "form.settings button[type=submit]"))
    assert "The settings were saved." in browser.find_element(By.CSS_SELECTOR, ".flash").text
    assert browser.find_element(By.ID, "f-poll_interval_s").get_attribute("value") == "1800"
    state = browser.find_element(By.CSS_SELECTOR, "#f-secret\\.hubspot_client_secret")\
        .find_element(By.XPATH, "preceding-sibling::p[1]")
    assert state.find_element(By.CSS_SELECTOR, ".badge").text == "set"
    assert "not-shown-again" not in browser.page_source
    browser.set_window_size(1280, 3000)
    screenshot("settings")
