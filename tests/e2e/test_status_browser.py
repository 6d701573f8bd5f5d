"""The status page in a real browser: headless Chromium reads what a customer would read.

Selenium drives Debian's Chromium through Debian's chromedriver, named explicitly, so Selenium
Manager never looks for (or downloads) a driver; WebDriver gives `innerText`, computed styles,
alerts and the console log without a hand-written DevTools client. Screenshots land in
`tests/artifacts/` (ignored by git) for a person to look at.
"""

from __future__ import annotations

import base64
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from tests.e2e.helpers import as_user, declare, stored
from tests.fixtures.bot import StartBot, signed_slack
from tests.fixtures.status import (
    REFERENCE_POSTMORTEM,
    REFERENCE_REPORT,
    at,
    open_incident,
    publish,
    reference_incident,
    serve_status,
)

from watchkeeper.clock import FrozenClock
from watchkeeper.standin import FakeSlack
from watchkeeper.status import Impact, InMemoryPublishedIncidents

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: A browser that talks to nobody but the page under test.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)
XSS_TITLE = "<script>alert(1)</script> Login errors"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Headless Chromium with a fresh profile; skips (fails in CI) when it is not installed."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        reason = (
            f"Chromium is not installed ({', '.join(missing)} missing): "
            "apt-get install chromium chromium-driver"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    """The reference incident (resolved) and an open one whose title is a script, served."""
    clock = FrozenClock(at(12, 0, day=12, month=12))
    source = InMemoryPublishedIncidents(clock)
    publish(source, reference_incident(), "k3x9QpL2", postmortem=REFERENCE_POSTMORTEM)
    publish(source, open_incident(XSS_TITLE), "Zq81-mT_", impact=Impact.MAJOR)
    with serve_status(source, clock) as url:
        yield url


def lines(text: str) -> list[str]:
    """The text's lines without blank ones (a browser spaces blocks with margins, not lines)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def screenshot(driver: WebDriver, name: str) -> Path:
    """A PNG of the whole page, not only the window, under tests/artifacts/."""
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def no_alert(driver: WebDriver) -> bool:
    try:
        driver.switch_to.alert  # noqa: B018 - the lookup is the check
    except NoAlertPresentException:
        return True
    return False


def policy_violations(driver: WebDriver) -> list[str]:
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused" in entry["message"]
    ]


def test_an_incident_page_reads_in_a_browser_exactly_as_the_text_report(
    browser: WebDriver, page_url: str
) -> None:
    browser.get(f"{page_url}/status/incidents/k3x9QpL2")
    report = browser.find_element(By.ID, "report")

    assert lines(report.get_attribute("innerText") or "") == lines(REFERENCE_REPORT)
    assert browser.title == (
        "US infrastructure delays with a subset of deliveries sending · Acme Status"
    )
    assert policy_violations(browser) == []
    assert screenshot(browser, "status-incident.png").stat().st_size > 10_000


def test_the_status_page_reads_in_a_browser_with_its_style_and_no_script_run(
    browser: WebDriver, page_url: str
) -> None:
    browser.get(f"{page_url}/status")
    text = browser.execute_script("return document.body.innerText")
    banner = browser.find_element(By.CSS_SELECTOR, ".banner")

    assert lines(text)[:5] == [
        "Acme Status",
        "Subscribe (Atom)JSON",
        "Partial System Outage",
        XSS_TITLE,
        "Identified - A bad token cache.",
    ]
    assert "Fixing.\nPosted Nov 24, 2025 - 11:20 UTC" in text
    assert "Login\tPartial Outage" in text or "Login\nPartial Outage" in text
    assert text.count("No incidents reported.") == 89
    assert (
        "Update - Transactional queue backlog is process, priority queue is still ongoing" in text
    )
    # The inline stylesheet applied (its hash is in the policy) and the script title stayed text.
    assert banner.value_of_css_property("background-color") == "rgba(232, 89, 12, 1)"
    assert no_alert(browser)
    assert browser.execute_script("return document.scripts.length") == 0
    assert browser.execute_script("return document.cookie") == ""
    assert policy_violations(browser) == []
    assert screenshot(browser, "status-page.png").stat().st_size > 10_000


def test_the_status_page_fits_a_phone_screen(browser: WebDriver, page_url: str) -> None:
    browser.set_window_size(390, 844)
    try:
        browser.get(f"{page_url}/status/incidents/k3x9QpL2")
        incident_fits = browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth"
        )
        screenshot(browser, "status-incident-phone.png")
        browser.get(f"{page_url}/status")
        page_fits = browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth"
        )
        screenshot(browser, "status-page-phone.png")
    finally:
        browser.set_window_size(1280, 900)

    assert (incident_fits, page_fits) == (True, True)


def test_the_running_bot_s_page_for_a_published_incident_reads_as_its_text_report(
    browser: WebDriver, start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    bot = start_bot(WATCHKEEPER_STATUS_PAGE_NAME="Acme Status")
    slack = signed_slack(bot.url, fake_slack.team_id)
    channel = declare(slack, fake_slack).id
    as_user(slack, "publish Checkout trouble", channel=channel)
    as_user(slack, "status identified A bad deploy.", channel=channel)
    as_user(slack, "components Checkout", channel=channel)
    as_user(slack, "resolve Checkout works again.", channel=channel)
    publication = stored(bot).publication
    assert publication is not None
    address = f"{bot.url}/status/incidents/{publication.public_id}"
    with urllib.request.urlopen(address + ".txt", timeout=10) as answer:  # noqa: S310 - loopback
        report_text = answer.read().decode()

    browser.get(address)
    shown = browser.find_element(By.ID, "report").get_attribute("innerText") or ""
    browser.get(f"{bot.url}/status")
    page = browser.execute_script("return document.body.innerText")

    assert lines(shown) == lines(report_text)
    assert "Checkout trouble" in page and "All Systems Operational" in page
    assert policy_violations(browser) == []
    assert screenshot(browser, "status-running-bot.png").stat().st_size > 10_000
