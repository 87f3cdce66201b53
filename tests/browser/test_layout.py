"""Every console page fits the window, at 1280 px and at 800 px wide: no
horizontal page scroll (document.documentElement.scrollWidth <=
window.innerWidth); wide tables scroll inside their own container. The
pages are those of a link synced through the real stack (Xero simulator ->
worker -> HubSpot simulator), made the way the CLI makes one, without
names, so the organisation's and the portal's names the console shows are
the ones xhsync learnt from the vendors. A screenshot of each page at each
width goes to .run/test/screenshots/layout-*.png."""
import os
import sys
import time

import psycopg2
import pytest
from selenium.webdriver.common.by import By

from conftest import ROOT
from pages import click_and_wait
from test_home import admin, sign_in  # noqa: F401  (the module's admin fixture)

sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from health_support import SyncedLink, cli_ok, stack_config  # noqa: E402

WIDTHS = (1280, 800)
PAGES = ["/", "/links/{id}", "/links/{id}/health", "/links/{id}/settings",
         "/links/{id}/mappings", "/links/{id}/mappings/invoice", "/links/{id}/hubspot",
         "/links/{id}/test", "/links/{id}/bootstrap", "/links/{id}/disconnect", "/audit",
         "/audit/{audit}", "/deliveries", "/users"]
# Pages whose button runs something that is shown on the page (the result must fit too).
RESULTS = {"/links/{id}/test": "/links/{id}/test", "/links/{id}/bootstrap": "/links/{id}/bootstrap"}


@pytest.fixture(scope="module")
def db():
    conn = psycopg2.connect(stack_config()["database"]["dsn"])
    conn.autocommit = True
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def s(db):
    link = SyncedLink(db, name="Layout Ltd")
    yield link
    link.close()


@pytest.fixture
def signed_in(browser, base_url, admin):  # noqa: F811
    sign_in(browser, base_url, *admin)
    deadline = time.monotonic() + 10
    while browser.current_url != base_url + "/" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert browser.current_url == base_url + "/"
    yield browser
    browser.set_window_size(1280, 900)


def widths(browser):
    return browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]")


def fits(browser, width, what, screenshot):
    """Asserts the page in the browser has no horizontal scroll at width; saves a screenshot."""
    scroll, inner = widths(browser)
    assert inner == width, "the window is %d px wide, not %d" % (inner, width)
    wide = browser.execute_script(
        "return Array.from(document.querySelectorAll('body *')).filter(function (e) {"
        " return e.getBoundingClientRect().right > window.innerWidth + 1 &&"
        " !e.closest('.table-scroll'); }).slice(0, 5).map(function (e) {"
        " return e.tagName + '.' + e.className; })")
    name = "layout-%s-%d" % (what.strip("/").replace("/", "-") or "dashboard", width)
    screenshot(name)
    assert scroll <= inner, "%s at %d px scrolls sideways (%d px wide): %s" % (
        what, width, scroll, wide)


def test_every_page_fits_1280_and_800(signed_in, base_url, s, screenshot):
    browser = signed_in
    audit = s.one("SELECT min(id) FROM audit_event WHERE link_id = %s AND action = 'hubspot.write'",
                  (s.link,))
    assert audit is not None, "the sync wrote nothing to HubSpot"
    for width in WIDTHS:
        browser.set_window_size(width, 900)
        for page in PAGES:
            path = page.format(id=s.link, audit=audit)
            browser.get(base_url + path)
            assert browser.current_url == base_url + path, path  # not sent to sign in
            assert "There is no page at this address" not in browser.page_source, path
            fits(browser, width, path, screenshot)
            if page in RESULTS:
                form = "form[action='%s'] button" % RESULTS[page].format(id=s.link)
                click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, form), timeout=30)
                fits(browser, width, path + "/result", screenshot)


def test_card_shows_the_names_learnt_from_xero_and_hubspot(signed_in, base_url, s, db):
    """The link was made without names; the first poll asked Xero (GET /connections) and
    `xhsync hubspot token` asked HubSpot (introspection's hub_domain)."""
    org = s.org["Organisation"]["Name"]
    tenant_name, portal_name = s.q("SELECT xero_tenant_name, hubspot_portal_name FROM link"
                                   " WHERE id = %s", (s.link,))[0]
    assert tenant_name == org
    assert portal_name and str(s.portal) in portal_name  # the simulator's portal<id> domain
    for path in ("/", "/links/%d" % s.link):
        signed_in.get(base_url + path)
        card = signed_in.find_element(By.CSS_SELECTOR, ".link-card[data-link='%d']" % s.link)
        ends = card.find_element(By.CSS_SELECTOR, "dl.ends").text
        assert org in ends and s.tenant not in ends
        assert "%s (hub id %d)" % (portal_name, s.portal) in ends


@pytest.fixture
def long_name(db):
    name = "Unbroken" + "x" * 192  # the longest name a link may have (200)
    link = int(cli_ok("link", "add", name).stdout.strip())
    yield link
    with db.cursor() as cur:
        cur.execute("DELETE FROM link WHERE id = %s", (link,))


def test_a_long_unbroken_name_wraps_instead_of_widening_the_page(signed_in, base_url, long_name,
                                                                 screenshot):
    for width in WIDTHS:
        signed_in.set_window_size(width, 900)
        for path in ("/", "/links/%d" % long_name, "/links/%d/settings" % long_name):
            signed_in.get(base_url + path)
            fits(signed_in, width, path + "-long-name", screenshot)
