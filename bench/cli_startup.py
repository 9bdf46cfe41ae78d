"""The `collabnb` command's own share of start-up (issue 25): the answers `collabnb train` saves, computed in one batched
product (now; models whose `forward` is their own: batched forward calls) against one forward call per user (before), and a question's wall time answered from the saved answers
against the same question with the answers deleted (PyTorch, the data and the model loaded, the answers computed again).
`bench/startup.py` times `collabnb train --model bias` end to end. Each figure is the median of 3; the load average is
printed first, since figures taken on a loaded machine are inflated.

Run from the checkout: `python bench/cli_startup.py`"""
import os, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import torch
from collabnb.answers import answers_of
from collabnb.data import load_movielens, split_random
from collabnb.learner import evaluating, fit
from collabnb.recipes import recipe
from collabnb.sources import data_dir


def median_of_3(f) -> tuple:
    "The median of three calls of `f()`, and the three"
    runs = [f() for _ in range(3)]
    return statistics.median(runs), runs


def timed(f) -> float:
    "CPU seconds of `f()` in this process"
    t0 = time.process_time()
    f()
    return time.process_time() - t0

def wall(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def per_user(model, data):
    "The answers' scores as `collabnb train` computed them before this round: one forward call per user"
    movies = torch.arange(data.n_movies)
    with evaluating(model):
        return torch.stack([model(torch.stack([torch.full_like(movies, u), movies], 1)) for u in range(data.n_users)])


def questions():
    "`collabnb predict` from the saved answers, and with them deleted before each run"
    exe = Path(sys.executable).parent/'collabnb'
    with tempfile.TemporaryDirectory() as home:
        (Path(home)/'ml-100k').symlink_to(data_dir()/'ml-100k')
        env = dict(os.environ, COLLABNB_DATA=home)
        ask = lambda: subprocess.run([exe, 'predict', '--user', '42', '--movie', '50'], env=env, check=True, capture_output=True)
        subprocess.run([exe, 'train', '--model', 'bias'], env=env, check=True, capture_output=True)
        fast, runs = median_of_3(lambda: wall(ask))
        print(f"collabnb predict, from the saved answers: median {fast:.2f} s (runs {', '.join(f'{r:.2f}' for r in runs)})")
        def without_answers():
            (Path(home)/'models'/'bias.npz').unlink()
            return wall(ask)
        slow, runs = median_of_3(without_answers)
        print(f"collabnb predict, answers deleted: median {slow:.2f} s (runs {', '.join(f'{r:.2f}' for r in runs)})")


def answers_step():
    "The answers of a trained bias model: one forward call per user against one batched pass"
    data = split_random(load_movielens(verbose=False), valid_pct=0.2, seed=42)
    torch.manual_seed(42)
    model, kw = recipe('bias', data)
    fit(model, data, seed=42, progress=False, **kw)
    before, _ = median_of_3(lambda: timed(lambda: per_user(model, data)))
    now, _ = median_of_3(lambda: timed(lambda: answers_of(model, data, '', '').to_bytes()))
    print(f"answers of {data.n_users} users x {data.n_movies} movies, CPU seconds: one forward call per user {before:.2f}; "
          f"one matrix product, with the archive's bytes, {now:.2f} (medians of 3)")


if __name__ == '__main__':
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    questions()
    answers_step()
