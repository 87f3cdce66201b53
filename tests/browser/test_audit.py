"""The audit browser in a real browser: find an invoice by its number, open
its entry, see what the push changed (before -> after), replay it, export
the filter as CSV; screenshots of every page."""
import csv
import io
import os
import re
import sys
import urllib.request
import uuid

import psycopg2
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CONFIG, ROOT
from pages import click_and_wait

sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from audit_support import StackLink, cli, q, read_config  # noqa: E402


@pytest.fixture(scope="module")
def db():
    conn = psycopg2.connect(read_config(CONFIG)["database"]["dsn"])
    conn.autocommit = True
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def edited(db):
    """A pushed organisation whose first invoice's reference changed once in Xero."""
    s = StackLink(db)
    s.sync()
    ids = {r[0] for r in q(db, "SELECT xero_id::text FROM hubspot_ref WHERE link_id = %s"
                               " AND object = 'invoice' AND hubspot_id IS NOT NULL", (s.link,))}
    inv = [i for i in s.org["Invoices"] if i["InvoiceID"].lower() in ids][0]
    s.new_ref = "Browser check %s" % uuid.uuid4().hex[:6]
    s.xero.post("/_sim/objects/%s/Invoices" % s.tenant,
                {"InvoiceID": inv["InvoiceID"], "Reference": s.new_ref})
    s.sync()
    s.invoice = inv
    yield s
    s.close()


@pytest.fixture(scope="module")
def admin():
    email = "audit-browser-%s@example.com" % uuid.uuid4().hex[:8]
    out = cli("user", "add", email)
    assert out.returncode == 0, out.stderr
    return email, re.search(r"^password:\s*(\S+)", out.stdout, re.M).group(1)


def sign_in(browser, base_url, admin):
    browser.delete_all_cookies()
    browser.get(base_url + "/login")
    browser.find_element(By.ID, "email").send_keys(admin[0])
    browser.find_element(By.ID, "password").send_keys(admin[1])
    browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    WebDriverWait(browser, 10).until(lambda b: b.current_url == base_url + "/")


def test_find_an_invoice_by_number_see_the_diff_replay_and_export(browser, base_url, admin,
                                                                   edited, screenshot, db):
    q(db, "DELETE FROM login_throttle")
    sign_in(browser, base_url, admin)
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "Audit"))
    assert browser.current_url == base_url + "/audit"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Audit trail"
    screenshot("audit")

    number = edited.invoice["InvoiceNumber"]
    browser.find_element(By.ID, "f-record").send_keys(number)
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda b: "record=" in b.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "table.audit tbody tr")
    assert rows and all(number in r.text for r in rows)
    assert browser.find_element(By.ID, "f-record").get_attribute("value") == number
    screenshot("audit-filtered")

    nrows = len(rows)
    rows[0].find_element(By.CSS_SELECTOR, "a").click()  # the newest: the edit's write
    WebDriverWait(browser, 10).until(lambda b: re.search(r"/audit/\d+$", b.current_url))
    diff = browser.find_element(By.CSS_SELECTOR, "table.diff")
    ref = [tr for tr in diff.find_elements(By.CSS_SELECTOR, "tbody tr")
           if "xero_reference" in tr.text]
    assert ref and edited.new_ref in ref[0].find_element(By.CSS_SELECTOR, "td.after").text
    assert browser.find_element(By.LINK_TEXT, "Open in Xero").get_attribute("href").endswith(
        edited.invoice["InvoiceID"].lower())
    screenshot("audit-entry")

    before = len(edited.writes())
    browser.find_element(By.XPATH, "//button[normalize-space()='Replay this record']").click()
    WebDriverWait(browser, 10).until(lambda b: "replayed=1" in b.current_url)
    assert "queued to be pushed to HubSpot again" in browser.find_element(
        By.CSS_SELECTOR, ".flash.ok").text
    screenshot("audit-replayed")
    edited.settle()
    assert len(edited.writes()) > before

    # Export the filter as CSV with the browser's own session.
    browser.get(base_url + "/audit?record=" + number)
    href = browser.find_element(By.LINK_TEXT, "Export CSV").get_attribute("href")
    cookie = "; ".join("%s=%s" % (c["name"], c["value"]) for c in browser.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(href, headers={"Cookie": cookie}),
                                timeout=20) as r:
        assert r.headers["Content-Type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(r.read().decode(), newline="")))
    assert table and all(row["number_or_name"] == number for row in table)
    assert len(table) == nrows + 1  # and the replay's write


def test_a_bad_filter_is_named_and_kept(browser, base_url, admin, screenshot, db):
    q(db, "DELETE FROM login_throttle")
    sign_in(browser, base_url, admin)
    browser.get(base_url + "/audit?hubspot_id=12ab&record=%3Cscript%3Ex%3C%2Fscript%3E")
    err = browser.find_element(By.ID, "filter-error")
    assert "HubSpot id" in err.text
    field = browser.find_element(By.ID, "f-hubspot")
    assert field.get_attribute("aria-invalid") == "true" and field.get_attribute("value") == "12ab"
    assert browser.find_element(By.ID, "f-record").get_attribute("value") == "<script>x</script>"
    screenshot("audit-bad-filter")
