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
import jobs_support  # noqa: E402

BIG = dict(contacts=150, invoices=600, payments=200, credit_notes=10, items=20)


def sql(q, args=()):
    return jobs_support.query(ds.config()["database"]["dsn"], q, args)


def signed_in(browser, base_url, admin):
    sign_in(browser, base_url, *admin)
    WebDriverWait(browser, 10).until(lambda b: b.current_url == base_url + "/")


def press(browser, action, link, flash):
    """Clicks the card's button posting to action and waits for the page it leads to."""
    browser.find_element(By.CSS_SELECTOR, "form[action='/links/%d/%s'] button"
                         % (link, action)).click()
    WebDriverWait(browser, 20).until(
        lambda b: ("m=" + flash) in b.current_url and
        b.execute_script("return document.readyState") == "complete")
    return browser.find_element(By.CSS_SELECTOR, ".flash.ok").text


def card(browser, link):
    return browser.find_element(By.CSS_SELECTOR, ".link-card[data-link='%d']" % link)


def bar_value(browser, link):
    return int(card(browser, link).find_element(By.CSS_SELECTOR, "progress.overall")
               .get_attribute("value"))


def test_empty_dashboard_offers_connect_xero(browser, base_url, admin, screenshot):  # noqa: F811
    signed_in(browser, base_url, admin)
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
    signed_in(browser, base_url, admin)
    browser.get(base_url + "/links/%d" % lid)
    assert "What to do next:" in browser.find_element(By.TAG_NAME, "main").text
    screenshot("link-setup")
    assert "The backfill started" in press(browser, "backfill", lid, "backfill_started")
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
            assert browser.find_element(By.TAG_NAME, "h1").text == "Live Backfill Ltd"
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
    rate = card(browser, lid).find_element(By.CSS_SELECTOR, "[data-field='rate']")
    assert float(rate.get_attribute("textContent")) >= 0
    # Done: the live part (bar, rate, time left) is hidden again.
    assert not card(browser, lid).find_element(By.CSS_SELECTOR, ".progress-live").is_displayed()
    screenshot("link-done")
    # Pause: the page says so, the Resume button takes its place.
    assert "paused" in press(browser, "pause", lid, "link_paused")
    assert card(browser, lid).find_element(By.CSS_SELECTOR, ".badge").text == "Paused"
    screenshot("link-paused")
    assert "active again" in press(browser, "resume", lid, "link_resumed")
    assert card(browser, lid).find_element(By.CSS_SELECTOR, ".badge").text == "Active"
    # The dashboard: the card with counts, budgets and the chart.
    browser.get(base_url + "/")
    c = card(browser, lid)
    assert c.find_element(By.CSS_SELECTOR, "svg.chart")
    assert int(c.find_element(By.CSS_SELECTOR, "[data-count='company.mirrored']").text) == 150
    WebDriverWait(browser, 10).until(lambda b: bar_value(b, lid) == 100)
    browser.execute_script("arguments[0].scrollIntoView()", c)
    screenshot("dashboard-done")
