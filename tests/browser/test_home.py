"""The status page as a person sees it in a real browser."""
import os

from selenium.webdriver.common.by import By


def test_home_page_renders_with_version_and_database_status(browser, base_url, screenshot):
    browser.get(base_url + "/")
    assert "xhsync" in browser.title
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "xhsync" in body
    assert "0.1.0" in body
    assert "Database" in body or "database" in body
    # The stylesheet is served by nginx from static/ and applied.
    bg = browser.execute_script(
        "return getComputedStyle(document.querySelector('main')).backgroundColor")
    assert bg == "rgb(255, 255, 255)"
    path = screenshot("home")
    assert os.path.getsize(path) > 1000


def test_unknown_page_shows_a_clear_not_found_message(browser, base_url, screenshot):
    browser.get(base_url + "/nowhere")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "not found" in body.lower()
    assert "request" in body.lower()  # the request id is shown for support
    screenshot("not-found")
