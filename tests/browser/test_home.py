"""The console as a person sees it in a real browser: sign-in, the
dashboard, the admins page, error pages; keyboard and labels on login."""
import os
import re
import subprocess
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import CONFIG, ROOT
from pages import click_and_wait

BUILD = os.environ.get("XHSYNC_TEST_BUILD", os.path.join(ROOT, "build", "asan"))


@pytest.fixture(scope="module")
def admin():
    email = "browser-%s@example.com" % uuid.uuid4().hex[:8]
    out = subprocess.run([os.path.join(BUILD, "xhsync"), "-c", CONFIG, "user", "add", email],
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, XHSYNC_SQL_DIR=os.path.join(ROOT, "sql")))
    return email, re.search(r"^password:\s*(\S+)", out.stdout, re.M).group(1)


def sign_in(browser, base_url, email, password):
    browser.delete_all_cookies()
    browser.get(base_url + "/login")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(password)
    # The click returns before the answer (Argon2id takes a while): wait for the next page.
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/login'] button"))


def test_stranger_lands_on_login_with_labelled_fields(browser, base_url, screenshot):
    browser.delete_all_cookies()
    browser.get(base_url + "/")
    assert browser.current_url == base_url + "/login"
    assert "Sign in" in browser.title
    for field in ("email", "password"):
        label = browser.find_element(By.CSS_SELECTOR, "label[for='%s']" % field)
        assert label.text.strip()
        assert browser.find_element(By.ID, field).get_attribute("name") == field
    # The stylesheet is served by nginx from static/ and applied.
    bg = browser.execute_script(
        "return getComputedStyle(document.querySelector('main')).backgroundColor")
    assert bg == "rgb(255, 255, 255)"
    assert os.path.getsize(screenshot("login")) > 1000


def test_login_form_works_from_the_keyboard(browser, base_url, admin, screenshot):
    browser.delete_all_cookies()
    browser.get(base_url + "/login")
    active = lambda: browser.switch_to.active_element.get_attribute("id")
    assert active() == "email"  # autofocus
    browser.switch_to.active_element.send_keys(admin[0], Keys.TAB)
    assert active() == "password"
    browser.switch_to.active_element.send_keys(admin[1], Keys.TAB)
    assert browser.switch_to.active_element.text == "Sign in"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert browser.current_url == base_url + "/"
    assert "Dashboard" in browser.find_element(By.TAG_NAME, "h1").text


def test_wrong_password_keeps_the_email_and_says_so(browser, base_url, admin, screenshot):
    sign_in(browser, base_url, admin[0], "not-the-password")
    assert "not right" in browser.find_element(By.ID, "login-error").text
    assert browser.find_element(By.ID, "email").get_attribute("value") == admin[0]
    screenshot("login-error")


def test_dashboard_and_admins_pages(browser, base_url, admin, screenshot):
    sign_in(browser, base_url, admin[0], admin[1])
    assert browser.current_url == base_url + "/"
    nav = browser.find_element(By.CSS_SELECTOR, "nav[aria-label='Main']")
    assert nav.find_element(By.CSS_SELECTOR, "[aria-current='page']").text == "Dashboard"
    assert admin[0] in browser.find_element(By.CSS_SELECTOR, ".who").text
    screenshot("dashboard-empty" if "No organisation" in browser.page_source else "dashboard")
    click_and_wait(browser, nav.find_element(By.LINK_TEXT, "Admins"))
    assert "Admins" in browser.find_element(By.TAG_NAME, "h1").text
    assert admin[0] in browser.find_element(By.TAG_NAME, "table").text
    screenshot("users")
    browser.find_element(By.ID, "add-email").send_keys("not an email")
    browser.execute_script("document.getElementById('add-email').type = 'text'")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/users'] button"))
    assert "Email:" in browser.find_element(By.ID, "add-error").text
    assert browser.find_element(By.ID, "add-email").get_attribute("aria-invalid") == "true"
    browser.execute_script("document.getElementById('add-error').scrollIntoView()")
    screenshot("users-error")
    browser.find_element(By.CSS_SELECTOR, "form.signout button").click()
    # the click returns before the navigation it starts (a long, scrolled page)
    WebDriverWait(browser, 10).until(lambda b: b.current_url.endswith("/login?m=signed_out"))
    assert "signed out" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    screenshot("signed-out")


def test_unknown_page_shows_a_clear_not_found_message(browser, base_url, screenshot):
    browser.get(base_url + "/nowhere")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "not found" in body.lower()
    assert "no page at this address" in body.lower()
    assert "request id" in body.lower()  # shown for support
    screenshot("not-found")


@pytest.fixture
def demo_links():
    """Two links with a pass in progress, one needing reconnect and a hostile name."""
    import configparser
    import psycopg2
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(CONFIG)
    conn = psycopg2.connect(cp["database"]["dsn"])
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("INSERT INTO link (name, status) VALUES ('Demo Company (Global)', 'active')"
                    " RETURNING id")
        a = cur.fetchone()[0]
        cur.execute("INSERT INTO sync_cursor (link_id, object, pass_open, pass_read, pass_total,"
                    " last_pull_at) VALUES (%s, 'contact', false, 0, NULL, now()),"
                    " (%s, 'invoice', true, 4200, 10000, now())", (a, a))
        cur.execute("INSERT INTO link (name, status, status_reason) VALUES"
                    " ('<script>alert(1)</script> Ltd', 'needs_reconnect', 'invalid_grant')"
                    " RETURNING id")
        b = cur.fetchone()[0]
    yield
    with conn.cursor() as cur:
        cur.execute("DELETE FROM link WHERE id IN (%s, %s)", (a, b))
    conn.close()


def test_dashboard_shows_progress_and_reconnect(browser, base_url, admin, demo_links, screenshot):
    sign_in(browser, base_url, admin[0], admin[1])
    assert browser.execute_script("return window.__xss === undefined")
    bar = browser.find_element(By.CSS_SELECTOR, "progress[aria-label='invoice pass']")
    assert bar.get_attribute("value") == "42"
    assert "<script>alert(1)</script> Ltd" in browser.find_element(By.TAG_NAME, "main").text
    assert "Reconnect" in browser.find_element(By.TAG_NAME, "main").text
    screenshot("dashboard")
