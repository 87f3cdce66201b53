"""The field-mapping editor in a real browser against the whole test stack:
open a link's mappings, edit a rule, preview it on a mirrored invoice, see
an invalid rule refused, save, and watch the re-push reach the HubSpot
simulator. Screenshots of each page go to .run/test/screenshots/."""
import configparser
import os
import re
import sys
import time

import psycopg2
import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import CONFIG, ROOT
from pages import replaced
from test_home import admin, sign_in  # noqa: F401 (admin is a fixture)

sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from mapping_support import MapLink  # noqa: E402
from jobs_support import wait_for  # noqa: E402


@pytest.fixture(scope="module")
def stack():
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(CONFIG)
    return cp


@pytest.fixture(scope="module")
def ml(stack):
    conn = psycopg2.connect(stack["database"]["dsn"])
    conn.autocommit = True
    m = MapLink(conn, stack["xero"]["api_url"].rstrip("/"), stack["hubspot"]["api_url"].rstrip("/"))
    yield m
    m.close()
    conn.close()


def full(browser, screenshot, name):
    """A screenshot of the whole page (the window made as tall as the page)."""
    size = browser.get_window_size()
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(size["width"], min(max(height, size["height"]), 6000))
    screenshot(name)
    browser.set_window_size(size["width"], size["height"])


def go(browser, by, what):
    """Clicks the element found by (by, what) and waits until the page it leads
    to replaced this one; finds it again if the page was still settling."""
    for attempt in range(3):
        old = browser.find_element(By.TAG_NAME, "html")
        try:
            browser.find_element(by, what).click()
            break
        except WebDriverException:
            if attempt == 2:
                raise
            time.sleep(0.5)
    WebDriverWait(browser, 15).until(lambda d: replaced(old))


def fill(browser, field, value):
    el = browser.find_element(By.ID, field)
    el.clear()
    el.send_keys(value)


def test_edit_preview_save_and_see_the_re_push(browser, base_url, admin, ml, screenshot):
    inv, hid = ml.pushed_invoice()
    number = inv["InvoiceNumber"]
    sign_in(browser, base_url, *admin)
    assert wait_for(lambda: browser.current_url == base_url + "/", timeout=10, interval=0.2)

    browser.get(base_url + "/links/%d/mappings" % ml.link)
    assert "Field mappings" in browser.find_element(By.TAG_NAME, "h1").text
    screenshot("mappings")
    go(browser, By.LINK_TEXT, "Invoices")
    assert browser.current_url.endswith("/links/%d/mappings/invoice" % ml.link)

    # the first visit asks the worker for the portal's properties
    def listed():
        browser.refresh()
        return browser.find_elements(By.CSS_SELECTOR, "select#target option[value='xero_reference']")
    assert wait_for(listed, timeout=30, interval=1)
    assert "properties of the portal, read" in browser.find_element(By.CSS_SELECTOR, ".props").text
    full(browser, screenshot, "mapping-invoice")

    go(browser, By.CSS_SELECTOR, "a[href$='?edit=xero_reference#edit']")
    assert Select(browser.find_element(By.ID, "target")).first_selected_option.get_attribute(
        "value") == "xero_reference"
    assert browser.find_element(By.ID, "source").get_attribute("value") == "Reference"
    fill(browser, "source", "InvoiceNumber")
    fill(browser, "transform", "format:REF-{}")
    fill(browser, "record", number)
    go(browser, By.ID, "preview-button")
    changed = browser.find_element(By.CSS_SELECTOR, "#preview tr.changed")
    assert "xero_reference" in changed.text and "REF-" + number in changed.text
    assert browser.find_element(By.ID, "transform").get_attribute("value") == "format:REF-{}"
    browser.execute_script("document.getElementById('preview').scrollIntoView()")
    screenshot("mapping-preview")

    fill(browser, "transform", "format:REF-{")
    go(browser, By.ID, "save-button")
    err = browser.find_element(By.ID, "transform-error")
    assert err.text.startswith("Transform:")
    assert browser.find_element(By.ID, "source").get_attribute("value") == "InvoiceNumber"
    browser.execute_script("document.getElementById('edit').scrollIntoView()")
    screenshot("mapping-invalid")
    assert ml.one("SELECT count(*) FROM field_mapping WHERE link_id = %s", (ml.link,)) == 0

    fill(browser, "transform", "format:REF-{}")
    go(browser, By.ID, "save-button")
    saved = browser.find_element(By.ID, "saved").text
    assert "Saved: xero_reference now comes from InvoiceNumber | format:REF-{}." in saved
    assert re.search(r"\d+ record\(s\) will be written to HubSpot again", saved)
    full(browser, screenshot, "mapping-saved")

    want = "REF-" + number
    assert wait_for(lambda: ml.hubspot_invoice(hid)["properties"].get("xero_reference") == want,
                    timeout=60, interval=0.5)

    def up_to_date():
        browser.get(base_url + "/links/%d/mappings/invoice" % ml.link)
        return "up to date with this mapping" in browser.find_element(By.ID, "repush-status").text
    assert wait_for(up_to_date, timeout=60, interval=1)
    screenshot("mapping-repushed")

    browser.get(base_url + "/links/%d/mappings" % ml.link)
    assert "xero_reference \u2190 InvoiceNumber | format:REF-{}" in browser.find_element(
        By.CSS_SELECTOR, "ul.changes").text
    screenshot("mappings-changed")

    browser.get(base_url + "/links/%d/mappings/line_item" % ml.link)
    fill(browser, "record", number)
    go(browser, By.ID, "preview-button")
    assert browser.find_elements(By.CSS_SELECTOR, "#preview h3")
    browser.execute_script("document.getElementById('preview').scrollIntoView()")
    screenshot("mapping-line-items-preview")

    browser.get(base_url + "/links/%d/mappings/invoice" % ml.link)
    go(browser, By.XPATH, "//button[starts-with(normalize-space(.), 'Reset')]")
    screenshot("mapping-reset")
    assert "every rule is back to the default" in browser.find_element(By.TAG_NAME, "main").text
    ml.settle()
