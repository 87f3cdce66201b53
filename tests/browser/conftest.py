"""Headless Chromium (Debian's chromium + chromium-driver) through Selenium.
Screenshots go to .run/test/screenshots/ so a person can look at them."""
import configparser
import os
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = os.environ.get("XHSYNC_TEST_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIG = os.environ.get("XHSYNC_TEST_CONFIG", os.path.join(ROOT, ".run", "test", "xhsync.conf"))
SHOTS = os.path.join(os.path.dirname(CONFIG), "screenshots")


@pytest.fixture(scope="session")
def base_url():
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(CONFIG)
    return cp["web"]["public_url"].rstrip("/")


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", "--window-size=1280,900",
              "--user-data-dir=" + str(tmp_path_factory.mktemp("chromium"))):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                           options=opts)
    drv.set_page_load_timeout(20)
    yield drv
    drv.quit()


@pytest.fixture
def screenshot(browser):
    os.makedirs(SHOTS, exist_ok=True)

    def take(name):
        path = os.path.join(SHOTS, name + ".png")
        browser.save_screenshot(path)
        return path
    return take
