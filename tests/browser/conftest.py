"""A real headless Chromium (Debian's chromium + chromium-driver) driven by Selenium.

Under CI (env CI set, as .ci/run does) a missing browser is a failure, so the browser tests cannot
silently stop running; by hand they are skipped with the command that installs what they need.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = ("chromium", "chromium-browser")
DRIVER = "chromedriver"
INSTALL = "apt-get install -y chromium chromium-driver (and pip install selenium, in the test extra)"


def _find_browser() -> tuple[str, str] | str:
    """(chromium, chromedriver) paths, or what is missing."""
    browser = next((p for p in map(shutil.which, CHROMIUM) if p), None)
    driver = shutil.which(DRIVER)
    missing = [name for name, path in (("chromium", browser), ("chromedriver", driver)) if path is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        return f"{', '.join(missing)} not found; install with: {INSTALL}"
    return browser, driver  # type: ignore[return-value]


@pytest.fixture(scope="session")
def chromium_paths() -> tuple[str, str]:
    found = _find_browser()
    if isinstance(found, str):
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {found}")
        pytest.skip(found)
    return found


@pytest.fixture
def browser(chromium_paths: tuple[str, str], tmp_path: Path) -> Iterator[object]:
    """A fresh headless Chromium with its own profile; nothing is downloaded."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium_paths[0]
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(chromium_paths[1], log_output=str(tmp_path / "chromedriver.log")),
                              options=options)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()
