"""The course's website, checked in a real browser: every page of a built site (`python docs/build.py` → `_site/`).

The site is served on 127.0.0.1 by `http.server` in a thread; headless Chromium (Debian's, driven by
Playwright exactly as `browser.py` does it) opens every HTML page and fails it if:
- the page is wider than the window (a listing or table that pushes the layout sideways);
- the browser reports a console error, a page error, a failed request or a response of 400 or more;
- an image does not show (`naturalWidth` 0), or the page shows fewer output images than the notebook stores;
- its text shows raw markdown or TeX: `**`, a table rule `| --- |`, a `[text](url)` link, `{target=...}`,
  `$...$`, or a `.math` element that MathJax did not typeset; or the notebook has maths and the page none;
- nbdev's `show_doc` entries (heading, signature, `[source]` link; parameter tables where there are any)
  are fewer on the page than in the notebook's outputs;
- a link leads to the GitHub repository the `[source]` links used to name (it does not exist).
Then every internal link found on any page is followed: the file must answer 200 and a `#fragment`
must be an id (or name) on the page it names. Search: `search.html?q=WORD` must list the pages expected among its first results.
Screenshots of a few pages go to `--shots` (default `$COLLABNB_SITE_SHOTS`, else `<tmp>/collabnb-site-shots`).

    python tests/site_check.py            # check _site/ (build it first: python docs/build.py)
    python tests/site_check.py /tmp/site  # another built site
"""
from __future__ import annotations
import argparse, functools, importlib.util, json, os, re, sys, tempfile, threading, time, urllib.error
import urllib.parse, urllib.request
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
_spec = importlib.util.spec_from_file_location('collabnb_browser_path', HERE/'browser.py')
browser = sys.modules.get(_spec.name)
if browser is None:
    browser = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(browser)
CHROMIUM, CHROMIUM_ARGS, VIEWPORT = browser.CHROMIUM, browser.CHROMIUM_ARGS, browser.VIEWPORT
DEAD_REPO = 'github.com/collabnb/collabnb'  # settings.ini's git_url: named by show_doc, never published

# What raw markdown or TeX looks like in a page's text (code, maths and scripts left out)
RAW = {'raw bold `**`': re.compile(r'\*\*\S'),
       'a raw table rule `| --- |`': re.compile(r'\|\s*:?-{3,}:?\s*\|'),
       'a raw markdown link `[text](url)`': re.compile(r'\[[^\]\n]+\]\((?:https?://|\.{0,2}/|#)[^)\s]*\)'),
       'raw attributes `{target=...}`': re.compile(r'\{\s*(?:target|style)='),
       'raw maths `$...$`': re.compile(r'(?<![\\$])\$(?!\s)[^$\n]{1,200}(?<!\s)\$(?!\d)|\$\$')}


@dataclass
class Expect:
    "What a page must show, from its notebook's stored outputs"
    maths: bool = False   # the notebook's markdown has $...$ maths
    images: int = 0       # images stored in the (shown) outputs
    show_docs: int = 0    # nbdev show_doc outputs (each: a heading, a signature, a [source] link)
    doc_tables: int = 0   # show_doc outputs with a parameter table (nbdev 2.4 puts parameters in the signature)


@dataclass
class PageResult:
    path: str
    problems: list = field(default_factory=list)
    images: int = 0
    maths: int = 0
    links: int = 0

    @property
    def ok(self): return not self.problems

    def __str__(self):
        head = f"{'ok  ' if self.ok else 'FAIL'} {self.path}: {self.images} images, {self.maths} formulas, {self.links} links"
        return '\n'.join([head] + [f"     - {p}" for p in self.problems])


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *a): pass


class Server:
    "A static server for `site` on 127.0.0.1 (a free port), in a thread; a context manager that stops it"
    def __init__(self, site: Path):
        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(site)))
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/'
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


# Read a rendered page: runs in the page, after MathJax has typeset it
_PAGE_JS = r"""() => {
  const main = document.querySelector('main') || document.body;
  // code, maths, scripts and the HTML and text outputs of cells (data, whose `$` or `**` are not markdown) are left out
  const skip = 'pre, code, script, style, textarea, mjx-container, .math, .MathJax, .highlight, .headerlink, '
             + 'mjx-assistive-mml, .output.text_html, .output.text_plain, .output.stream, .output.stderr';
  const texts = [];
  const walk = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (el && !el.closest(skip) && n.data.trim()) texts.push(n.data);
  }
  const imgs = [...document.querySelectorAll('img')].map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0,
                                                                 output: !!i.closest('.cell_output, .output')}));
  const maths = [...document.querySelectorAll('.math')].map(m => ({typeset: !!m.querySelector('mjx-container'),
                                                                   tex: m.textContent.slice(0, 80)}));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id).concat(
               [...document.querySelectorAll('a[name]')].map(e => e.getAttribute('name')));
  const docs = [...document.querySelectorAll('.tag_show-doc .cell_output')];
  const count = sel => docs.reduce((n, d) => n + d.querySelectorAll(sel).length, 0);
  const showDoc = {headings: count('h1, h2, h3, h4, h5, h6, .rubric'), signatures: count('pre'), sources: count('a.sourcelink'),
                   tables: count('table')};
  const wide = document.scrollingElement.scrollWidth - window.innerWidth;  // the page itself scrolls sideways
  return {texts, imgs, maths, links, ids, showDoc, wide, mjx: document.querySelectorAll('mjx-container').length};
}"""


def raw_markup(texts: list[str]) -> list[str]:
    "The kinds of raw markdown/TeX found in a page's text nodes, each with an example"
    found = []
    for what, rx in RAW.items():
        hit = next((m for t in texts for m in [rx.search(t)] if m), None)
        if hit: found.append(f"{what} in the text: {hit.string[max(0, hit.start() - 30):hit.end() + 30].strip()!r}")
    return found


def html_pages(site: Path) -> list[str]:
    "Every HTML page of the site (its theme's assets left out), as paths relative to the site"
    return sorted(p.relative_to(site).as_posix() for p in site.rglob('*.html')
                  if not p.relative_to(site).as_posix().startswith(('_static/', '_sources/')))


def check_page(page, url: str, path: str, expect: Expect | None) -> tuple[PageResult, dict]:
    "Load one page and check what it shows; its result and what was read (links, ids)"
    res, errors = PageResult(path), []
    on_console = lambda m: errors.append(f"console error: {m.text}") if m.type == 'error' else None
    on_pageerror = lambda e: errors.append(f"page error: {e}")
    on_failed = lambda r: errors.append(f"request failed: {r.url} ({r.failure})")
    on_response = lambda r: errors.append(f"HTTP {r.status} for {r.url}") if r.status >= 400 else None
    page.on('console', on_console); page.on('pageerror', on_pageerror)
    page.on('requestfailed', on_failed); page.on('response', on_response)
    try:
        page.goto(url, wait_until='load', timeout=60_000)
        page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
        try:
            page.wait_for_function("() => !document.querySelector('.math') || (window.MathJax && window.MathJax.startup"
                                   " && window.MathJax.startup.promise)", timeout=20_000)
            page.evaluate("async () => { if (window.MathJax && window.MathJax.startup) await window.MathJax.startup.promise; }")
        except Exception as e: errors.append(f"MathJax did not start on a page with formulas: {type(e).__name__}")
        try: page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=15_000)
        except Exception: pass  # reported below as images that did not load
        page.wait_for_timeout(100)
        got = page.evaluate(_PAGE_JS)
    finally:
        page.remove_listener('console', on_console); page.remove_listener('pageerror', on_pageerror)
        page.remove_listener('requestfailed', on_failed); page.remove_listener('response', on_response)
    res.problems += errors
    bad = [i['src'] for i in got['imgs'] if not i['ok']]
    if bad: res.problems.append(f"{len(bad)} image(s) not shown: {', '.join(map(str, bad[:3]))}")
    res.images, res.maths, res.links = sum(i['ok'] for i in got['imgs']), got['mjx'], len(got['links'])
    if got['wide'] > 1: res.problems.append(f"the page is {got['wide']} px wider than the window (it scrolls sideways)")
    raw_tex = [m['tex'] for m in got['maths'] if not m['typeset']]
    if raw_tex: res.problems.append(f"{len(raw_tex)} formula(s) not typeset by MathJax, e.g. {raw_tex[0]!r}")
    res.problems += raw_markup(got['texts'])
    dead = sorted({h for h in got['links'] if DEAD_REPO in h})
    if dead: res.problems.append(f"{len(dead)} link(s) to the unpublished repository, e.g. {dead[0]}")
    if expect:
        shown = sum(i['ok'] and i['output'] for i in got['imgs'])
        if shown < expect.images:
            res.problems.append(f"the notebook stores {expect.images} output image(s), the page shows {shown}")
        if expect.maths and not got['mjx']: res.problems.append("the notebook has maths, the page has no MathJax output")
        sd = got['showDoc']
        if min(sd['headings'], sd['signatures'], sd['sources']) < expect.show_docs:
            res.problems.append(f"the notebook has {expect.show_docs} show_doc output(s), the page shows {sd['headings']} "
                                f"heading(s), {sd['signatures']} signature(s), {sd['sources']} [source] link(s) in them")
        if sd['tables'] < expect.doc_tables:
            res.problems.append(f"the notebook's show_doc outputs hold {expect.doc_tables} parameter table(s), "
                                f"the page shows {sd['tables']}")
    return res, got


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as r: return r.status, r.read()
    except urllib.error.HTTPError as e: return e.code, b''


def check_links(base: str, found: dict[str, dict]) -> dict[str, list[str]]:
    "Follow every internal link of every page: problems per page (a file that does not answer 200, a missing #anchor)"
    ids = {path: set(got['ids']) for path, got in found.items()}
    status: dict[str, int] = {}
    out: dict[str, list[str]] = {}
    for path, got in found.items():
        for href in dict.fromkeys(got['links']):
            if not href.startswith(base): continue
            u = urllib.parse.urlsplit(href)
            target = urllib.parse.unquote(u.path[len(urllib.parse.urlsplit(base).path):]) or 'index.html'
            if target.endswith('/'): target += 'index.html'
            if target not in status:
                code, body = _fetch(urllib.parse.urlunsplit((u.scheme, u.netloc, u.path, '', '')))
                status[target] = code
                if code == 200 and target.endswith('.html') and target not in ids:
                    ids[target] = set(re.findall(r'\b(?:id|name)="([^"]+)"', body.decode('utf-8', 'replace')))
            if status[target] != 200:
                out.setdefault(path, []).append(f"link to {target} answers {status[target]}")
            elif u.fragment and target.endswith('.html') and urllib.parse.unquote(u.fragment) not in ids.get(target, set()):
                out.setdefault(path, []).append(f"link to {target}#{u.fragment}: no such anchor on that page")
    return out


def search(page, base: str, word: str) -> list[str]:
    "The pages Sphinx's search page lists for `word` (paths relative to the site)"
    page.goto(f'{base}search.html?q={urllib.parse.quote(word)}', wait_until='load')
    page.wait_for_function("() => document.querySelectorAll('#search-results li, ul.search li').length > 0"
                           " || /did not match|no documents/i.test(document.querySelector('#search-results')?.textContent || '')",
                           timeout=60_000)
    hrefs = page.evaluate("() => [...document.querySelectorAll('#search-results li a, ul.search li a')].map(a => a.href)")
    return list(dict.fromkeys(urllib.parse.urlsplit(h).path[len(urllib.parse.urlsplit(base).path):] for h in hrefs))


def check_site(site: Path, expect: dict[str, Expect] | None = None, searches: dict[str, list[str]] | None = None,
               shots: Path | None = None, shoot: list[str] = (), top: int = 3,
               log=print) -> tuple[list[PageResult], list[str]]:
    "Check every page of the built `site` in Chromium: a result per page, and the site-wide problems: "
    "each `searches` word must list its pages among the first `top` results"
    from playwright.sync_api import sync_playwright
    expect, searches = expect or {}, searches or {}
    paths = html_pages(site)
    results, site_problems, found = [], [], {}
    if shots: shots.mkdir(parents=True, exist_ok=True)
    with Server(site) as srv, sync_playwright() as p, tempfile.TemporaryDirectory(prefix='collabnb-site-') as tmp:
        ctx = p.chromium.launch_persistent_context(tmp, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                                   viewport=VIEWPORT)
        try:
            page = ctx.new_page()
            for path in paths:
                try: res, got = check_page(page, srv.url + path, path, expect.get(path))
                except Exception as e:
                    res, got = PageResult(path, [f"the page did not load: {type(e).__name__}: {str(e)[:300]}"]), None
                if got: found[path] = got
                results.append(res)
            for path, problems in check_links(srv.url, found).items():
                next(r for r in results if r.path == path).problems += problems
            for r in results:
                if not r.ok: log(str(r))
            for word, want in searches.items():
                try: listed = search(page, srv.url, word)
                except Exception as e: listed, why = [], f" ({type(e).__name__}: {str(e)[:200]})"
                else: why = ''
                missing = [w for w in want if w not in listed[:top]]
                if missing: site_problems.append(f"search for {word!r} does not list {missing} among its first {top} "
                                                 f"results; it lists {listed[:10]}{why}")
                if shots: page.screenshot(path=shots/f"search-{word}.png")
            for i, target in enumerate(shoot):  # screenshots of a few pages: 'page.html[#anchor][ @ css selector to show]'
                target, _, show = target.partition(' @ ')
                page.goto(srv.url + target, wait_until='load')
                page.evaluate("async () => { if (window.MathJax && window.MathJax.startup) await window.MathJax.startup.promise; }")
                if show and page.locator(show).count(): page.locator(show).first.scroll_into_view_if_needed()
                page.wait_for_timeout(300)
                name = re.sub(r'[^\w.-]+', '-', target.split('#')[0].removesuffix('.html'))
                page.screenshot(path=shots/f"{i + 1}-{name}.png")
        finally: ctx.close()
    return results, site_problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('site', nargs='?', type=Path, default=ROOT/'_site')
    ap.add_argument('--shots', type=Path, default=Path(os.environ.get('COLLABNB_SITE_SHOTS')
                                                     or Path(tempfile.gettempdir())/'collabnb-site-shots'))
    a = ap.parse_args(argv)
    t0 = time.time()
    results, problems = check_site(a.site, shots=a.shots, shoot=['index.html'], searches={})
    bad = [r for r in results if not r.ok]
    for p in problems: print('FAIL', p)
    print(f"site: {len(results) - len(bad)}/{len(results)} pages passed, {time.time() - t0:.0f} s; screenshots in {a.shots}")
    return 1 if bad or problems else 0


if __name__ == '__main__': sys.exit(main())
