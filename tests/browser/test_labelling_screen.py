"""The labelling screen in a real browser: push the demo workspace to a real Label Studio, log in through
the web page, label a word and tick an event type like an annotator, submit, pull, find both in the gold.

With UPDATE_SCREENSHOTS=1 the screenshots go to docs/ (the README shows them)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from annotation.client import connect, load_project
from annotation.labelconfig import TRIGGERS, hotkeys
from annotation.screen import project_settings
from builder.core.schema import load_schema
from builder.workspace.human import AnnotationStore
from builder.workspace.layout import Workspace

# The README's screenshots are refreshed only when asked (UPDATE_SCREENSHOTS=1), so a test run leaves the
# checkout as it was; otherwise they go to the test's temporary directory.
DOCS = Path(__file__).resolve().parents[2] / "docs"


def shots_dir(tmp_path: Path) -> Path:
    return DOCS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path / "docs"
SENTENCE = "Pemerintah Kota Makassar menyalurkan bantuan senilai Rp 250 juta"
PRELABELLED = "Kantor berita TASS mengutip para saksi"  # pre-labels: Conflict.Attack, Life.Die, Life.Injure
WORD, EVENT = "menyalurkan", "Transaction.Transfer-Money"

# The rectangle of `word` inside the rendered line that starts with `prefix` (a DOM Range), scrolled into view.
WORD_BOX_JS = """
const [word, prefix] = arguments;
for (const line of document.querySelectorAll('.lsf-richtext__line')) {
  if (!line.textContent.startsWith(prefix)) continue;
  const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const i = node.textContent.indexOf(word);
    if (i < 0) continue;
    node.parentElement.scrollIntoView({block: 'center'});
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + word.length);
    const b = range.getBoundingClientRect();
    return [b.left, b.top, b.right, b.bottom];
  }
}
return null;
"""


def builder(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "builder", *args], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"builder {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception:  # noqa: BLE001 - the page is still rendering
            value = None
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def log_in(driver: Any, url: str, email: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{url}/user/login/")
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit], form input[type=submit]").click()
    wait_for(lambda: "/user/login" not in driver.current_url, "the login to go through")


def open_task(driver: Any, url: str, project_id: int, task_id: int, prefix: str) -> None:
    driver.get(f"{url}/projects/{project_id}/data?task={task_id}")
    wait_for(lambda: driver.execute_script(WORD_BOX_JS, prefix.split()[0], prefix), f"task {task_id} on screen")


def drag_over(driver: Any, word: str, prefix: str) -> None:
    """Press the mouse at the word's left edge, move across it and let go, as a person selects it."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    left, top, right, bottom = driver.execute_script(WORD_BOX_JS, word, prefix)
    y = int((top + bottom) / 2)
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(int(left) + 2, y)
    actions.pointer_action.pointer_down()
    actions.pointer_action.move_to_location(int((left + right) / 2), y)
    actions.pointer_action.move_to_location(int(right) - 2, y)
    actions.pointer_action.pointer_up()
    actions.perform()


def save_small(png: bytes, path: Path, width: int = 900) -> None:
    """A screenshot for the docs: scaled to `width` and reduced to 128 colours, so the PNG stays small."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=128).save(path, optimize=True)


def pointer_away(driver: Any) -> None:
    """Move the mouse to the page's corner so no tooltip covers the screenshot."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(1, 1)
    actions.perform()


def selected_event_types(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".htx-taxonomy .ant-select-selection-item, "
                                                               ".ant-select-selection-item")]


def test_annotator_labels_in_the_browser_and_pull_finds_it(label_studio, label_studio_credentials, browser,
                                                           examples_dir: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    ws = Workspace(tmp_path / "demo")
    env = {**os.environ, "LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.token}
    builder("ingest", str(examples_dir), "--workspace", str(ws.root), env=env)
    builder("prelabel", "--workspace", str(ws.root), env=env)
    builder("push", "--workspace", str(ws.root), "--project", f"browser {tmp_path.name}", env=env)
    ref = load_project(ws)
    assert ref is not None
    ls = connect(label_studio.url, label_studio.token)
    schema = load_schema()
    # The guidelines and the config as the project gets them (push sets these once it calls project_settings).
    ls.projects.update(id=ref.project_id, **project_settings(schema))
    tasks = {t.data["text"]: t.id for t in ls.tasks.list(project=ref.project_id, include="id,data")}
    task_id = next(i for text, i in tasks.items() if text.startswith(SENTENCE))
    prelabelled_id = next(i for text, i in tasks.items() if text.startswith(PRELABELLED))

    log_in(browser, label_studio.url, label_studio_credentials.username, label_studio_credentials.password)

    # Pre-labelled event types arrive preselected in the Taxonomy.
    open_task(browser, label_studio.url, ref.project_id, prelabelled_id, PRELABELLED)
    assert sorted(wait_for(lambda: selected_event_types(browser), "the preselected event types")) == [
        "Conflict.Attack", "Life.Die", "Life.Injure"]

    open_task(browser, label_studio.url, ref.project_id, task_id, SENTENCE)
    for heading in ("Before", "Sentence to label", "After"):
        assert browser.find_elements(By.XPATH, f"//h4[normalize-space()='{heading}'] | //h5[normalize-space()="
                                               f"'{heading}'] | //h3[normalize-space()='{heading}']"), heading
    def selected_label() -> list[str]:
        return [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".lsf-label_selected .lsf-label__text")]

    # Hotkeys pick labels: a shift+ combination, then the trigger label's own key (see labelconfig.hotkeys).
    keys = hotkeys(schema)
    body = browser.find_element(By.TAG_NAME, "body")
    combo = keys[(TRIGGERS, "Justice.Release-Parole")]
    assert combo.startswith("shift+")
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(combo.split("+")[1]).key_up(Keys.SHIFT).perform()
    assert wait_for(lambda: selected_label() == ["Justice.Release-Parole"], f"{combo} to pick its label")
    body.send_keys(keys[(TRIGGERS, EVENT)])
    assert wait_for(lambda: selected_label() == [EVENT], f"{keys[(TRIGGERS, EVENT)]} to pick {EVENT}")
    drag_over(browser, WORD, SENTENCE)
    wait_for(lambda: WORD in browser.find_element(By.CSS_SELECTOR, "[class*=outliner]").text, "the new region")

    picker = browser.find_element(By.CSS_SELECTOR, ".htx-taxonomy .ant-select-selector, .ant-select-selector")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", picker)
    picker.click()
    search = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "[data-testid=taxonomy-search]"), "the search")
    search.send_keys(EVENT.split(".", 1)[1])
    node = wait_for(lambda: next(n for n in browser.find_elements(By.CSS_SELECTOR, ".ant-select-tree-treenode")
                                 if n.text.strip() == EVENT.split(".", 1)[1]), "the event type in the tree")
    node.find_element(By.CSS_SELECTOR, ".ant-select-tree-checkbox").click()
    assert wait_for(lambda: EVENT in selected_event_types(browser), "the ticked event type")
    save_small(browser.find_element(By.CSS_SELECTOR, ".lsf-main-view").screenshot_as_png,
               shots_dir(tmp_path) / "labelling-event-types.png")
    search.send_keys(Keys.ESCAPE)
    browser.set_window_size(1400, 1500)
    browser.execute_script("document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
    pointer_away(browser)
    time.sleep(1)
    save_small(browser.find_element(By.CSS_SELECTOR, ".lsf-main-view").screenshot_as_png,
               shots_dir(tmp_path) / "labelling-screen.png")

    next(b for b in browser.find_elements(By.TAG_NAME, "button") if b.text.strip() == "Submit").click()
    wait_for(lambda: ls.tasks.get(id=task_id).total_annotations == 1, "the submitted annotation on the server")

    browser.find_element(By.XPATH, "//button[normalize-space()='Instructions']").click()
    wait_for(lambda: "How to label a sentence" in browser.page_source, "the guidelines in the instructions panel")
    time.sleep(1)
    # The panel: the widest box around the guide's first heading that is still narrower than the window.
    modal = browser.execute_script("""
        let box = [...document.querySelectorAll('h1, h2')].find(h => h.textContent.includes('How to label a sentence'));
        while (box.parentElement && box.parentElement.getBoundingClientRect().width < window.innerWidth * 0.8) {
          box = box.parentElement;
        }
        return box;""")
    save_small(modal.screenshot_as_png, shots_dir(tmp_path) / "labelling-instructions.png", width=700)

    builder("pull", "--workspace", str(ws.root), env=env)
    sentence_id = ls.tasks.get(id=task_id).data["sentence_id"]
    final = next(f for f in AnnotationStore.of(ws).iter_final() if f.sentence_id == sentence_id)
    assert [(s.text, s.label) for s in final.labels.triggers] == [(WORD, EVENT)]
    assert final.labels.event_types == (EVENT,)
    # the pre-label the annotator left as it was comes back with the annotation (an organisation named
    # after a place is ORG, as the labelling guide has it)
    assert ("Pemerintah Kota Makassar", "ORG") in [(s.text, s.label) for s in final.labels.entities]
