"Issue 24, probe 3 case 107: a movie whose every rating fell in the validation split has a factor row the model never trained; `similar` and `predict` refuse it, as `recommend` refuses such a user, and `similar` never lists it."
import os
import pytest
from test_cli import GENRE_FLAGS, small_movielens
from test_cli_reliability import cli, store


@pytest.fixture(scope='module')
def lonely(tmp_path_factory):
    "A data folder whose movie 31 has one rating, a 'bias' model trained on a split that holds it out, and that seed"
    from collabnb.data import load_movielens, split_random
    files = small_movielens()
    files['u.data'] += b"1\t31\t5\t890000000\n"
    files['u.item'] += f"31|Lonely Movie (1990)|01-Jan-1990||http://x|{GENRE_FLAGS}\n".encode()
    home = store(tmp_path_factory.mktemp('lonely'), files)
    os.environ['COLLABNB_DATA'] = str(home)
    try:
        ml = load_movielens()
        def held_out(s):
            d = split_random(ml, valid_pct=0.2, seed=s)
            return int(d.index('movie', 31)[0]) not in set(d.x_train[:, 1].tolist())
        seed = next(s for s in range(100) if held_out(s))
    finally: del os.environ['COLLABNB_DATA']
    r = cli(home, 'train', '--model', 'bias', '--epochs', '2', '--seed', str(seed))
    assert r.returncode == 0, r.stderr
    return home


def test_similar_refuses_a_movie_never_trained(lonely):
    r = cli(lonely, 'similar', '31', '--min_ratings', '1')
    assert r.returncode == 2 and r.stdout == '', (r.stdout, r.stderr)
    assert 'Lonely Movie (1990) (movie 31) has no ratings in the training split' in r.stderr and '--seed' in r.stderr


def test_predict_refuses_a_movie_never_trained(lonely):
    r = cli(lonely, 'predict', '--user', '3', '--movie', 'Lonely Movie')
    assert r.returncode == 2 and 'stars' not in r.stdout, (r.stdout, r.stderr)
    assert '(movie 31) has no ratings in the training split' in r.stderr


def test_a_movie_never_trained_is_no_ones_neighbour(lonely):
    r = cli(lonely, 'similar', 'Star Wars', '-n', '1000', '--min_ratings', '1', '--metric', 'euclidean')
    assert r.returncode == 0, r.stderr
    listed = [line.split()[0] for line in r.stdout.splitlines()[2:]]
    assert len(listed) == 29 and '31' not in listed, listed   # the other 29 trained movies, not 31
