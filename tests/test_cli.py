"The `collabnb` command end to end, as a user runs it, in a temporary data folder."
import os, subprocess, sys
import pytest, torch
from pathlib import Path

COLLABNB = Path(sys.executable).parent/'collabnb'


def run(*args, data_home):
    env = dict(os.environ, COLLABNB_DATA=str(data_home))
    return subprocess.run([str(COLLABNB), *args], capture_output=True, text=True, env=env, timeout=300)


def test_help(tmp_path):
    r = run('--help', data_home=tmp_path)
    assert r.returncode == 0 and 'data' in r.stdout


def test_data_from_a_zip(tmp_path, grouplens_zip):
    r = run('data', '--path', str(grouplens_zip), data_home=tmp_path/'d')
    assert r.returncode == 0, r.stderr
    assert '5 ratings by 3 users of 3 movies' in r.stdout and 'local file' in r.stdout
    assert (tmp_path/'d'/'ml-100k'/'u.data').exists()


def test_bad_input_is_a_message_not_a_traceback(tmp_path):
    r = run('data', '--path', str(tmp_path/'nope'), data_home=tmp_path/'d')
    assert r.returncode == 2 and 'does not exist' in r.stderr and 'Traceback' not in r.stderr
    r = run('frobnicate', data_home=tmp_path/'d')
    assert r.returncode == 2 and "unknown command 'frobnicate'" in r.stderr


def test_data_real(tmp_path):
    "The real thing, from an empty data folder: fetched (from GroupLens or the PyPI mirror), checked, counted"
    r = run('data', data_home=tmp_path/'d')
    assert r.returncode == 0, r.stderr
    assert '100,000 ratings by 943 users of 1,682 movies' in r.stdout
    assert 'source:' in r.stdout


@pytest.fixture(scope='module')
def movielens_home(tmp_path_factory):
    "A temporary data folder that holds the real MovieLens (linked from the project's data folder)"
    from collabnb.data import data_dir, load_movielens
    load_movielens(verbose=False)
    home = tmp_path_factory.mktemp('home')
    (home/'ml-100k').symlink_to(data_dir()/'ml-100k')
    return home


def test_train_saves_a_model(movielens_home):
    r = run('train', '--model', 'dot', '--epochs', '2', data_home=movielens_home)
    assert r.returncode == 0, r.stderr
    assert 'dot: valid RMSE' in r.stdout and 'valid_rmse' in r.stdout   # the final line and the per-epoch table
    saved = torch.load(movielens_home/'models'/'dot.pt')
    assert saved['model'] == 'dot' and len(saved['movie_ids']) == 1682
    assert not list((movielens_home/'models').glob('*.tmp'))


def test_train_rejects_unknown_model(movielens_home):
    r = run('train', '--model', 'svd', data_home=movielens_home)
    assert r.returncode == 2 and "unknown model 'svd'" in r.stderr and 'Traceback' not in r.stderr


def test_bench_prints_the_table(movielens_home):
    r = run('bench', '--fastai_epochs', '1', data_home=movielens_home)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ['model', 'rmse', 'mse', 'seconds', 'speed-up']
    assert len(lines) == 5 and 'fastai collab_learner' in lines[1] and lines[1].rstrip().endswith('1.0x')


def test_sheets_writes_both_workbooks(movielens_home, tmp_path):
    r = run('sheets', str(tmp_path/'out'), data_home=movielens_home)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path/'out').iterdir()) == ['collab_filter.xlsx', 'graddesc.xlsx']


def test_recommend_similar_predict(movielens_home):
    r = run('recommend', '--user', '42', '-n', '3', '--model', 'dot', data_home=movielens_home)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.strip().splitlines()) == 4   # header + 3 movies
    r = run('predict', '--user', '42', '--movie', 'Star Wars', '--model', 'dot', data_home=movielens_home)
    assert r.returncode == 0 and 'Star Wars (1977) (movie 50)' in r.stdout
    r = run('similar', 'Star Warz', '--model', 'dot', data_home=movielens_home)
    assert r.returncode == 2 and 'Star Wars (1977)' in r.stderr and 'Traceback' not in r.stderr
    r = run('recommend', '--model', 'dot', data_home=movielens_home)
    assert r.returncode == 2 and 'give --user' in r.stderr
