"""Ratings per second per core: fit (dense AdamW) against row-wise updates, on planted data of 0.1M to 25M ratings.

python bench/scale.py row 100000,1000000        # RowAdamW via fit_rowwise, one epoch per size (3 at 0.1M)
python bench/scale.py sparse 100000,1000000     # nn.functional.embedding(sparse=True) + torch.optim.SparseAdam
python bench/scale.py dense 100000,1000000      # collabnb.learner.fit, timed over `DENSE_STEPS` steps and extrapolated
"""
import os, sys, time, resource, numpy as np, torch
import torch.nn.functional as F
from collabnb.models import DotProductBias, SigmoidRange, Embedding
from collabnb.learner import fit, torch_threads, mse
from rowwise import fit_rowwise, one_cycle
from planted import planted_data

DENSE_STEPS = 300
torch.set_num_threads(1)  # one core: the data are made on it too

def model_for(d, seed=0):
    torch.manual_seed(seed)
    return DotProductBias(d.n_users, d.n_movies, 50, head=SigmoidRange(0, 5.5))

def fit_sparse(model, d, epochs=1, lr=1e-2, bs=1024, seed=42):
    "SparseAdam on the tables (sparse gradients from F.embedding), the one-cycle schedule; no weight decay (SparseAdam has none)"
    for e in model.modules():
        if isinstance(e, Embedding): e.forward = (lambda e: lambda idx: F.embedding(idx, e.weight, sparse=True))(e)
    gen = torch.Generator().manual_seed(seed)
    n = len(d.y_train)
    steps = epochs * ((n + bs - 1) // bs)
    lrs, b1s = one_cycle(steps, lr)
    o = torch.optim.SparseAdam(list(model.parameters()), lr=lr, betas=(0.95, 0.99))
    t, secs, cpu = 0, 0., 0.
    with torch_threads(1):
        for _ in range(epochs):
            t0, c0 = time.perf_counter(), time.thread_time()
            perm = torch.randperm(n, generator=gen)
            for i in range(0, n, bs):
                idx = perm[i:i+bs]
                for g in o.param_groups: g['lr'], g['betas'] = lrs[t], (b1s[t], 0.99)
                loss = ((model(d.x_train[idx]) - d.y_train[idx])**2).mean()
                o.zero_grad(); loss.backward(); o.step(); t += 1
            secs, cpu = secs + time.perf_counter() - t0, cpu + time.thread_time() - c0
    return secs, cpu, mse(model, d.x_valid, d.y_valid)**0.5

def main(kind, sizes):
    for n in sizes:
        t0 = time.perf_counter()
        d = planted_data(n)
        made = time.perf_counter() - t0
        epochs = 3 if n <= 200_000 else 1
        m = model_for(d)
        if kind == 'row':
            h = fit_rowwise(m, d, epochs=epochs, lr=1e-2, bs=1024, wd=1.0)
            secs, cpu, rmse, done = h.seconds, h.table.cpu_seconds.sum(), h.rmse, epochs * n
        elif kind == 'sparse':
            fit_sparse(model_for(d), type(d)(d.x_train[:2048], d.y_train[:2048], d.x_valid, d.y_valid, d.user_ids, d.movie_ids, None))
            secs, cpu, rmse = fit_sparse(m, d, epochs=epochs)
            done = epochs * n
        else:  # a step's cost does not depend on the number of ratings: time DENSE_STEPS steps, extrapolate to an epoch
            k = min(n, DENSE_STEPS * 1024)
            sub = type(d)(d.x_train[:k], d.y_train[:k], d.x_valid, d.y_valid, d.user_ids, d.movie_ids, None)
            warm = type(d)(d.x_train[:2048], d.y_train[:2048], d.x_valid, d.y_valid, d.user_ids, d.movie_ids, None)
            fit(model_for(d), warm, epochs=1, progress=False)  # torch.optim's first step imports modules: not a cost per step
            c0 = time.thread_time()
            h = fit(m, sub, epochs=1, lr=1e-2, bs=1024, wd=1.0, progress=False)
            secs, cpu, rmse, done = h.seconds, time.thread_time() - c0, float('nan'), k
        rate, crate = done / secs, done / cpu
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        print(f"{kind:6s} n={n:>11,d} users={d.n_users:>7,d} movies={d.n_movies:>6,d} "
              f"wall: s/epoch={n / rate:8.1f} ratings/s={rate / 1e6:6.3f}M  CPU: s/epoch={n / crate:8.1f} ratings/s={crate / 1e6:6.3f}M "
              f"load {os.getloadavg()[0]:.1f} rmse={rmse:.4f} data {made:.0f}s peak RSS {rss:.2f} GB", flush=True)
        del d, m

if __name__ == '__main__':
    main(sys.argv[1], [int(s) for s in sys.argv[2].split(',')])
