"""The course's website in a real browser: every page of `_site/` checked by `site_check.py` in headless Chromium.

Marked `browser` and left out of the default `pytest` run: `pytest -m browser -n 0 tests/test_site.py`.
The site is `$COLLABNB_SITE`, else `_site/`; built first (`python docs/build.py`) if it holds no index.html.
What each page must show comes from its notebook's stored outputs (images, maths, show_doc tables).
Screenshots: `$COLLABNB_SITE_SHOTS`, else `<tmp>/collabnb-site-shots` (the test prints the folder).
"""
import importlib.util, json, os, re, sys, tempfile
from pathlib import Path
import pytest

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _load(name: str, path: Path):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


site_check = _load('collabnb_site_check', HERE/'site_check.py')
build = _load('collabnb_docs_build', ROOT/'docs'/'build.py')
Expect = site_check.Expect
MATHS = re.compile(r'(?<![\\$])\$[^$\n]+\$|\$\$')


def _text(x) -> str: return ''.join(x) if isinstance(x, list) else (x or '')


def expectations(pages, defs) -> dict:
    "What each notebook's page must show, read from the notebook as the site stages it (hidden cells dropped)"
    out = {}
    for p in pages:
        nb = build.stage_notebook(p, pages, defs)
        e = Expect()
        for c in nb['cells']:
            if c['cell_type'] == 'markdown':
                e.maths |= bool(MATHS.search(re.sub(r'```.*?```|`[^`\n]*`', '', _text(c['source']), flags=re.S)))
            if 'remove-output' in c.get('metadata', {}).get('tags', []): continue
            for o in c.get('outputs', []):
                data = o.get('data', {})
                e.images += any(k.startswith('image/') for k in data)
                md = _text(data.get('text/markdown', ''))
                doc = 'show-doc' in c['metadata'].get('tags', []) and bool(md)
                e.show_docs += doc
                e.doc_tables += doc and bool(re.search(r'^\|\s*-', md, re.M))
        out[p.html] = e
    return out


def documented_in(pages, name: str) -> list[str]:
    "The pages whose show_doc output documents `name` (a `### name` heading)"
    return [p.html for p in pages for c in build.read_nb(p.path)['cells'] for o in c.get('outputs', [])
            if re.search(rf'^###\s+{re.escape(name)}\s*$', _text(o.get('data', {}).get('text/markdown', '')), re.M)]


@pytest.fixture(scope='module')
def site():
    path = Path(os.environ.get('COLLABNB_SITE') or ROOT/'_site')
    if not (path/'index.html').exists(): build.build(path)
    return path


def _shots() -> Path:
    return Path(os.environ.get('COLLABNB_SITE_SHOTS') or Path(tempfile.gettempdir())/'collabnb-site-shots')


def test_site_in_chromium(site, capsys):
    assert Path(site_check.CHROMIUM).exists(), f"no Chromium at {site_check.CHROMIUM} (Debian: apt-get install chromium)"
    pages = build.pages()
    expect = expectations(pages, build.definitions())
    fit_pages = documented_in(pages, 'fit')
    assert fit_pages, "no notebook documents fit with show_doc"
    lesson = next((p.html for p in pages if p.kind == 'lesson' and expect[p.html].maths and expect[p.html].images),
                  next(p.html for p in pages if p.kind == 'lesson'))
    (mod, line), = build.definitions()['fit']
    source = f'{build.SOURCE_DIR}/{mod}.html#L-{line}'  # where fit's [source] link must lead
    assert f'class="sourcelink reference internal" href="../{source}"' in (site/fit_pages[0]).read_text(encoding='utf-8'), \
        f"{fit_pages[0]} has no [source] link to {source}"
    shots = _shots()
    with capsys.disabled():
        print(f"\nsite: {site}, {len(site_check.html_pages(site))} pages; screenshots in {shots}", flush=True)
        results, problems = site_check.check_site(
            site, expect, searches={'fit': fit_pages}, shots=shots,
            shoot=['index.html', f'{lesson} @ .cell_output img', f'{fit_pages[0]} @ .tag_show-doc', source],
            log=lambda s: print(s, flush=True))
        bad = [r for r in results if not r.ok]
        print(f"site: {len(results) - len(bad)}/{len(results)} pages passed; "
              f"{sum(r.images for r in results)} images, {sum(r.maths for r in results)} formulas typeset, "
              f"{sum(r.links for r in results)} links followed; search for 'fit' lists {fit_pages}"
              + ('' if not problems else '; ' + '; '.join(problems)), flush=True)
    assert not bad and not problems, '\n'.join([str(r) for r in bad] + problems)
    assert sum(e.maths for e in expect.values()) and sum(r.maths for r in results), "no maths anywhere: nothing was checked"


# A tiny fake site with planted faults: the checker must catch each one
_GOOD = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><main><h1 id="here">A clean page</h1><p>Prices like $5 are not maths.</p>
<a href="index.html">home</a> <a href="#here">top</a></main></body></html>"""
_BAD = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><main><h1>Planted faults</h1>
<p>The loss is $\\sum_i (r_i - \\hat r_i)^2$ over the ratings.</p>
<p>Some **bold** that never rendered, and a [link](https://example.org) left raw.</p>
<p>| name | value |<br>| --- | --- |</p>
<p><span class="math">\\(x^2\\)</span></p>
<pre style="width: 3000px">a listing wider than the window</pre>
<div class="cell_output"><img src="missing.png" alt="a plot that is not there"></div>
<a href="good.html#here">fine</a> <a href="good.html#nowhere">bad anchor</a> <a href="gone.html">broken</a>
<a href="https://github.com/collabnb/collabnb/blob/main/collabnb/learner.py#L24">source</a>
<script>console.error('planted console error')</script></main></body></html>"""


def test_checker_catches_planted_faults(tmp_path):
    (tmp_path/'good.html').write_text(_GOOD)
    (tmp_path/'index.html').write_text(_BAD)
    results, _ = site_check.check_site(tmp_path, {'index.html': Expect(maths=True, images=2, show_docs=1, doc_tables=1)},
                                       log=lambda s: None)
    by = {r.path: r for r in results}
    assert by['good.html'].ok, str(by['good.html'])
    found = '\n'.join(by['index.html'].problems)
    for planted in ["raw maths `$...$`", "raw bold `**`", "raw markdown link", "raw table rule",
                    "not typeset by MathJax", "image(s) not shown", "HTTP 404", "planted console error",
                    "good.html#nowhere: no such anchor", "link to gone.html answers 404",
                    "unpublished repository", "stores 2 output image(s), the page shows 0",
                    "has maths, the page has no MathJax output", "1 show_doc output(s), the page shows 0 heading(s)",
                    "1 parameter table(s), the page shows 0", "wider than the window"]:
        assert planted in found, f"the checker missed {planted!r}; it found:\n{found}"


# The staging step on a tiny fake project: order, nbdev's directives, show_doc's [source] links
def _nb(*cells) -> str:
    mk = lambda c: ({'cell_type': 'markdown', 'metadata': {}, 'source': c} if isinstance(c, str) else
                    {'cell_type': 'code', 'metadata': {}, 'execution_count': 1, 'source': c[0], 'outputs': c[1]})
    return json.dumps({'cells': [mk(c) for c in cells], 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 4})


def _doc(url: str, name: str) -> list:
    md = f'---\n\n[source]({url}){{target="_blank" style="float:right; font-size:smaller"}}\n\n### {name}\n\n```python\ndef {name}():\n```\n'
    return [{'output_type': 'display_data', 'metadata': {}, 'data': {'text/markdown': md, 'text/plain': name}}]


def test_stage_orders_pages_and_applies_nbdev(tmp_path):
    nbs, lib = tmp_path/'nbs', tmp_path/'collabnb'
    (nbs/'library').mkdir(parents=True); lib.mkdir()
    (lib/'mod.py').write_text('import torch\n\n\nclass K:\n    def m(self): pass\n\ndef fit(x):\n    return x\n')
    (lib/'other.py').write_text('def moved(): pass\n')
    gh = 'https://github.com/collabnb/collabnb/blob/main/collabnb'
    (nbs/'index.ipynb').write_text(_nb('# home\n\n| notebook | what |\n|---|---|\n| `02_b` | second first |\n| `01_a` | then |'))
    (nbs/'01_a.ipynb').write_text(_nb('# Lesson A\n\n*About 35 minutes; Run All takes about 5 s.*',
                                      ('#| hide\nfrom fastcore.test import *', []),
                                      ('#| export\ndef fit(x): return x', []),
                                      ('show_doc(fit)', _doc(f'{gh}/mod.py#L99', 'fit')),
                                      ('show_doc(K.m)', _doc(f'{gh}/mod.py#LNone', 'K.m')),
                                      ('show_doc(moved)', _doc(f'{gh}/mod.py#L3', 'moved')),
                                      ('show_doc(gone)', _doc(f'{gh}/mod.py#L3', 'gone'))))
    for n in ('02_b', '03_c', 'library/z'): (nbs/f'{n}.ipynb').write_text(_nb(f'# {n}'))
    pages = build.pages(nbs)
    assert [p.rel for p in pages] == ['index.ipynb', '02_b.ipynb', '01_a.ipynb', '03_c.ipynb', 'library/z.ipynb']
    assert [p.kind for p in pages] == ['home', 'lesson', 'lesson', 'lesson', 'library']
    a = pages[2]
    assert (a.title, a.minutes) == ('Lesson A', 35)
    moved = []
    nb = build.stage_notebook(a, pages, build.definitions(lib))
    src = [build._source(c) for c in nb['cells']]
    assert not any('fastcore.test' in s for s in src), "a #| hide cell is shown"
    assert 'def fit(x): return x' in src and not any('#| export' in s for s in src)
    assert 'jupyter lab nbs/01_a.ipynb' in src[1] and '/_notebooks/01_a.ipynb' in src[1]
    docs = [c for c in nb['cells'] if 'show-doc' in c['metadata'].get('tags', [])]
    assert len(docs) == 4 and all('remove-input' in c['metadata']['tags'] for c in docs)
    md = [build._source({'source': c['outputs'][0]['data']['text/markdown']}) for c in docs]
    assert not any(m.lstrip().startswith('---') for m in md)
    assert f'[source]({gh}/mod.py#L7){{.sourcelink}}' in md[0], md[0]    # stale line 99: fit is on line 7 now
    assert f'[source]({gh}/mod.py#L5){{.sourcelink}}' in md[1], md[1]    # LNone: the method K.m, found
    assert f'[source]({gh}/other.py#L1){{.sourcelink}}' in md[2], md[2]  # moved to another module
    assert f'[source]({gh}/mod.py){{.sourcelink}}' in md[3], md[3]       # defined nowhere: the module's top
    home = build.stage_notebook(pages[0], pages, {})
    text = '\n'.join(build._source(c) for c in home['cells'])
    assert '| [`02_b`](02_b.ipynb) |' in text and ':caption: Lessons' in text
    assert text.index('<02_b>') < text.index('<01_a>') < text.index('<03_c>') < text.index('<library/z>')


def test_source_links_rewritten_relative(tmp_path):
    (tmp_path/'library').mkdir()
    gh = 'https://github.com/collabnb/collabnb/blob/main/collabnb'
    (tmp_path/'library'/'x.html').write_text(f'<a class="sourcelink reference external" href="{gh}/learner.py#L24">source</a>'
                                             f'<a class="reference external" href="{gh}/data.py#LNone">x</a>')
    (tmp_path/'y.html').write_text(f'<a href="{gh}/sub/m.py#L3">m</a>')
    assert build.rewrite_links(tmp_path) == 3
    x = (tmp_path/'library'/'x.html').read_text()
    assert ('<a class="sourcelink reference internal" href="../source/learner.html#L-24">' in x
            and 'href="../source/data.html"' in x), x
    assert 'href="source/sub/m.html#L-3"' in (tmp_path/'y.html').read_text()
