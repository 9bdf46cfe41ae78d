"""Every public function and class of the library has its documentation rendered: a `show_doc` call of its own
in some notebook (nbdev renders nothing for a name without one, and only a cell's last `show_doc` shows)."""
import ast, json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def documented(nbs: Path = ROOT/'nbs') -> set[str]:
    "Names given to `show_doc` in any notebook under `nbs` (`show_doc(fit)`, `show_doc(Evidence.mean)`)"
    out = set()
    for p in nbs.rglob('*.ipynb'):
        if '.ipynb_checkpoints' in p.parts: continue
        for c in json.loads(p.read_text())['cells']:
            if c['cell_type'] == 'code':
                out |= {m.group(1) for m in re.finditer(r'show_doc\(\s*([\w.]+)', ''.join(c['source']))}
    return out


def public_defs(pkg: Path = ROOT/'collabnb') -> dict[str, list[str]]:
    "module -> the functions and classes its `__all__` exports"
    out = {}
    for f in sorted(pkg.glob('*.py')):
        if f.name.startswith('_'): continue
        tree = ast.parse(f.read_text())
        defs = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        names = next((ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                      and any(getattr(t, 'id', None) == '__all__' for t in n.targets)), [])
        out[f.stem] = [n for n in names if n in defs]
    return out


def undocumented(pkg: Path = ROOT/'collabnb', nbs: Path = ROOT/'nbs') -> list[str]:
    docs = documented(nbs)
    return [f"{m}.{n}" for m, names in public_defs(pkg).items() for n in names if n not in docs]


def test_every_public_name_has_a_show_doc():
    missing = undocumented()
    assert not missing, f"{len(missing)} public names have no show_doc in any notebook: {', '.join(missing)}"


def test_the_check_sees_a_missing_show_doc(tmp_path):
    pkg, nbs = tmp_path/'pkg', tmp_path/'nbs'
    pkg.mkdir(); nbs.mkdir()
    (pkg/'m.py').write_text("__all__ = ['f', 'g', 'K']\nK = 1\ndef f(): pass\nclass g: pass\n")
    cell = lambda s: {'cell_type': 'code', 'source': [s], 'metadata': {}, 'outputs': []}
    (nbs/'a.ipynb').write_text(json.dumps({'cells': [cell('show_doc(f)'), cell('# show_doc is named here, not called: g')]}))
    assert undocumented(pkg, nbs) == ['m.g']   # constants (K) need none; a mention is not a call
