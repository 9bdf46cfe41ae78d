"""Build the course's website from the notebooks' stored outputs: `python docs/build.py` writes `_site/`.

Pages, in the learner's order: `nbs/index.ipynb` is the home page; the lessons (`nbs/NN_*.ipynb`) in
the order of the home page's lesson table (lessons it does not list follow, by file name); the
library notebooks (`nbs/library/*.ipynb`) as "How the library works"; one highlighted page per module
of `collabnb/` with line anchors, where the `[source]` links of nbdev's `show_doc` lead. Nothing is
executed: the notebooks are copied to a staging folder (`docs/_build/src`), cells are shown as nbdev
shows them (`#| hide` cells dropped, directive lines removed, `show_doc` calls hidden behind their
output), each lesson and library page gets a banner that offers the notebook for download and says
how to open it in JupyterLab, and Sphinx (myst-nb, sphinx-book-theme) renders the result.

    python docs/build.py               # -> _site/ (open _site/index.html, or serve it)
    python docs/build.py --out /tmp/s  # elsewhere
    python docs/build.py --clean       # from nothing (drops docs/_build's cached doctrees)
"""
from __future__ import annotations
import argparse, html, json, re, shutil, subprocess, sys, time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT/'docs'
BUILD = DOCS/'_build'
GITHUB_SOURCE = re.compile(r'https://github\.com/collabnb/collabnb/blob/[^/"\s)]+/collabnb/([\w/]+)\.py(?:#L(\d+|None))?')
SOURCE_DIR = 'source'  # the modules' pages: source/<module>.html, lines anchored as #L-<n>
SHOW_DOC = re.compile(r'^\s*(show_doc|ShowDoc\w*)\(.*\)\s*$')


@dataclass
class Page:
    "A notebook of `nbs/` and where it lands on the site"
    path: Path     # the notebook, in nbs/
    rel: str       # its path under nbs/ ('02_bias.ipynb', 'library/learner.ipynb'), also its place on the site
    kind: str      # 'home', 'lesson' or 'library'
    title: str
    minutes: int | None = None

    @property
    def docname(self) -> str: return self.rel[:-len('.ipynb')]

    @property
    def html(self) -> str: return self.docname + '.html'


def _source(cell) -> str:
    src = cell.get('source', '')
    return ''.join(src) if isinstance(src, list) else src


def read_nb(path: Path) -> dict: return json.loads(Path(path).read_text(encoding='utf-8'))


def nb_title(nb: dict, default: str) -> str:
    "The notebook's `# Title`, without markdown backticks"
    for c in nb['cells']:
        if c['cell_type'] == 'markdown':
            m = re.search(r'^#\s+(.+)$', _source(c), re.M)
            if m: return m.group(1).strip().replace('`', '')
    return default


def nb_minutes(nb: dict) -> int | None:
    "The estimated time a lesson states at its top (\"*About 45 minutes; ...*\"), if it states one"
    for c in nb['cells'][:6]:
        m = re.search(r'About (\d+) minutes', _source(c)) if c['cell_type'] == 'markdown' else None
        if m: return int(m.group(1))
    return None


def lesson_order(nbs: Path) -> list[Path]:
    "The lessons `nbs/NN_*.ipynb` in the order of index.ipynb's lesson table; any it does not list follow, by name"
    lessons = {p.stem: p for p in sorted(nbs.glob('*.ipynb')) if p.name[:1].isdigit()}
    listed = []
    if (nbs/'index.ipynb').exists():
        for c in read_nb(nbs/'index.ipynb')['cells']:
            if c['cell_type'] != 'markdown': continue
            for m in re.finditer(r'^\|\s*`?([0-9]\w*?)(?:\.ipynb)?`?\s*\|', _source(c), re.M):
                if m.group(1) in lessons and m.group(1) not in listed: listed.append(m.group(1))
    return [lessons[s] for s in listed] + [p for s, p in lessons.items() if s not in listed]


def pages(nbs: Path = ROOT/'nbs') -> list[Page]:
    "Every page built from a notebook, in the site's order: home, lessons, library notebooks"
    out = []
    def add(p, kind):
        nb = read_nb(p)
        out.append(Page(p, p.relative_to(nbs).as_posix(), kind, nb_title(nb, p.stem), nb_minutes(nb)))
    if (nbs/'index.ipynb').exists(): add(nbs/'index.ipynb', 'home')
    for p in lesson_order(nbs): add(p, 'lesson')
    for p in sorted((nbs/'library').glob('*.ipynb')): add(p, 'library')
    return out


# nbdev's directives: `#| hide` drops a cell from the docs, `#| echo: false` its input, `#| output: false` its outputs
def split_directives(src: str) -> tuple[dict, str]:
    "The `#| key[: value]` lines at the top of a code cell, as a dict, and the source without them"
    lines, found = src.splitlines(), {}
    i = 0
    while i < len(lines) and (lines[i].startswith('#|') or not lines[i].strip()):
        if lines[i].startswith('#|'):
            m = re.match(r'([\w-]+)(?::\s*|\s+|$)(.*)$', lines[i][2:].strip())
            if m: found[m.group(1)] = m.group(2).strip()
        i += 1
    return found, '\n'.join(lines[i:])


def _rel_link(frm: str, to: str) -> str:
    "A relative URL from the page `frm` to the site path `to` (both relative to the site's root)"
    depth = frm.count('/')
    return '../'*depth + to


def source_link(m: re.Match, frm: str) -> str:
    "The site's own page for a `[source]` link to the (unpublished) GitHub repository, at the line it names"
    mod, line = m.group(1), m.group(2)
    anchor = f'#L-{line}' if line and line != 'None' else ''
    return _rel_link(frm, f'{SOURCE_DIR}/{mod}.html{anchor}')


def banner(page: Page) -> str:
    "The lines each lesson and library page opens with: the notebook to download, and how to open it"
    name = page.path.name
    what = 'This lesson' if page.kind == 'lesson' else 'This page'
    time_ = f" *About {page.minutes} minutes.*" if page.minutes else ''
    return (f":::{{admonition}} The notebook\n:class: tip notebook-banner\n"
            f"{what} is the notebook `nbs/{page.rel}`, shown with its stored outputs.{time_} "
            f"{{download}}`Download {name} </_notebooks/{page.rel}>`, or, in a clone of the project, open it in JupyterLab "
            f"and run it yourself:\n\n```sh\njupyter lab nbs/{page.rel}\n```\n:::\n")


def definitions(lib: Path = ROOT/'collabnb') -> dict[str, list[tuple[str, int]]]:
    "Where each name is defined in `lib`: 'fit' or 'History.plot' -> [(module, line of its `def` or `class`)]"
    import ast
    out: dict[str, list[tuple[str, int]]] = {}
    def add(name, mod, node):
        out.setdefault(name, []).append((mod, node.lineno))  # the `def` line, as nbdev links it
    for py in sorted(lib.rglob('*.py')):
        if py.name == '_modidx.py': continue
        mod = py.relative_to(lib).with_suffix('').as_posix()
        for node in ast.parse(py.read_text(encoding='utf-8')).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                add(node.name, mod, node)
                ann = node.args.args[0].annotation if node.args.args else None  # fastcore's @patch: def f(self:Cls)
                if isinstance(ann, ast.Name) and any('patch' in ast.unparse(d) for d in node.decorator_list):
                    add(f'{ann.id}.{node.name}', mod, node)
            elif isinstance(node, ast.ClassDef):
                add(node.name, mod, node)
                for sub in node.body:
                    if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)): add(f'{node.name}.{sub.name}', mod, sub)
    return out


_DOC_LINK = re.compile(r'\[source\]\((' + GITHUB_SOURCE.pattern + r')\)(\{[^}]*\})?(\s*\n+#+\s+)(\S+)')


STALE: list[str] = []  # the [source] links whose stored line or module no longer matched the code (this build)


def fix_source_links(md: str, defs: dict, where: str = '', log=STALE.append) -> str:
    "A show_doc output whose `[source]` link names the module and line where its name is defined now"
    def sub(m):
        url, mod, line, sep, name = m.group(1), m.group(2), m.group(3), m.group(5), m.group(6).replace('\\', '')
        hits = defs.get(name, [])
        here = [h for h in hits if h[0] == mod] or (hits if len(hits) == 1 else [])
        new_mod, new_line = here[0] if here else (mod, None)
        if (new_mod, str(new_line)) != (mod, line) and log:
            what = f"{new_mod}.py#L{new_line}" if new_line else f"the top of {mod}.py (no definition of {name} found)"
            log(f"{where}: [source] of {name} named {mod}.py#L{line}, links to {what} (stored output older than the code)")
        new_url = f"https://github.com/collabnb/collabnb/blob/main/collabnb/{new_mod}.py" + (f"#L{new_line}" if new_line else '')
        return f"[source]({new_url}){{.sourcelink}}{sep}{m.group(6)}"
    return _DOC_LINK.sub(sub, md)


def show_doc_output(out: dict, defs: dict, where: str = '') -> dict:
    "A show_doc output without its leading `---` rule (docutils allows no rule inside an output; CSS draws it), "
    "its `[source]` link checked against the code"
    data = out.get('data', {})
    if 'text/markdown' not in data: return out
    md = re.sub(r'^\s*---\s*\n', '', _source({'source': data['text/markdown']}))
    md = add_source_link(md, defs)
    return dict(out, data=dict(data, **{'text/markdown': fix_source_links(md, defs, where)}))


def add_source_link(md: str, defs: dict) -> str:
    "A `[source]` link for a show_doc output that has none (nbdev writes none for a name the notebook itself defines)"
    m = re.match(r'\s*(#+)\s+(\S+)', md)
    if '[source](' in md or not m: return md
    hits = defs.get(m.group(2).replace('\\', ''), [])
    if len(hits) != 1: return md
    mod, line = hits[0]
    return f"[source](https://github.com/collabnb/collabnb/blob/main/collabnb/{mod}.py#L{line}){{.sourcelink}}\n\n" + md.lstrip()


def stage_notebook(page: Page, lessons: list[Page], defs: dict) -> dict:
    "The notebook as the site shows it: nbdev's directives applied, a banner under the title"
    nb = read_nb(page.path)
    cells = []
    for c in nb['cells']:
        c = dict(c, metadata=dict(c.get('metadata', {})))
        src = _source(c)
        if c['cell_type'] == 'code':
            d, body = split_directives(src)
            if 'hide' in d or d.get('include') == 'false': continue
            if not body.strip() and not c.get('outputs'): continue
            tags = list(c['metadata'].get('tags', []))
            if d.get('echo') == 'false' or all(SHOW_DOC.match(l) for l in body.strip().splitlines()):
                tags.append('remove-input')
            if d.get('output') == 'false': tags.append('remove-output')
            if any(_source({'source': o.get('data', {}).get('text/markdown', '')}).lstrip().startswith('---')
                   for o in c.get('outputs', [])):  # nbdev's show_doc output
                tags.append('show-doc')
                c['outputs'] = [show_doc_output(o, defs, page.rel) for o in c['outputs']]
            c['metadata']['tags'] = tags
            c['source'] = body
        elif c['cell_type'] == 'markdown':
            c['source'] = re.sub(r'^(#+ .*?) -\s*$', r'\1', src, flags=re.M)  # nbdev's organising headings
        cells.append(c)
    if page.kind == 'home':
        cells.append(dict(_toc_cell(lessons), id='collabnb-site-toc'))
        for c in cells:  # the lesson table's first column links to the lessons
            if c['cell_type'] == 'markdown':
                c['source'] = re.sub(r'^\|\s*`?([0-9]\w*?)`?\s*\|',
                                     lambda m: f"| [`{m.group(1)}`]({m.group(1)}.ipynb) |"
                                     if (page.path.parent/f'{m.group(1)}.ipynb').exists() else m.group(0),
                                     _source(c), flags=re.M)
    else:
        at = next((i for i, c in enumerate(cells) if c['cell_type'] == 'markdown' and re.search(r'^# ', _source(c), re.M)), -1)
        cells.insert(at + 1, {'cell_type': 'markdown', 'id': 'collabnb-site-banner', 'metadata': {}, 'source': banner(page)})
    seen = set()
    for i, c in enumerate(cells):  # every cell an id of its own (nbformat 4.5), so nbformat neither warns nor renames
        if not c.get('id') or c['id'] in seen: c['id'] = f'cell-{i}'
        seen.add(c['id'])
    nb['cells'], nb['nbformat'], nb['nbformat_minor'] = cells, 4, max(5, nb.get('nbformat_minor', 0))
    return nb


_TOC = {'lesson': 'Lessons', 'library': 'How the library works'}


def _toc_cell(all_pages: list[Page]) -> dict:
    "A hidden toctree for the home page: the lessons in the learner's order, the library, the source"
    def entry(p: Page):
        num = p.path.stem.split('_')[0] + ' · ' if p.kind == 'lesson' else ''
        mins = f' ({p.minutes} min)' if p.minutes else ''
        return f"{num}{p.title}{mins} <{p.docname}>"
    blocks = []
    for kind, caption in _TOC.items():
        items = [entry(p) for p in all_pages if p.kind == kind]
        if items: blocks.append(f"```{{toctree}}\n:hidden:\n:caption: {caption}\n\n" + '\n'.join(items) + "\n```\n")
    blocks.append(f"```{{toctree}}\n:hidden:\n:caption: Source\n\n{SOURCE_DIR}/index\n```\n")
    return {'cell_type': 'markdown', 'metadata': {}, 'source': '\n'.join(blocks)}


def module_writers(all_pages: list[Page]) -> dict[str, list[Page]]:
    "Which notebooks write each module (`#| default_exp M` first, then those that append with `#| export M`)"
    out: dict[str, list[Page]] = {}
    for p in all_pages:
        nb, default = read_nb(p.path), None
        for c in nb['cells']:
            if c['cell_type'] != 'code': continue
            d, _ = split_directives(_source(c))
            if 'default_exp' in d: default = d['default_exp'].split()[0]
            for k in ('export', 'exports', 'exporti'):
                if k in d and d[k].split()[:1]:
                    out.setdefault(d[k].split()[0], [])
                    if p not in out[d[k].split()[0]]: out[d[k].split()[0]].append(p)
        if default:
            ps = out.setdefault(default, [])
            if p in ps: ps.remove(p)
            ps.insert(0, p)
    return out


def source_pages(lib: Path, writers: dict[str, list[Page]]) -> dict[str, str]:
    "A MyST page per module of `lib`: its source highlighted by Pygments, each line anchored as `L-<n>`"
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer
    # each line number is its line's anchor (`id="L-n"`) and a link to itself; the anchor sits at the left edge,
    # so following a link never scrolls a long line's listing sideways
    fmt = HtmlFormatter(linenos='table', anchorlinenos=True, lineanchors='L', cssclass='highlight source-listing')
    out, names = {}, []
    for py in sorted(lib.rglob('*.py')):
        if py.name == '_modidx.py' or '__pycache__' in py.parts: continue
        mod = py.relative_to(lib).with_suffix('').as_posix()
        names.append(mod)
        by = writers.get(mod.replace('/', '.'), [])
        made = ('Written by `nbdev_export` from ' + ', '.join(f"[{p.title}](../{p.rel})" for p in by) + '.'
                if by else 'Not written from a notebook.')
        code = re.sub(r'<a id="L-\d+" name="L-\d+"></a>', '', highlight(py.read_text(encoding='utf-8'), PythonLexer(), fmt))
        code = re.sub(r'<a href="#L-(\d+)">', r'<a id="L-\1" href="#L-\1">', code)
        out[mod] = (f"# `{lib.name}/{mod}.py`\n\n{made} Line numbers link to themselves.\n\n"
                    f"```{{raw}} html\n{code}\n```\n")
    out['index'] = ("# The library's source\n\nEach module of `collabnb`, as `nbdev_export` writes it from the "
                    "notebooks; the `[source]` links of the reference pages lead here.\n\n"
                    "```{toctree}\n:maxdepth: 1\n\n" + '\n'.join(f"{m}.py <{m}>" for m in names) + "\n```\n")
    return out


def _write(path: Path, text: str) -> bool:
    "Write `text` unless the file already holds it (Sphinx rebuilds only what changed)"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding='utf-8') == text: return False
    path.write_text(text, encoding='utf-8')
    return True


def stage(src: Path, nbs: Path = ROOT/'nbs', lib: Path = ROOT/'collabnb') -> list[Page]:
    "Write Sphinx's source folder `src`: the staged notebooks, their originals (for download) and the source pages"
    all_pages, defs = pages(nbs), definitions(lib)
    keep = set()
    for p in all_pages:
        _write(src/p.rel, json.dumps(stage_notebook(p, all_pages, defs), indent=1, ensure_ascii=False) + '\n')
        keep.add(src/p.rel)
        if p.kind != 'home':  # the original, offered by the banner's download link
            _write(src/'_notebooks'/p.rel, p.path.read_text(encoding='utf-8'))
            keep.add(src/'_notebooks'/p.rel)
    for mod, text in source_pages(lib, module_writers(all_pages)).items():
        _write(src/SOURCE_DIR/f'{mod}.md', text)
        keep.add(src/SOURCE_DIR/f'{mod}.md')
    for f in list(src.rglob('*')):  # notebooks removed from nbs/ since the last build
        if f.is_file() and f not in keep: f.unlink()
    return all_pages


def rewrite_links(site: Path) -> int:
    "Point every link to the GitHub repository's source files at the site's own source pages; how many were rewritten"
    n = 0
    for f in site.rglob('*.html'):
        rel = f.relative_to(site).as_posix()
        if rel.startswith('_static/'): continue
        text = f.read_text(encoding='utf-8')
        count = [0]
        def sub(m):
            count[0] += 1
            return source_link(m, rel)
        new = GITHUB_SOURCE.sub(sub, text)
        if count[0]:
            # the rewritten links are internal now: drop the external marks and new-tab targets nbdev asked for
            new = re.sub(r'<a class="([^"]*)\breference external\b([^"]*)" href="((?:\.\./)*source/[^"]*)"',
                         r'<a class="\1reference internal\2" href="\3"', new)
            new = re.sub(r'(href="(?:\.\./)*source/[^"]*")\s+target="_blank"', r'\1', new)
            f.write_text(new, encoding='utf-8')
            n += count[0]
    return n


def build(out: Path = ROOT/'_site', clean: bool = False, quiet: bool = True) -> dict:
    "Stage the notebooks and run Sphinx into `out`; what was built (pages, seconds)"
    t0 = time.time()
    src, doctrees, html_dir = BUILD/'src', BUILD/'doctrees', BUILD/'html'  # myst-nb writes beside html_dir
    if clean: shutil.rmtree(BUILD, ignore_errors=True)
    STALE.clear()
    all_pages = stage(src)
    # Sphinx's source is the staged folder; its configuration stays in docs/ (-c); the download links
    # point at the originals in _notebooks/, which are not pages themselves
    cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-c', str(DOCS), '-d', str(doctrees),
           '-D', 'exclude_patterns=_build,_notebooks,**.ipynb_checkpoints', '--keep-going', '-W',
           str(src), str(html_dir)] + (['-q'] if quiet else [])
    subprocess.run(cmd, check=True)
    rewrite_links(html_dir)
    out = Path(out)
    if out.exists(): shutil.rmtree(out)
    shutil.copytree(html_dir, out, ignore=shutil.ignore_patterns('.buildinfo', '.doctrees'))
    html = [f for f in out.rglob('*.html') if not f.relative_to(out).as_posix().startswith('_static/')]
    n_html = len(html)
    links = sum(f.read_text(encoding='utf-8').count('class="sourcelink') for f in html)
    return {'pages': n_html, 'notebooks': len(all_pages), 'source_links': links, 'stale': list(STALE),
            'seconds': time.time() - t0}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', type=Path, default=ROOT/'_site', help="where the site goes (default: _site/)")
    ap.add_argument('--clean', action='store_true', help="drop the cached build (docs/_build) first")
    ap.add_argument('--verbose', action='store_true', help="show Sphinx's progress")
    a = ap.parse_args(argv)
    r = build(a.out, a.clean, quiet=not a.verbose)
    if r['stale']:
        per = {}
        for s in r['stale']: per[s.split(':')[0]] = per.get(s.split(':')[0], 0) + 1
        print(f"{len(r['stale'])} [source] links named a line or module the code no longer has (outputs stored before "
              f"the code last changed; re-executing the notebook refreshes them); linked where the name is defined now: "
              + ', '.join(f'{k} {v}' for k, v in per.items()))
        if a.verbose: print('\n'.join(r['stale']))
    print(f"site: {r['pages']} pages ({r['notebooks']} notebooks, the rest source, search and index pages) in "
          f"{a.out}, {r['source_links']} [source] links, to the site's own source pages, {r['seconds']:.0f} s")


if __name__ == '__main__': main()
