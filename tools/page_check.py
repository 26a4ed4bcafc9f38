"""Open a page in Debian's headless Chromium, offline, and report what a person would see.

python -m tools.page_check URL [--screenshot FILE] [--wait-for TEXT] [--timeout 20]

Prints the page title, whether TEXT appeared, and every console error; exits 1 when TEXT never appeared or
the console logged an error. Host names other than 127.0.0.1/localhost do not resolve inside this browser,
so a page that needs the internet shows it. Used by the tests of the ZenML dashboard and docs/data_save_flow.html.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click

from llm_engineering.application.crawlers.browser import CHROMIUM_ARGUMENTS
from llm_engineering.settings import get_settings

OFFLINE_RESOLVER = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"


@dataclass
class PageReport:
    url: str
    title: str = ""
    text: str = ""
    found: bool = False
    console_errors: list[str] = field(default_factory=list)
    screenshot: Path | None = None


def check_page(
    url: str, wait_for: str | None = None, screenshot: Path | None = None, timeout_s: float = 20.0
) -> PageReport:
    """Load `url`, wait until `wait_for` is in the page's text (or the timeout), screenshot, collect errors."""
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    settings = get_settings()
    options = webdriver.ChromeOptions()
    options.binary_location = str(settings.CHROMIUM_BINARY)
    with tempfile.TemporaryDirectory(prefix="moodswarm-page-check-") as profile:
        for argument in (*CHROMIUM_ARGUMENTS, OFFLINE_RESOLVER, f"--user-data-dir={profile}"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(executable_path=str(settings.CHROMEDRIVER_PATH)), options=options)
        try:
            driver.set_page_load_timeout(timeout_s)
            driver.get(url)
            report = PageReport(url=url)
            deadline = time.monotonic() + timeout_s
            while True:
                report.text = driver.execute_script("return document.body ? document.body.innerText : ''") or ""
                report.found = wait_for is None or wait_for in report.text
                if report.found or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            report.title = driver.title
            # Shortened: a blocked inline font is logged with its whole base64 body.
            report.console_errors = [e["message"][:300] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(screenshot))
                report.screenshot = screenshot
            return report
        finally:
            driver.quit()


@click.command(help=__doc__)
@click.argument("url")
@click.option("--screenshot", type=click.Path(path_type=Path), default=None, help="Save a PNG here.")
@click.option("--wait-for", default=None, help="Text the page must show.")
@click.option("--timeout", "timeout_s", default=20.0, show_default=True, help="Seconds to wait for the text.")
def main(url: str, screenshot: Path | None, wait_for: str | None, timeout_s: float) -> None:
    if not url.startswith(("http://", "https://", "file://")):
        url = Path(url).resolve().as_uri()
    report = check_page(url, wait_for=wait_for, screenshot=screenshot, timeout_s=timeout_s)
    click.echo(f"title: {report.title!r}")
    if wait_for is not None:
        click.echo(f"{wait_for!r}: {'shown' if report.found else 'NOT shown'}")
    for error in report.console_errors:
        click.echo(f"console error: {error}")
    if report.screenshot:
        click.echo(f"screenshot: {report.screenshot}")
    sys.exit(0 if report.found and not report.console_errors else 1)


if __name__ == "__main__":
    main()
