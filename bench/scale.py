"""Ratings per second per core: fit (dense AdamW) against row-wise updates, on planted data of 0.1M to 25M ratings.

python bench/scale.py row 100000,1000000,5000000,25000000   # fit(rowwise=True), one epoch per size (3 at 0.1M)
python bench/scale.py dense 100000,1000000                  # fit's dense AdamW, timed over `DENSE_STEPS` steps, extrapolated
Prints, per size, seconds per epoch and ratings per second (wall and CPU); the goal is 0.3 M ratings/s per core.
"""
import os, sys, time, resource, numpy as np, torch
from collabnb.models import DotProductBias, SigmoidRange
from collabnb.learner import fit, torch_threads, mse
from collabnb.scaling import planted_collab as planted_data

DENSE_STEPS = 300
torch.set_num_threads(1)  # one core: the data are made on it too

def model_for(d, seed=0):
    torch.manual_seed(seed)
    return DotProductBias(d.n_users, d.n_movies, 50, head=SigmoidRange(0, 5.5))

def main(kind, sizes):
    for n in sizes:
        t0 = time.perf_counter()
        d = planted_data(n)
        made = time.perf_counter() - t0
        epochs = 3 if n <= 200_000 else 1
        m = model_for(d)
        if kind == 'row':
            c0 = time.thread_time()
            h = fit(m, d, epochs=epochs, lr=2e-2, bs=1024, wd=1.0, rowwise=True, progress=False)
            secs, cpu, rmse, done = h.seconds, time.thread_time() - c0, h.rmse, epochs * n
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
