"""The learner's path in a real browser: the lessons run in JupyterLab, in headless Chromium (see `browser.py`).

Marked `browser` and left out of the default `pytest` run; run it with `pytest -m browser -n 0`.
Lessons: 01b, 07 and 08 by default; `COLLABNB_BROWSER_LESSONS="00 03"` picks others, `=all` runs every lesson.
Screenshots: `$COLLABNB_BROWSER_SHOTS`, else `<tmp>/collabnb-browser-shots` (the test prints the folder).
"""
import importlib.util, os, shutil, subprocess, sys
from pathlib import Path
import pytest

pytestmark = pytest.mark.browser
HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location('collabnb_browser_path', HERE/'browser.py')
browser = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(browser)


def _tree_status():
    "What git sees in the working tree (None outside a git checkout)"
    if not (browser.ROOT/'.git').exists() or not shutil.which('git'): return None
    return subprocess.run(['git', 'status', '--porcelain', '--untracked-files=all'], cwd=browser.ROOT,
                          capture_output=True, text=True, check=True).stdout


def test_lessons_run_in_jupyterlab(capsys):
    assert Path(browser.CHROMIUM).exists(), f"no Chromium at {browser.CHROMIUM} (Debian: apt-get install chromium)"
    lessons = os.environ.get('COLLABNB_BROWSER_LESSONS', '').split() or None
    before = _tree_status()
    with capsys.disabled():  # one line per lesson as it finishes, and where the screenshots are
        print()
        results = browser.run(lessons, log=lambda s: print(s, flush=True))
    assert _tree_status() == before, "the browser run changed the working tree"
    failed = [r for r in results if not r.ok]
    if failed: pytest.fail("\n".join(map(str, failed)), pytrace=False)
