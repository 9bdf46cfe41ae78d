"""The `collabnb` command starts fast (issue 25, item 1): its answers are computed in one batched pass, the train path
imports neither fastai nor pyplot, and a question answered from the saved answers imports neither PyTorch nor pandas.
No timings are asserted here (they belong to `bench/`); what makes time is counted instead."""
import os, subprocess, sys
import pytest, torch
import collabnb.sources as cd
from collabnb.data import split_random, synthetic_ratings
from test_cli import small_movielens


@pytest.fixture(scope='module')
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp('home')
    cd._store(small_movielens(), home/'ml-100k', 'a small test set')
    return home


def imported_after(home, argv: list, names=('fastai', 'matplotlib.pyplot', 'torch', 'pandas', 'torch._dynamo')) -> list:
    "Which of `names` a fresh Python process has imported after running `collabnb *argv` in it"
    code = (f"import sys; from collabnb.cli import main; code = main({argv!r}); "
            f"print(code, sorted(n for n in {list(names)!r} if n in sys.modules))")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=dict(os.environ, COLLABNB_DATA=str(home)))
    assert r.returncode == 0, r.stderr
    code, mods = r.stdout.strip().splitlines()[-1].split(' ', 1)
    assert code == '0', r.stderr
    return eval(mods)


@pytest.fixture(scope='module')
def train(home) -> list:
    "What `collabnb train` imported (it saves a model and its answers in `home`)"
    return imported_after(home, ['train', '--model', 'bias', '--epochs', '1'])


def test_train_imports_neither_fastai_nor_pyplot_nor_dynamo(train):
    assert train == ['pandas', 'torch']   # no torch._dynamo: the first fit costs what a warm one does


def test_a_question_answered_from_the_saved_answers_imports_no_torch_and_no_pandas(home, train):
    for q in (['predict', '--user', '3', '--movie', 'Star Wars'], ['recommend', '--user', '3', '--model', 'bias'], ['similar', '1', '--min_ratings', '1']):
        assert imported_after(home, q) == [], q


def test_the_answers_take_one_matrix_product_or_batched_forward_calls():
    from collabnb.answers import answers_of
    from collabnb.models import DotProductBias, EmbeddingNet
    data = split_random(synthetic_ratings(n_users=300, n_movies=200, seed=0)[0], seed=0)
    pairs = torch.tensor([[5, 7], [299, 199], [0, 0]])
    for model, calls_expected in ((DotProductBias(data.n_users, data.n_movies, 5), 0),      # one matrix product
                                  (EmbeddingNet(data.n_users, data.n_movies, 5), 4)):       # its own forward, batched
        calls = []
        model.register_forward_hook(lambda mod, args, out: calls.append(len(out)))
        a = answers_of(model, data, 'model', 'data', batch=1 << 14)
        assert len(calls) == calls_expected and sum(calls) in (0, 300 * 200), calls   # never one call per user
        model.eval()
        with torch.no_grad(): expected = model(pairs).numpy()
        assert a.scores[pairs[:, 0], pairs[:, 1]] == pytest.approx(expected, abs=1e-6)
