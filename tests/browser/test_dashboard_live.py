"""The dashboard as a person watches it: an empty dashboard with its
"Connect Xero" button, then a link connected the way ./dev demo connects
one, the backfill started from the link page, the progress bar moving
(static/progress.js) up to 100 %, pause and resume. Screenshots of the
dashboard (empty, during the backfill, done) and of the link page."""
import os
import sys
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ROOT
from test_home import admin, sign_in  # noqa: F401  (the module's admin fixture)

sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import dash_support as ds  # noqa: E402

BIG = dict(contacts=150, invoices=600, payments=200, credit_notes=10, items=20)


def sql(q, args=()):
    import psycopg2
    conn = psycopg2.connect(ds.config()["database"]["dsn"])
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(q, args)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def card(browser, link):
    return browser.find_element(By.CSS_SELECTOR, ".link-card[data-link='%d']" % link)


def bar_value(browser, link):
    return int(card(browser, link).find_element(By.CSS_SELECTOR, "progress.overall")
               .get_attribute("value"))


def test_empty_dashboard_offers_connect_xero(browser, base_url, admin, screenshot):  # noqa: F811
    sign_in(browser, base_url, *admin)
    if sql("SELECT count(*) FROM link")[0][0] == 0:
        btn = browser.find_element(By.CSS_SELECTOR, "form[action='/connect/xero'] button")
        assert btn.text == "Connect Xero"
        assert "No organisation is connected yet" in browser.find_element(By.TAG_NAME, "main").text
        screenshot("dashboard-empty")
    else:
        # Other suites left links: the button is at the top instead.
        head = browser.find_element(By.CSS_SELECTOR, ".page-head")
        assert head.find_element(By.CSS_SELECTOR, "form[action='/connect/xero'] button").text \
            == "Connect Xero"
        screenshot("dashboard-with-links")


@pytest.fixture
def links():
    yield
    ds.cleanup()


def test_backfill_bar_moves_to_100_and_pause_resume(browser, base_url, admin, links,  # noqa: F811
                                                   screenshot):
    link = ds.make_link(name="Live Backfill Ltd", sizes=BIG)
    lid = link["id"]
    sign_in(browser, base_url, *admin)
    browser.get(base_url + "/links/%d" % lid)
    assert "What to do next:" in browser.find_element(By.TAG_NAME, "main").text
    screenshot("link-setup")
    browser.find_element(By.CSS_SELECTOR, "form[action='/links/%d/backfill'] button" % lid).click()
    assert "The backfill started" in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    # Watch the bar through progress.js, without reloading the page.
    seen = set()
    phases = set()
    deadline = time.monotonic() + 120
    shot = False
    while time.monotonic() < deadline:
        v = bar_value(browser, lid)
        seen.add(v)
        phases.add(card(browser, lid).find_element(By.CSS_SELECTOR, "[data-field='phase']").text)
        if 0 < v < 100 and not shot:
            screenshot("link-during-backfill")
            browser.get(base_url + "/")
            screenshot("dashboard-during-backfill")
            browser.get(base_url + "/links/%d" % lid)
            shot = True
        if v == 100 and card(browser, lid).find_element(
                By.CSS_SELECTOR, "[data-field='phase']").text == "Up to date":
            break
        time.sleep(0.5)
    assert 100 in seen, seen
    assert len(seen) >= 3, "the bar did not move: %s" % sorted(seen)
    assert "Reading from Xero" in phases or "Writing to HubSpot" in phases, phases
    rate = card(browser, lid).find_element(By.CSS_SELECTOR, "[data-field='rate']").text
    assert float(rate) >= 0
    screenshot("link-done")
    # Pause: the page says so, the Resume button takes its place.
    browser.find_element(By.CSS_SELECTOR, "form[action='/links/%d/pause'] button" % lid).click()
    assert "paused" in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    assert card(browser, lid).find_element(By.CSS_SELECTOR, ".badge").text == "Paused"
    screenshot("link-paused")
    browser.find_element(By.CSS_SELECTOR, "form[action='/links/%d/resume'] button" % lid).click()
    assert "active again" in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    assert card(browser, lid).find_element(By.CSS_SELECTOR, ".badge").text == "Active"
    # The dashboard: the card with counts, budgets and the chart.
    browser.get(base_url + "/")
    c = card(browser, lid)
    assert c.find_element(By.CSS_SELECTOR, "svg.chart")
    assert int(c.find_element(By.CSS_SELECTOR, "[data-count='company.mirrored']").text) == 150
    WebDriverWait(browser, 10).until(lambda b: bar_value(b, lid) == 100)
    browser.execute_script("arguments[0].scrollIntoView()", c)
    screenshot("dashboard-done")
