"""Start-up of the `collabnb` command (issue 25): `collabnb train --model bias` and a question's wall time, each the
median of 3 runs in fresh processes (data cached), and the answers step alone: one batched pass (now) against one
forward call per user (before). Prints the load average first: figures taken on a loaded machine are inflated.

Run from the checkout: `python bench/cli_startup.py`"""
import os, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import torch
from collabnb.answers import answers_of
from collabnb.data import data_dir, load_movielens, split_random
from collabnb.learner import evaluating, fit
from collabnb.recipes import recipe


def wall(*args, env) -> float:
    "Seconds of one `collabnb *args` in a fresh process"
    t0 = time.perf_counter()
    subprocess.run([Path(sys.executable).parent/'collabnb', *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def median_of_3(f) -> tuple:
    runs = [f() for _ in range(3)]
    return statistics.median(runs), runs


def per_user(model, data):
    "The answers' scores as the command computed them before: one forward call per user"
    movies = torch.arange(data.n_movies)
    with evaluating(model):
        return torch.stack([model(torch.stack([torch.full_like(movies, u), movies], 1)) for u in range(data.n_users)])


def main():
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as home:
        (Path(home)/'ml-100k').symlink_to(data_dir()/'ml-100k')
        env = dict(os.environ, COLLABNB_DATA=home)
        m, runs = median_of_3(lambda: wall('train', '--model', 'bias', env=env))
        print(f"collabnb train --model bias: median {m:.2f} s  (runs {', '.join(f'{r:.2f}' for r in runs)})")
        m, runs = median_of_3(lambda: wall('predict', '--user', '42', '--movie', '50', env=env))
        print(f"collabnb predict (saved answers): median {m:.2f} s  (runs {', '.join(f'{r:.2f}' for r in runs)})")
    data = split_random(load_movielens(verbose=False), valid_pct=0.2, seed=42)
    torch.manual_seed(42)
    model, kw = recipe('bias', data)
    fit(model, data, seed=42, progress=False, **kw)
    def timed(f):
        t0 = time.perf_counter(); f(); return time.perf_counter() - t0
    before, _ = median_of_3(lambda: timed(lambda: per_user(model, data)))
    now, _ = median_of_3(lambda: timed(lambda: answers_of(model, data, '', '').to_bytes()))
    print(f"answers of {data.n_users} users x {data.n_movies} movies: one call per user {before:.2f} s, "
          f"batched (with the archive's bytes) {now:.2f} s; median of 3")


if __name__ == '__main__': main()
