"""The learner's path, tested end to end: each lesson run in JupyterLab, in headless Chromium.

For each lesson, as a learner would: open it in JupyterLab, wait for its kernel, click
Run > Run All Cells, wait until the kernel is idle and no cell is queued, then look at what
the page shows. A lesson fails if a cell shows an error or a traceback, anything on stderr,
a plot that is not a rendered image (the notebook's stored outputs say which cells plot),
maths typeset inside an HTML table (JupyterLab typesets `$...$` in a DataFrame's HTML), a
table cell painted black for a missing value, or if the lesson's `nbdev_export()` changed the
library (notebooks and `collabnb/` out of sync). A freshly opened lesson that JupyterLab marks
as changed (before anything ran) is a failure too.

JupyterLab serves a copy of the project (made in a temporary folder), so nothing the run writes
(outputs, checkpoints, `nbdev_export()`'s files) lands in the working tree; the kernel imports
the copy's `collabnb` (PYTHONPATH) and reads the data from `$COLLABNB_DATA` (default: the
project's `data/`). The server listens on 127.0.0.1 with a random token, with Jupyter's
config, data, runtime and settings folders private to the run, and is stopped by its own
process id when the run ends, pass or fail.

Screenshots go to `--shots` (default: `$COLLABNB_BROWSER_SHOTS`, else
`<tmp>/collabnb-browser-shots`): per lesson `<lesson>-1-first.png` (the first screen after
the run), `<lesson>-2-progress.png` (the first progress table, if any) and
`<lesson>-3-plot.png` (the first plot, if any), `<lesson>-4-problem.png` (the first cell that failed, if any);
with `--every-plot`, each plot on its own too.

    python tests/browser.py                 # the default lessons: 01b, 07, 08
    python tests/browser.py 00 03           # these lessons (by number)
    python tests/browser.py --all           # every lesson and library notebook in nbs/
    python tests/browser.py library/learner # one library notebook; `library` runs them all
    COLLABNB_BROWSER_LESSONS=all python tests/browser.py

Chromium is Debian's (`/usr/bin/chromium`, or `$COLLABNB_CHROMIUM`), driven by Playwright for
Python; `playwright install` (which downloads browsers) is never needed.
"""
from __future__ import annotations
import argparse, json, os, secrets, shutil, signal, socket, subprocess, sys, tempfile, time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LESSONS = ('01b', '07', '08')
CHROMIUM = os.environ.get('COLLABNB_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']
LESSON_TIMEOUT = float(os.environ.get('COLLABNB_BROWSER_TIMEOUT', 1200))  # seconds, per lesson's Run All
VIEWPORT = {'width': 1400, 'height': 1000}
# Jupyter settings for the run: no news or update checks (the machine may be offline)
# and JupyterLab's own per-cell timing (cell metadata `execution`), to find long cells that show nothing
LAB_SETTINGS = {'@jupyterlab/apputils-extension/notification.jupyterlab-settings':
                {'fetchNews': 'false', 'checkForUpdates': False},
                '@jupyterlab/notebook-extension/tracker.jupyterlab-settings': {'recordTiming': True}}
SILENT_SECONDS = 15  # a cell that runs longer than this with no progress bar left on the page fails
RUN_ALL_SECONDS = 60  # a notebook's Run All should take no longer (noted); over 1.5× this it fails


def lesson_paths(names=None, nbs: Path = ROOT/'nbs') -> list[Path]:
    "The notebooks to run: lessons by number ('01b', '07'), library notebooks by name ('library/learner'), "
    "'library' for every library notebook, 'all' for every lesson and library notebook; default `DEFAULT_LESSONS`"
    lessons = sorted(p for p in nbs.glob('*.ipynb') if p.name[:1].isdigit())
    library = sorted((nbs/'library').glob('*.ipynb'))
    names = list(names or DEFAULT_LESSONS)
    if names == ['all']: return lessons + library
    out = []
    for n in names:
        if n == 'library': out += library; continue
        hit = [p for p in lessons + library if p.stem.split('_')[0] == n or p.stem == n or p.name == n
               or str(p.relative_to(nbs).with_suffix('')) == n]
        if not hit: raise SystemExit(f"no lesson {n!r} in {nbs}")
        out += hit
    return out


def _copy_project(dest: Path) -> Path:
    "Copy the project's working tree (what `git` would see, no `.git`, `.venv` or data) to `dest`"
    top = {'.git', '.venv', 'venv', 'data', '_docs', '_proc', 'build', 'dist'}
    def ignore(d, names):
        skip = {n for n in names if n in {'__pycache__', '.ipynb_checkpoints', '.pytest_cache'}
                or n.endswith('.egg-info')}
        if Path(d) == ROOT: skip |= top & set(names)
        return skip
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Lab:
    "A JupyterLab server on 127.0.0.1 serving `root`'s `nbs/`, with a token; a context manager that stops it"
    def __init__(self, root: Path, tmp: Path, data: Path):
        self.root, self.tmp, self.data = root, tmp, data
        self.token, self.port = secrets.token_hex(24), _free_port()
        self.url, self.proc, self.log = f'http://127.0.0.1:{self.port}', None, tmp/'jupyter.log'

    def env(self) -> dict:
        env = dict(os.environ)
        for k in ('JUPYTER_CONFIG_DIR', 'JUPYTER_DATA_DIR', 'JUPYTER_RUNTIME_DIR', 'JUPYTERLAB_SETTINGS_DIR',
                  'JUPYTERLAB_WORKSPACES_DIR', 'IPYTHONDIR'):
            env[k] = str(self.tmp/k.lower())
            Path(env[k]).mkdir(parents=True, exist_ok=True)
        for name, settings in LAB_SETTINGS.items():
            f = Path(env['JUPYTERLAB_SETTINGS_DIR'])/name
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(json.dumps(settings))
        paths = [p for p in env.get('PYTHONPATH', '').split(os.pathsep) if p]
        env['PYTHONPATH'] = os.pathsep.join([str(self.root)] + paths)  # the kernel imports the copy's collabnb
        env['COLLABNB_DATA'] = str(self.data)
        env['PATH'] = os.pathsep.join([str(Path(sys.executable).parent), env.get('PATH', '')])
        env.pop('JUPYTER_TOKEN', None)
        return env

    def start(self, timeout=120):
        cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', '--ip=127.0.0.1', f'--port={self.port}',
               '--ServerApp.port_retries=0', f'--IdentityProvider.token={self.token}',
               f'--ServerApp.root_dir={self.root/"nbs"}', '--LabApp.expose_app_in_browser=True',
               '--ServerApp.terminals_enabled=False', '--LabApp.extension_manager=readonly']
        if hasattr(os, 'geteuid') and os.geteuid() == 0: cmd.append('--allow-root')  # CI containers run as root
        self._logf = open(self.log, 'w')
        # the learner's command is `jupyter lab nbs` from the project's root
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=self.env(), stdout=self._logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        t0 = time.time()
        while time.time() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({self.proc.returncode}):\n{self.log.read_text()}")
            try:
                self.api('GET', 'status')
                return self
            except OSError: time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer in {timeout} s:\n{self.log.read_text()}")

    def api(self, method: str, path: str):
        req = urllib.request.Request(f'{self.url}/api/{path}', method=method,
                                     headers={'Authorization': f'token {self.token}'})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        for k in self.api('GET', 'kernels'): self.api('DELETE', f'kernels/{k["id"]}')

    def stop(self):
        "Stop the server by its process id: kernels first, then SIGTERM, then SIGKILL if it lingers"
        if self.proc is None or self.proc.poll() is not None: return
        try: self.shutdown_kernels()
        except Exception: pass
        self.proc.send_signal(signal.SIGTERM)
        try: self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self._logf.close()

    def __enter__(self): return self.start()
    def __exit__(self, *exc): self.stop()


# Read what the page shows. Runs in the page; `window.jupyterapp` (LabApp.expose_app_in_browser) is used to
# read the notebook's state (cells, outputs, kernel status), never to run anything.
_STATE_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const nb = panel.content;
  const kernel = panel.sessionContext.session?.kernel;
  const cells = nb.widgets.map((c, i) => {
    const m = c.model;
    return {i, type: m.type, src: m.sharedModel.getSource(), count: m.type === 'code' ? m.executionCount : null,
            state: m.type === 'code' ? (m.executionState || null) : null,
            prompt: m.type === 'code' ? (c.node.querySelector('.jp-InputPrompt')?.textContent || '') : '',
            outputs: m.type === 'code' ? m.outputs.toJSON() : [],
            timing: m.type === 'code' ? (m.getMetadata('execution') || null) : null};
  });
  const tab = document.querySelector('.lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current');
  return {kernel: kernel ? kernel.status : 'none', dirty: panel.context.model.dirty,
          dirtyMark: !!(tab && tab.classList.contains('jp-mod-dirty')), cells};
}"""

# What the rendered outputs look like: images that loaded, maths typeset inside HTML outputs, black cells with no value
_RENDER_JS = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  return nb.widgets.map((c, i) => {
    const outs = [...c.node.querySelectorAll('.jp-OutputArea-output')];
    const imgs = outs.flatMap(o => [...o.querySelectorAll('img')]);
    const html = outs.filter(o => o.dataset.mimeType === 'text/html');
    const maths = html.flatMap(o => [...o.querySelectorAll('mjx-container, .MathJax')])
      .map(e => e.closest('td, th, p, div')?.textContent?.slice(0, 80) || '');
    const black = html.flatMap(o => [...o.querySelectorAll('td, th')]).filter(td => {
      const bg = getComputedStyle(td).backgroundColor, t = td.textContent.trim().toLowerCase();
      return (bg === 'rgb(0, 0, 0)' || bg === 'rgba(0, 0, 0, 1)') && ['', 'nan', 'none', '<na>'].includes(t);
    }).length;
    // a table's signature: its column titles and its number of rows (fastprogress rounds what History shows in full)
    const tables = outs.map(o => o.querySelector('table')).filter(t => t).map(t =>
      [...t.querySelectorAll('thead th')].map(th => th.textContent.trim()).filter(x => x).join('|')
      + '#' + t.querySelectorAll('tbody tr').length);
    return {i, images: imgs.length, loaded: imgs.filter(im => im.complete && im.naturalWidth > 0).length,
            svgs: outs.filter(o => o.dataset.mimeType === 'image/svg+xml').length,
            progress: outs.some(o => o.querySelector('progress, table.fastprogress')), maths, black, tables};
  });
}"""


@dataclass
class LessonResult:
    name: str
    seconds: float = 0.
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # seen, reported, not failing
    shots: list = field(default_factory=list)
    cells: int = 0
    images: int = 0

    @property
    def ok(self): return not self.problems

    def __str__(self):
        what = (f"{self.cells} code cells, {self.images} images, {self.seconds:.0f} s" if self.name != 'library' else
                "the lessons' nbdev_export() " + ('left collabnb/ as it was' if self.ok else 'changed collabnb/'))
        head = f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {what}"
        item = lambda tag, text: f"     {tag} " + str(text).replace('\n', '\n       ')
        return '\n'.join([head] + [item('-', p) for p in self.problems] + [item('note:', n) for n in self.notes])


def _stored_plots(nb_path: Path) -> set[int]:
    "Indices of the cells whose stored outputs (the committed notebook) hold an image: they must plot in the browser"
    cells = json.loads(nb_path.read_text())['cells']
    return {i for i, c in enumerate(cells) for o in c.get('outputs', [])
            if any(k.startswith('image/') for k in o.get('data', {}))}


def _short(text, n=300):
    text = ''.join(text) if isinstance(text, list) else str(text)
    text = text.strip()
    return text if len(text) <= n else text[:n] + ' ...'


def _strip_ansi(s: str) -> str:
    import re
    return re.sub(r'\x1b\[[0-9;]*m', '', s)


def _seconds(timing) -> float | None:
    "How long a cell ran, from JupyterLab's `execution` metadata (recordTiming)"
    from datetime import datetime
    try:
        a, b = (datetime.fromisoformat(timing[k].replace('Z', '+00:00'))
                for k in ('iopub.execute_input', 'shell.execute_reply'))
        return (b - a).total_seconds()
    except (TypeError, KeyError, ValueError): return None


def _cell_label(cells, i):
    src = cells[i]['src'].strip().splitlines()
    return f"cell {i} ({src[0][:60]!r})" if src else f"cell {i}"


def run_lesson(page, lab: Lab, nb: Path, shots: Path, every_plot=False) -> LessonResult:
    rel = nb.relative_to(lab.root/'nbs').as_posix()
    res = LessonResult(rel[:-len('.ipynb')])
    t0 = time.time()
    # a workspace of its own per lesson, so the tabs of earlier lessons are not restored (with their kernels)
    page.goto(f'{lab.url}/lab/workspaces/{nb.stem}/tree/{rel}?token={lab.token}')
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.content"
                           " && window.jupyterapp.shell.currentWidget.content.widgets.length > 0", timeout=120_000)
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status"
                           " === 'idle'", timeout=120_000)
    page.wait_for_timeout(1500)  # let JupyterLab finish what it does on opening (kernel info, metadata)
    st = page.evaluate(_STATE_JS)
    if st['dirty'] or st['dirtyMark']:
        res.notes.append("opens with unsaved changes: JupyterLab rewrote the notebook's metadata on opening "
                         "(kernelspec/language_info differ from what the kernel reports)")
    # Run > Run All Cells, as a learner does
    page.locator('.lm-MenuBar-item', has=page.locator('.lm-MenuBar-itemLabel', has_text='Run')).first.click()
    page.locator('.lm-Menu-item', has=page.get_by_text('Run All Cells', exact=True)).click()
    quiet, t_run = 0, time.time()
    while True:
        page.wait_for_timeout(1000)
        st = page.evaluate(_STATE_JS)
        code = [c for c in st['cells'] if c['type'] == 'code' and c['src'].strip()]
        busy = st['kernel'] != 'idle' or any('*' in c['prompt'] or c['state'] == 'running' for c in code)
        errored = any(o['output_type'] == 'error' for c in code for o in c['outputs'])
        done = all(c['count'] for c in code) or errored
        quiet = quiet + 1 if (not busy and done) else 0
        if quiet >= 2: break
        if time.time() - t_run > LESSON_TIMEOUT:
            running = [c['i'] for c in code if '*' in c['prompt']]
            res.problems.append(f"Run All did not finish in {LESSON_TIMEOUT:.0f} s "
                                f"(kernel {st['kernel']}, cells {running} at [*])")
            break
    res.seconds = time.time() - t_run
    if res.seconds > 1.5 * RUN_ALL_SECONDS:
        res.problems.append(f"Run All took {res.seconds:.0f} s (aim: {RUN_ALL_SECONDS} s with RERUN = False)")
    elif res.seconds > RUN_ALL_SECONDS: res.notes.append(f"Run All took {res.seconds:.0f} s (aim: {RUN_ALL_SECONDS} s)")
    cells = st['cells']
    code = [c for c in cells if c['type'] == 'code' and c['src'].strip()]
    res.cells, bad_cells = len(code), []
    def flag(i, msg):
        res.problems.append(msg)
        bad_cells.append(i)
    stop = next((c['i'] for c in code for o in c['outputs'] if o['output_type'] == 'error'), None)
    if stop is None:
        for c in code:
            if not c['count']:
                flag(c['i'], f"{_cell_label(cells, c['i'])} did not run")
                break
    else:
        skipped = sum(1 for c in code if c['i'] > stop and not c['count'])
        res.problems.append(f"Run All stopped at {_cell_label(cells, stop)}: "
                            f"{skipped} code cell(s) after it did not run")
    for c in code:
        for o in c['outputs']:
            if o['output_type'] == 'error':
                tb = _strip_ansi('\n'.join(o.get('traceback', [])))
                flag(c['i'], f"{_cell_label(cells, c['i'])} raised {o['ename']}: {_short(o['evalue'], 200)}\n"
                                    f"       traceback ends: {_short(tb[-400:], 400)}")
            elif o['output_type'] == 'stream' and o['name'] == 'stderr':
                flag(c['i'], f"{_cell_label(cells, c['i'])} wrote to stderr: {_short(o['text'])}")
            elif o['output_type'] in ('execute_result', 'display_data'):
                data = o.get('data', {})
                plain = _short(data.get('text/plain', ''), 200)
                if plain.startswith('<Figure size') and not any(k.startswith('image/') for k in data):
                    flag(c['i'], f"{_cell_label(cells, c['i'])} shows {plain!r} instead of a plot")
    rendered = page.evaluate(_RENDER_JS)
    res.images = sum(r['images'] + r['svgs'] for r in rendered)
    for i in sorted(i for i in _stored_plots(nb) if stop is None or i < stop):
        r = rendered[i] if i < len(rendered) else None
        if r is None or (r['loaded'] + r['svgs']) == 0:
            flag(i, f"{_cell_label(cells, i)} plots in the stored notebook but shows no rendered image")
    for r in rendered:
        if r['images'] > r['loaded']:
            flag(r['i'], f"{_cell_label(cells, r['i'])}: {r['images'] - r['loaded']} image(s) did not load")
        if r['maths']:
            flag(r['i'], f"{_cell_label(cells, r['i'])}: an HTML output is typeset as maths (a `$` in a table?): "
                                f"{_short(r['maths'][0], 80)!r}")
        if r['black']:
            flag(r['i'], f"{_cell_label(cells, r['i'])}: {r['black']} table cell(s) with no value painted black")
    for r in rendered:
        if len(set(r['tables'])) < len(r['tables']):
            res.notes.append(f"{_cell_label(cells, r['i'])} shows the same table twice (same columns, same rows)")
    for c in code:
        secs = _seconds(c['timing'])
        if secs is not None and secs > SILENT_SECONDS and not rendered[c['i']]['progress']:
            flag(c['i'], f"{_cell_label(cells, c['i'])} ran {secs:.0f} s and left no progress bar on the page")
    # Screenshots: the first screen, the first progress table, the first plot
    shot = lambda tag: shots/f"{rel.replace('/', '-')[:-len('.ipynb')].split('_')[0]}-{tag}.png"
    cell_nodes = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')
    cell_nodes.first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=shot('1-first'))
    res.shots.append(shot('1-first'))
    firsts = [('2-progress', next((r['i'] for r in rendered if r['progress']), None)),
              ('3-plot', next((r['i'] for r in rendered if r['loaded'] or r['svgs']), None)),
              ('4-problem', bad_cells[0] if bad_cells else None)]
    for tag, i in firsts:
        if i is None: continue
        outs = cell_nodes.nth(i).locator('.jp-OutputArea-output')
        (outs.last if outs.count() else cell_nodes.nth(i)).scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=shot(tag))
        res.shots.append(shot(tag))
    if every_plot:  # each plot on its own, for a person to look at: <lesson>-plot-<cell>-<n>.png
        for r in rendered:
            for k in range(r['loaded']):
                img = cell_nodes.nth(r['i']).locator('.jp-OutputArea-output img').nth(k)
                img.screenshot(path=shot(f"plot-{r['i']}-{k}"))
                res.shots.append(shot(f"plot-{r['i']}-{k}"))
    res.seconds = time.time() - t0
    return res


def _library_changes(src: Path, copy: Path) -> list[str]:
    "The library files the lessons' `nbdev_export()` changed in the copy"
    a, b = src/'collabnb', copy/'collabnb'
    names = {p.relative_to(a) for p in a.rglob('*.py')} | {p.relative_to(b) for p in b.rglob('*.py')}
    return sorted(str(n) for n in names
                  if not ((a/n).exists() and (b/n).exists() and (a/n).read_bytes() == (b/n).read_bytes()))


def run(lessons=None, shots: Path | None = None, data: Path | None = None, keep=False, every_plot=False,
        log=print) -> list[LessonResult]:
    "Run `lessons` (see `lesson_paths`) in JupyterLab and Chromium: a `LessonResult` each, and one for the library"
    from playwright.sync_api import sync_playwright
    paths = lesson_paths(lessons)
    shots = Path(shots or os.environ.get('COLLABNB_BROWSER_SHOTS')
                 or Path(tempfile.gettempdir())/'collabnb-browser-shots')
    if shots.exists(): shutil.rmtree(shots)
    shots.mkdir(parents=True)
    data = Path(data or os.environ.get('COLLABNB_DATA') or ROOT/'data')
    tmp = Path(tempfile.mkdtemp(prefix='collabnb-browser-'))
    results = []
    try:
        copy = _copy_project(tmp/'collabnb')
        log(f"browser: {len(paths)} lesson(s), project copied to {copy}, data {data}, screenshots in {shots}")
        with Lab(copy, tmp, data) as lab, sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                str(tmp/'chromium-profile'), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                viewport=VIEWPORT)
            try:
                for nb in paths:
                    page = ctx.new_page()
                    try: res = run_lesson(page, lab, copy/'nbs'/nb.relative_to(ROOT/'nbs'), shots, every_plot)
                    except Exception as e:
                        why = f"the browser run broke: {type(e).__name__}: {_short(str(e), 500)}"
                        res = LessonResult(nb.stem, problems=[why])
                        try: page.screenshot(path=shots/f"{nb.stem.split('_')[0]}-broken.png")
                        except Exception: pass
                    finally:
                        page.close()
                        lab.shutdown_kernels()
                    results.append(res)
                    log(str(res))
            finally: ctx.close()
        changed = _library_changes(ROOT, copy)
        lib = LessonResult('library', problems=[f"the lessons' nbdev_export() changed collabnb/{n}: notebooks and "
                                                f"library are out of sync (run nbdev_export)" for n in changed])
        results.append(lib)
        log(str(lib))
    finally:
        if keep: log(f"browser: kept {tmp}")
        else: shutil.rmtree(tmp, ignore_errors=True)
    return results


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('lessons', nargs='*', help="lesson numbers (01b 07 08 by default; or $COLLABNB_BROWSER_LESSONS)")
    ap.add_argument('--all', action='store_true', help="run every lesson and library notebook")
    ap.add_argument('--shots', type=Path, help="folder for the screenshots")
    ap.add_argument('--keep', action='store_true', help="keep the temporary project copy and server log")
    ap.add_argument('--every-plot', action='store_true', help="also save each plot on its own")
    a = ap.parse_args(argv)
    lessons = ['all'] if a.all else (a.lessons or os.environ.get('COLLABNB_BROWSER_LESSONS', '').split() or None)
    t0 = time.time()
    results = run(lessons, a.shots, keep=a.keep, every_plot=a.every_plot)
    bad = [r.name for r in results if not r.ok]
    print(f"browser: {len(results) - len(bad)}/{len(results)} passed ({len(results) - 1} lessons and the library)"
          f"{', failed: ' + ' '.join(bad) if bad else ''}; {time.time() - t0:.0f} s in all")
    return 1 if bad else 0


if __name__ == '__main__': sys.exit(main())
