"""Training at scale, on planted data (`collabnb.scaling.planted_collab`), one thread, CPU seconds of the training thread.

python bench/scale.py auto 1000000,5000000,25000000      # full epochs on the path `fit` picks itself (goal: 0.3 M/s)
python bench/scale.py rates 1000000,5000000,25000000     # full row-wise epochs (rowwise=True): ratings per CPU second
python bench/scale.py switch 100000,300000,1000000,3000000,10000000,25000000
                                                          # ms per step, dense and row-wise, and what auto_rowwise picks
python bench/scale.py dense 1000000                      # full dense epochs, for comparison (slow beyond a few million)

Each line also prints the load average: other jobs on the machine slow even CPU time (shared caches and memory), so
compare figures measured side by side, and run one heavy job at a time (`nice -n 10`).
"""
import os, sys, time
import pandas as pd, torch
from collabnb.scaling import planted_collab, per_step, epoch_run, _bias_model
from collabnb.rowwise import auto_rowwise

def rates(sizes:list, rowwise:bool|None=True):
    "One full epoch of the `bias` model per size (three at 0.2M ratings or fewer); `rowwise=None`: `fit` picks the path"
    for n in sizes:
        t0 = time.perf_counter()
        d = planted_collab(n)
        made = time.perf_counter() - t0
        path = rowwise if rowwise is not None else auto_rowwise(_bias_model(d), n, 1024)
        r = epoch_run(d, rowwise=rowwise, epochs=3 if n <= 200_000 else 1)
        print(f"{'auto: ' if rowwise is None else ''}{'row-wise' if path else 'dense':8s} n={n:>11,d} users={d.n_users:>7,d} movies={d.n_movies:>6,d} "
              f"CPU s/epoch={r['cpu_seconds'] / r['epochs']:8.1f} ratings/s={r['ratings_per_s'] / 1e6:6.3f} M "
              f"valid RMSE {r['valid_rmse']:.4f} peak {r['peak_gib']:.2f} GiB data {made:.0f} s load {r['load']:.1f}",
              flush=True)
        del d

def switch(sizes:list):
    "Milliseconds per step on each size's tables, dense and row-wise"
    for n in sizes:
        print(per_step({n: planted_collab(n)}).round(3).to_string(header=n == sizes[0]), flush=True)

if __name__ == '__main__':
    torch.set_num_threads(1)
    kind, sizes = sys.argv[1], [int(s) for s in sys.argv[2].split(',')]
    print(f"torch {torch.__version__}, load average {os.getloadavg()[0]:.1f}", flush=True)
    if kind == 'switch': switch(sizes)
    else: rates(sizes, rowwise={'auto': None, 'rates': True, 'dense': False}[kind])
