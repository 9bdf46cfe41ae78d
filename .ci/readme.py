"""Write README.md from nbs/index.ipynb and its saved outputs.

nbdev 2's `nbdev_readme` renders through Quarto, a binary that cannot be installed from the
package registries this project is limited to; this does the same job for a notebook of prose
and text outputs. `python .ci/readme.py --check` fails if README.md is out of date.
"""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def _text(x): return ''.join(x) if isinstance(x, list) else x

def _output(o) -> str:
    "An output as markdown: streams and plain text in a fence, markdown as is; pictures are left out"
    if o['output_type'] == 'stream': return f"```\n{_text(o['text']).rstrip()}\n```"
    d = o.get('data', {})
    if 'text/markdown' in d: return _text(d['text/markdown'])
    if 'text/plain' in d: return f"```\n{_text(d['text/plain']).rstrip()}\n```"
    return ''

def readme(nb:dict) -> str:
    parts = []
    for c in nb['cells']:
        src = _text(c['source'])
        if c['cell_type'] == 'markdown': parts.append(src); continue
        lines = src.splitlines()
        if any(re.match(r'#\|\s*hide\b', l) for l in lines): continue
        code = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
        if code: parts.append(f"```python\n{code}\n```")
        parts += [t for t in map(_output, c.get('outputs', [])) if t]
    return '\n\n'.join(parts).strip() + '\n'

if __name__ == '__main__':
    text = readme(json.loads((root/'nbs'/'index.ipynb').read_text()))
    out = root/'README.md'
    if '--check' in sys.argv:
        if out.read_text() != text: sys.exit("README.md is out of date: run `python .ci/readme.py` after running nbs/index.ipynb")
    else: out.write_text(text)
