"""The learner's path, checked on the notebooks' sources and stored outputs (no notebook is run here).

Lessons (`nbs/NN_*.ipynb`) must read like lessons: at most `MAX_CELLS` cells, a picture or a table
among the first `FIRST_PICTURE` cells, the estimated time in the opening cells, no exported
definition longer than `MAX_DEF_LINES` lines, and one `show_doc` per cell (a cell shows only its
last expression) in every notebook, lessons and library notebooks alike.

Prose numbers: every decimal number with two or more significant digits in a markdown cell
(0.9040, 12.6, 1.5, −0.0242; not 0.5 or 0.04) must be one that an output of the same notebook
shows, rounded as written — or be a cited fact, marked by a markdown link to its source in the
same sentence. Numbers inside `code spans`, formulas (`$...$`), version numbers and link targets
are not prose: write settings as code (`lr=3e-2`).
"""
from __future__ import annotations
import ast, json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
LESSONS = sorted(p for p in NBS.glob('*.ipynb') if p.name[:1].isdigit())
LIBRARY = sorted((NBS/'library').glob('*.ipynb'))
ALL = LESSONS + LIBRARY + [NBS/'index.ipynb']
MAX_CELLS, FIRST_PICTURE, MAX_DEF_LINES = 70, 12, 30


def _cells(p: Path) -> list: return json.loads(p.read_text())['cells']
def _src(c) -> str: return ''.join(c['source'])
def _id(p: Path) -> str: return str(p.relative_to(NBS))


def _shows_picture_or_table(c) -> bool:
    "A stored output that is an image or a table (a DataFrame's HTML, or a markdown table)"
    for o in c.get('outputs', []):
        d = o.get('data', {})
        if 'image/png' in d or 'image/svg+xml' in d: return True
        if '<table' in ''.join(d.get('text/html', '')): return True
    if c['cell_type'] == 'markdown':
        s = _src(c)
        return bool(re.search(r'^\s*\|.*\|\s*$\n^\s*\|[\s:|-]+\|\s*$', s, re.M) or '![' in s)
    return False


def _exported_defs(src: str):
    "(name, lines) of each top-level definition in an `#| export` cell"
    code = '\n'.join(l for l in src.splitlines() if not l.startswith(('#|', '%', '!')))
    for n in ast.parse(code).body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            start = min([n.lineno] + [d.lineno for d in n.decorator_list])
            yield n.name, n.end_lineno - start + 1


def layout_problems(p: Path) -> list[str]:
    "What breaks the learner's-path rules in notebook `p`"
    cells, probs, lesson = _cells(p), [], p in LESSONS
    for i, c in enumerate(cells):
        if c['cell_type'] != 'code': continue
        s = _src(c)
        if len(re.findall(r'^\s*show_doc\(', s, re.M)) > 1: probs.append(f"cell {i}: two show_doc calls")
        if lesson and re.match(r'#\|\s*export', s):
            probs += [f"cell {i}: exported `{n}` is {k} lines (max {MAX_DEF_LINES})"
                      for n, k in _exported_defs(s) if k > MAX_DEF_LINES]
    if lesson:
        if len(cells) > MAX_CELLS: probs.append(f"{len(cells)} cells (max {MAX_CELLS})")
        if not any(_shows_picture_or_table(c) for c in cells[:FIRST_PICTURE]):
            probs.append(f"no picture or table among the first {FIRST_PICTURE} cells")
        opening = ' '.join(_src(c) for c in cells[:7] if c['cell_type'] == 'markdown')
        if not re.search(r'\babout \w+ (minutes|hours?)\b', opening, re.I):
            probs.append("no estimated time ('About 45 minutes') in the opening cells")
    return probs


# ---- prose numbers
NUM = re.compile(r'(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)\.(\d+)(?![\w.]|\.\d)')
SENTENCE_END = re.compile(r'(?<=[.!?:;])\s+(?=[A-Z(*`"“])|\n\s*\n|\n\s*[-*\d]+[.)]?\s')


def _prose(md: str) -> str:
    "Markdown without code, maths-free link targets and HTML tags: what a reader reads as prose"
    md = re.sub(r'```.*?```', ' ', md, flags=re.S)
    md = re.sub(r'`[^`]*`', ' ', md)
    md = re.sub(r'\$\$.*?\$\$|\$[^$\n]+\$', ' ', md, flags=re.S)   # formulas define, they do not report
    md = re.sub(r'\b(Python|version|v)\s+\d+(\.\d+)+', ' ', md)     # version numbers
    md = re.sub(r'\]\([^)]*\)', '](LINK)', md)   # keep the mark of a link, drop its target
    return re.sub(r'<[^>]+>', ' ', md)


def _sig_digits(whole: str, frac: str) -> int:
    return len((whole.replace(',', '') + frac).lstrip('0'))


def _output_text(cells) -> str:
    out = []
    for c in cells:
        for o in c.get('outputs', []):
            if 'text' in o: out.append(''.join(o['text']))
            for k in ('text/plain', 'text/html', 'text/markdown', 'text/latex'):
                if k in o.get('data', {}): out.append(''.join(o['data'][k]))
    return '\n'.join(out)


def _printed_numbers(text: str) -> list[tuple[float, int]]:
    "(value, decimals) of every number with a decimal point in `text`, and each integer as (value, 0)"
    nums = [(float(m.group(0).replace(',', '')), len(m.group(0).split('.')[1]) if '.' in m.group(0) else 0)
            for m in re.finditer(r'\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?', text)]
    return nums


def _shown(value: float, decimals: int, printed: list) -> bool:
    "Is `value` (written with `decimals` places) an output number rounded as written, or a percentage of one?"
    tol = 0.5 * 10**-decimals + 1e-12
    for v, d in printed:
        if d >= decimals and (abs(v - value) <= tol or abs(100*v - value) <= tol): return True
    return False


def unshown_numbers(p: Path) -> list[str]:
    "Numbers in `p`'s prose that no output of `p` shows and no link in their sentence cites"
    cells = _cells(p)
    printed = _printed_numbers(_output_text(cells))
    # a number may be quoted from an earlier cell's *code* comment only if an output shows it: code is not evidence
    probs = []
    for i, c in enumerate(cells):
        if c['cell_type'] != 'markdown': continue
        for sentence in SENTENCE_END.split(_prose(_src(c))):
            if '](LINK)' in sentence: continue
            for m in NUM.finditer(sentence):
                whole, frac = m.group(1), m.group(2)
                if _sig_digits(whole, frac) < 2: continue
                value = float(whole.replace(',', '') + '.' + frac)
                if not _shown(value, len(frac), printed):
                    probs.append(f"cell {i}: {m.group(0)} in “{' '.join(sentence.split())[:90]}”")
    return probs


# notebooks being reworked this round: their checks are expected to fail until the rework lands
PENDING = set()
ALL = [pytest.param(p, marks=pytest.mark.xfail(reason='reworked this round', strict=False)) if _id(p) in PENDING else p
       for p in ALL]


@pytest.mark.parametrize('nb', ALL, ids=_id)
def test_layout(nb):
    probs = layout_problems(nb)
    assert not probs, f"{_id(nb)}:\n  " + "\n  ".join(probs)


@pytest.mark.parametrize('nb', ALL, ids=_id)
def test_prose_numbers_are_shown(nb):
    probs = unshown_numbers(nb)
    assert not probs, (f"{_id(nb)}: numbers in prose that no output shows (print them, round as printed, "
                       f"or cite a source with a link in the sentence):\n  " + "\n  ".join(probs))


# ---- the checks themselves can fail
def _nb(tmp_path, cells) -> Path:
    p = tmp_path/'x.ipynb'
    p.write_text(json.dumps({'cells': cells, 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}))
    return p


def _md(s): return {'cell_type': 'markdown', 'source': [s], 'metadata': {}}
def _out(text): return {'cell_type': 'code', 'source': ['x'], 'metadata': {},
                        'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': [text]}]}


def test_prose_check_catches_and_passes(tmp_path):
    p = _nb(tmp_path, [_out("valid RMSE 0.90397 over 5 seeds, sd 0.00551\n"),
                       _md("It scores 0.9040 ± 0.0055. Then 0.9041 appears. The book says 0.82 ([fastbook](https://x)). "
                           "A rate of `lr=0.0123` and 0.5 are not checked.")])
    probs = unshown_numbers(p)
    assert len(probs) == 1 and '0.9041' in probs[0], probs


def test_layout_check_catches(tmp_path):
    body = '\n'.join(f"    x{i} = {i}" for i in range(31))
    cells = [_md("# T\n\n> t"), {'cell_type': 'code', 'source': [f"#| export\ndef f():\n{body}"], 'metadata': {},
                                 'outputs': []},
             {'cell_type': 'code', 'source': ["show_doc(f)\nshow_doc(g)"], 'metadata': {}, 'outputs': []}]
    p = _nb(tmp_path, cells)
    global LESSONS
    saved, LESSONS = LESSONS, LESSONS + [p]
    try: probs = layout_problems(p)
    finally: LESSONS = saved
    assert any('two show_doc' in s for s in probs) and any('exported `f`' in s for s in probs)
    assert any('estimated time' in s for s in probs) and any('picture' in s for s in probs)
