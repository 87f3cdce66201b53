"""Waiting for the page a click leads to, the same way in every browser test.

Selenium's staleness_of only catches StaleElementReferenceException, but
Chromium sometimes answers a question about a node of the page being replaced
with "Node with given id does not belong to the document" (a plain
WebDriverException). Both mean the old page is gone."""
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def replaced(el):
    """True once el's page is replaced (stale, or a node Chromium no longer knows)."""
    try:
        el.is_enabled()
        return False
    except WebDriverException:
        return True


def click_and_wait(browser, element, timeout=15):
    """Clicks element (a button or link) and waits until the page it leads to has replaced this one."""
    old = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, timeout).until(lambda d: replaced(old))
