"""`builder report` opened in headless Chromium: every plot is drawn, the links point into Label Studio."""

from __future__ import annotations

from pathlib import Path

from builder.evaluate.report import write_report
from tests.browser.test_labelling_screen import save_small, shots_dir
from tests.evaluate.test_report import URL, annotated_workspace


def test_report_page_renders_in_chromium(browser, examples_dir: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    ws = annotated_workspace(tmp_path / "ws", examples_dir)
    page = write_report(ws)
    browser.set_window_size(1100, 900)
    browser.get(page.as_uri())
    assert browser.find_element(By.TAG_NAME, "h1").text == "Annotation report: ws"
    plots = browser.find_elements(By.CSS_SELECTOR, "section svg")
    assert len(plots) == 5 and all(p.size["width"] > 300 and p.size["height"] > 80 for p in plots)
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#disagreements a")]
    assert links == [f"{URL}/projects/7/data?task=3"]
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1100, min(int(height) + 150, 6000))
    save_small(browser.find_element(By.TAG_NAME, "body").screenshot_as_png, shots_dir(tmp_path) / "report.png", width=800)
