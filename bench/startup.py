"""Start-up, measured the way a new user meets it: importing the library, the first `fit` in a process against a
warm one, and `collabnb train --model bias` end to end. Each figure is the median of several fresh processes.

python bench/startup.py                               # this checkout
python bench/startup.py --before /tmp/collabnb-01bdb7a --runs 5
    # also an earlier checkout, e.g. `git worktree add --detach /tmp/collabnb-01bdb7a 01bdb7a`
    # (its data folder need not exist: every run reads this checkout's MovieLens copy)

Prints one row per checkout: (a) `python -c "import collabnb.learner"`, (b) the first and a warm `fit` of the bias
recipe in one process, and whether `torch._dynamo` was imported by then, (c) `collabnb train --model bias` wall time.
Timings on a loaded machine are inflated; compare rows measured in one run.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

FIRST_WARM = r'''
import json, sys, time
from collabnb.data import load_movielens, split_random
from collabnb.recipes import recipe
from collabnb.learner import fit
import torch
data = split_random(load_movielens(), valid_pct=0.2, seed=42)
def once():
    torch.manual_seed(42)
    m, kw = recipe('bias', data)
    t = time.perf_counter()
    h = fit(m, data, seed=42, progress=False, **kw)
    return time.perf_counter() - t, h.rmse
(first, rmse), (warm, _) = once(), once()
print(json.dumps(dict(first=first, warm=warm, rmse=rmse, dynamo='torch._dynamo' in sys.modules)))
'''

def _env(checkout:Path, data:Path) -> dict:
    "The environment of a run: `checkout` first on the path, MovieLens from `data`, as a user's shell has it"
    return {**os.environ, 'PYTHONPATH': str(checkout), 'COLLABNB_DATA': str(data)}

def _wall(cmd:list, env:dict, cwd:str) -> float:
    "Seconds of wall time `cmd` takes; its failure stops the benchmark with its error"
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if r.returncode: sys.exit(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return time.perf_counter() - t

def measure(checkout:Path, runs:int, ml100k:Path) -> dict:
    "Medians over `runs` fresh processes of import, first and warm `fit`, and `collabnb train --model bias`"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)/'data'
        data.mkdir()
        (data/'ml-100k').symlink_to(ml100k)   # models and answers are written here, not into a checkout
        env = _env(checkout, data)
        imp = [_wall([sys.executable, '-c', 'import collabnb.learner'], env, tmp) for _ in range(runs)]
        fw = []
        for _ in range(runs):
            r = subprocess.run([sys.executable, '-c', FIRST_WARM], env=env, cwd=tmp, capture_output=True, text=True)
            if r.returncode: sys.exit(f"first/warm fit failed in {checkout}:\n{r.stderr[-2000:]}")
            fw.append(json.loads(r.stdout.strip().splitlines()[-1]))
        train = [sys.executable, '-c', 'import sys; from collabnb.cli import main; sys.exit(main())', 'train', '--model', 'bias']
        cli = [_wall(train, env, tmp) for _ in range(runs)]
    med = statistics.median
    return dict(imp=med(imp), first=med(r['first'] for r in fw), warm=med(r['warm'] for r in fw),
                dynamo=any(r['dynamo'] for r in fw), rmse=fw[0]['rmse'], cli=med(cli))

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--before', type=Path, help='an earlier checkout to measure too (its collabnb/ is imported)')
    ap.add_argument('--runs', type=int, default=3, help='fresh processes per figure (the median is printed)')
    args = ap.parse_args()
    ml100k = (Path(os.environ['COLLABNB_DATA']) if 'COLLABNB_DATA' in os.environ else HERE/'data')/'ml-100k'
    if not (ml100k/'u.data').exists(): sys.exit(f"no MovieLens 100k in {ml100k}: run `collabnb info` once to fetch it")
    rows = ([('before', args.before.resolve())] if args.before else []) + [('this checkout', HERE)]
    print(f"medians of {args.runs} runs; python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"{'':14s} {'import learner':>15s} {'first fit':>10s} {'warm fit':>9s} {'first/warm':>10s} "
          f"{'dynamo':>7s} {'train --model bias':>19s}")
    for name, checkout in rows:
        m = measure(checkout, args.runs, ml100k)
        print(f"{name:14s} {m['imp']:14.2f}s {m['first']:9.2f}s {m['warm']:8.2f}s {m['first']/m['warm']:10.2f} "
              f"{'yes' if m['dynamo'] else 'no':>7s} {m['cli']:18.2f}s   (bias RMSE {m['rmse']:.4f})", flush=True)

if __name__ == '__main__': main()
