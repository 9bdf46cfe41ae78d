"The `collabnb` command end to end, as a user runs it: in a temporary data folder holding a small MovieLens-format data set."
import os, subprocess, sys
from pathlib import Path
import numpy as np
import pytest, torch

COLLABNB = Path(sys.executable).parent/'collabnb'
GENRE_FLAGS = '|'.join(['0'] * 19)


def run(*args, data_home, timeout=300):
    env = dict(os.environ, COLLABNB_DATA=str(data_home))
    return subprocess.run([str(COLLABNB), *args], capture_output=True, text=True, env=env, timeout=timeout)


def small_movielens(n_users=40, n_movies=30, seed=0) -> dict:
    "GroupLens' files of a small set: users 1-20 rate 12 movies, 21-40 only one; 'Star Wars (1977)' is movie 1"
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(1, n_users + 1):
        for m in rng.choice(n_movies, 1 if u > 20 else 12, replace=False) + 1:
            rows.append(f"{u}\t{m}\t{rng.integers(1, 6)}\t{880000000 + len(rows)}\n")
    titles = ['Star Wars (1977)', 'Return of the Jedi (1983)'] + [f'Movie {i} (1990)' for i in range(3, n_movies + 1)]
    items = ''.join(f"{m}|{t}|01-Jan-1990||http://x|{GENRE_FLAGS}\n" for m, t in enumerate(titles, 1))
    users = ''.join(f"{u}|30|M|other|00000\n" for u in range(1, n_users + 1))
    return {'u.data': ''.join(rows).encode(), 'u.item': items.encode('latin-1'), 'u.user': users.encode()}


@pytest.fixture(scope='module')
def home(tmp_path_factory):
    "A data folder whose stored MovieLens is the small data set, stored (with its manifest) the way a fetch stores it"
    import collabnb.sources as cd
    home = tmp_path_factory.mktemp('home')
    cd._store(small_movielens(), home/'ml-100k', 'a small test set')
    r = run('data', data_home=home)
    assert r.returncode == 0 and '260 ratings by 40 users of 30 movies' in r.stdout, (r.stdout, r.stderr)
    return home


def test_help(tmp_path):
    r = run('--help', data_home=tmp_path)
    assert r.returncode == 0 and 'recommend' in r.stdout and 'bench' in r.stdout


def test_importing_the_command_imports_no_torch():
    code = 'import sys, collabnb.cli; print(sorted({"torch", "fastai", "pandas", "numpy"} & set(sys.modules)))'
    assert subprocess.run([sys.executable, '-c', code], capture_output=True, text=True).stdout.strip() == '[]'


def test_data_from_a_zip(tmp_path, grouplens_zip):
    r = run('data', '--path', str(grouplens_zip), data_home=tmp_path/'d')
    assert r.returncode == 0, r.stderr
    assert '5 ratings by 3 users of 3 movies' in r.stdout and str(grouplens_zip) in r.stdout


def test_data_real(tmp_path):
    "The real thing, from an empty data folder: fetched (from GroupLens or the PyPI mirror), checked, counted"
    r = run('data', data_home=tmp_path/'d')
    assert r.returncode == 0, r.stderr
    assert '100,000 ratings by 943 users of 1,682 movies' in r.stdout and 'source:' in r.stdout


@pytest.mark.parametrize('args, expected', [
    (('frobnicate',), "unknown command 'frobnicate'"),
    (('data', '--path', '/no/such/folder'), 'does not exist'),
    (('train', '--model', 'svd'), "unknown model 'svd'"),
    (('train', '--epochs', '0', '--no_save'), "--epochs: must be a whole number from 1 to 1,000, got '0'"),
    (('train', '--epochs', '-1', '--no_save'), "--epochs: must be a whole number from 1 to 1,000, got '-1'"),
    (('recommend', '--user', '1', '-n', '-3'), "--n: must be a whole number from 1 to 1,000, got '-3'"),
    (('recommend', '--user', '1', '-n', '0'), "--n: must be a whole number from 1 to 1,000, got '0'"),
    (('similar', 'Star Wars', '-n', '0'), '--n: must be a whole number from 1 to 1,000'),
    (('similar', 'Star Wars', '--metric', 'manhattan'), "metric must be 'cosine' or 'euclidean'"),
    (('recommend',), 'give --user'),
    (('sheets', '/etc/hostname/sub'), '/etc/hostname is a file, so the folder /etc/hostname/sub cannot be made'),
    (('bench', '--fastai_epochs', '0'), '--fastai_epochs: must be a whole number from 1 to 100'),
])
def test_misuse_is_a_message_not_a_traceback(home, args, expected):
    r = run(*args, data_home=home)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert expected in r.stderr and 'Traceback' not in r.stderr


def test_a_bad_option_value_is_one_line_with_the_range(home):
    r = run('train', '--epochs', 'many', data_home=home)
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    assert r.stderr == "collabnb train: --epochs: must be a whole number from 1 to 1,000, got 'many' (collabnb train -h lists the options)\n"


@pytest.fixture(scope='module')
def trained(home):
    r = run('train', '--model', 'dot', '--epochs', '2', data_home=home)
    assert r.returncode == 0, r.stderr
    return home


def test_train_saves_the_model_and_its_answers(trained):
    saved = torch.load(trained/'models'/'dot.pt', weights_only=True)
    assert saved['model'] == 'dot' and len(saved['movie_ids']) == 30
    answers = np.load(trained/'models'/'dot.npz')
    assert answers['scores'].shape == (40, 30)
    assert not [p.name for p in (trained/'models').iterdir() if 'tmp' in p.name]


def test_concurrent_trains_never_clobber_each_other(home):
    procs = [subprocess.Popen([str(COLLABNB), 'train', '--model', 'bias', '--epochs', '1', '--seed', str(s)],
                              env=dict(os.environ, COLLABNB_DATA=str(home)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for s in range(4)]
    for p in procs: p.wait(timeout=300)
    assert [p.returncode for p in procs] == [0] * 4, [p.stderr.read() for p in procs]
    assert torch.load(home/'models'/'bias.pt', weights_only=True)['model'] == 'bias'
    assert not [p.name for p in (home/'models').iterdir() if 'tmp' in p.name]


def test_queries_answer_the_same_from_saved_answers_and_from_the_library(trained, tmp_path):
    queries = [('recommend', '--user', '3', '-n', '5'), ('similar', 'Star Wars', '-n', '4', '--min_ratings', '1'),
               ('similar', '2', '--metric', 'euclidean', '--min_ratings', '3'),
               ('predict', '--user', '3', '--movie', 'star wars')]
    fast = [run(*q, '--model', 'dot', data_home=trained) for q in queries]
    npz = trained/'models'/'dot.npz'
    npz.rename(tmp_path/'dot.npz')
    try: slow = [run(*q, '--model', 'dot', data_home=trained) for q in queries]
    finally: (tmp_path/'dot.npz').rename(npz)
    for q, f, s in zip(queries, fast, slow):
        assert f.returncode == 0 and s.returncode == 0, (q, f.stderr, s.stderr)
        assert f.stdout == s.stdout, q
    assert fast[0].stdout.splitlines()[1].split()[:2] == ['movie', 'title'] and len(fast[0].stdout.strip().splitlines()) == 2 + 5
    assert 'Star Wars (1977) (movie 1)' in fast[3].stdout


def test_a_user_without_training_ratings_is_named(trained):
    from collabnb.data import load_movielens, split_random
    import collabnb.sources as cd
    os.environ['COLLABNB_DATA'] = str(trained)
    try: data = split_random(load_movielens(), valid_pct=0.2, seed=42)
    finally: del os.environ['COLLABNB_DATA']
    untrained = sorted(set(range(data.n_users)) - set(data.x_train[:, 0].tolist()))
    assert untrained, "the small data set should leave some one-rating users out of training"
    user = int(data.user_ids[untrained[0]])
    r = run('recommend', '--user', str(user), '--model', 'dot', data_home=trained)
    assert r.returncode == 2 and f'user {user} has no ratings in the training split' in r.stderr
    r = run('predict', '--user', '999', '--movie', '1', '--model', 'dot', data_home=trained)
    assert r.returncode == 2 and 'user id 999 is not in the data' in r.stderr


@pytest.mark.parametrize('content', [b'', b'not a model at all', None])
def test_a_damaged_saved_model_is_named_with_the_fix(home, content):
    path = home/'models'/'net.pt'
    path.parent.mkdir(exist_ok=True)
    if content is None: torch.save({'hello': 1}, path)
    else: path.write_bytes(content)
    r = run('predict', '--user', '3', '--movie', '1', '--model', 'net', data_home=home)
    assert r.returncode == 2 and str(path) in r.stderr and 'collabnb train --model net' in r.stderr
    assert 'Traceback' not in r.stderr and 'weights_only' not in r.stderr


def test_bench_prints_the_table(home):
    r = run('bench', '--seeds', '0', '1', '--fastai_epochs', '1', data_home=home)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert 'split seeds [0, 1]' in lines[0]
    assert lines[1].split() == ['model', 'rmse', 'sd', 'mse', 'seconds', 'speed-up']
    assert len(lines) == 2 + 4 and 'fastai collab_learner' in lines[2] and lines[2].rstrip().endswith('1.0x')


def test_sheets_writes_both_workbooks(home, tmp_path):
    r = run('sheets', str(tmp_path/'out'), data_home=home)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path/'out').iterdir()) == ['collab_filter.xlsx', 'graddesc.xlsx']


def test_bench_on_one_seed_shows_no_sd_and_counts_epochs_right(home):
    r = run('bench', '--seeds', '0', '--fastai_epochs', '1', data_home=home)
    assert r.returncode == 0, r.stderr
    rows = r.stdout.splitlines()[2:]
    assert '(1 epoch, bs 64)' in rows[0] and 'epochs' not in rows[0], rows[0]
    assert all(' — ' in row and 'NaN' not in row for row in rows), rows   # one seed has no spread
