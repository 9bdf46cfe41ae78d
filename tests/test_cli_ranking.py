"`collabnb train/recommend/predict/similar --model ials|bpr`: the ranking recipes through the command, on a small data set."
import json, re, subprocess
from pathlib import Path
import numpy as np
import pytest, torch
from test_cli import COLLABNB, run, small_movielens

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope='module')
def home(tmp_path_factory):
    import collabnb.sources as cd
    home = tmp_path_factory.mktemp('rankhome')
    cd._store(small_movielens(), home/'ml-100k', 'a small test set')
    return home


@pytest.fixture(scope='module')
def ials(home):
    r = run('train', '--model', 'ials', data_home=home)
    assert r.returncode == 0, r.stderr
    return r


def seen_by(user:int) -> set:
    return {int(l.split('\t')[1]) for l in small_movielens()['u.data'].decode().splitlines() if int(l.split('\t')[0]) == user}


def test_train_ials_reports_ndcg_and_saves_scores_not_stars(home, ials):
    assert 'valid nDCG@10' in ials.stdout and 'RMSE 0.' not in ials.stdout and 'valid RMSE' not in ials.stdout, ials.stdout
    saved = torch.load(home/'models'/'ials.pt', weights_only=True)
    assert saved['model'] == 'ials' and saved['rmse'] is None and 0 <= saved['ndcg'] <= 1
    a = np.load(home/'models'/'ials.npz')
    assert str(a['unit']) == 'score' and a['scores'].shape == (40, 30)


def test_recommend_uses_ials_by_default_and_never_lists_seen_movies(home, ials):
    r = run('recommend', '--user', '3', '-n', '30', data_home=home)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("for user 3, the 'ials' model's top") and 'by score' in r.stdout.splitlines()[0], r.stdout
    assert r.stdout.splitlines()[1].split()[:3] == ['movie', 'title', 'score']
    shown = [int(l.split()[0]) for l in r.stdout.splitlines()[2:]]
    assert len(shown) == 30 - len(seen_by(3)) and not set(shown) & seen_by(3), r.stdout


def test_recommend_ials_lists_by_the_models_scores(home, ials):
    "The list is the model's own order: the top movie has the highest score among the unseen (checked from the model file)"
    from collabnb.ranking import IALS
    saved = torch.load(home/'models'/'ials.pt', weights_only=True)
    u = saved['user_ids'].index(3)
    s = (saved['state']['user_factors.weight'][u] @ saved['state']['movie_factors.weight'].T).numpy()
    unseen = [i for i, m in enumerate(saved['movie_ids']) if m not in seen_by(3)]
    best = saved['movie_ids'][max(unseen, key=lambda i: s[i])]
    r = run('recommend', '--user', '3', '-n', '1', '--model', 'ials', data_home=home)
    assert int(r.stdout.splitlines()[2].split()[0]) == best, r.stdout


def test_predict_refuses_a_ranking_model_before_any_work(home):
    for name in ('ials', 'bpr'):
        r = run('predict', '--user', '3', '--movie', '1', '--model', name, data_home=home)
        assert r.returncode == 2 and r.stdout == ''
        assert r.stderr.strip() == f"collabnb predict: {name} ranks movies, it does not predict stars: use --model bias (or dot, net)"
    assert not (home/'models'/'bpr.pt').exists()   # refused, not trained first


def test_similar_on_ials_uses_its_movie_factors(home, ials):
    r = run('similar', 'Star Wars', '-n', '3', '--min_ratings', '1', '--model', 'ials', data_home=home)
    assert r.returncode == 0 and r.stdout.startswith("nearest to Star Wars (1977) (movie 1) in the 'ials' model's factors"), r
    assert len(r.stdout.splitlines()) == 2 + 3


def test_train_bpr_is_a_ranking_model_too(home):
    r = run('train', '--model', 'bpr', '--epochs', '2', data_home=home)
    assert r.returncode == 0 and 'valid nDCG@10' in r.stdout and 'valid RMSE' not in r.stdout, (r.stdout, r.stderr)
    assert str(np.load(home/'models'/'bpr.npz')['unit']) == 'score'
    r = run('recommend', '--user', '3', '-n', '2', '--model', 'bpr', data_home=home)
    assert r.returncode == 0 and "the 'bpr' model's top 2" in r.stdout, r.stderr


def test_recommends_help_quotes_lesson_13bs_stored_ndcg():
    "The figures in `collabnb recommend -h` are the stored results of lesson 13b, rounded as written"
    from collabnb.evidence import _decode
    from collabnb.ranking import rank_evidence
    table = _decode(json.loads((ROOT/'nbs'/'results'/'13b_ranking'/'benchmark.json').read_text())['result'])['table']
    ev = rank_evidence(table)
    r = subprocess.run([str(COLLABNB), 'recommend', '-h'], capture_output=True, text=True)
    text = ' '.join(r.stdout.split())
    assert f"'ials' ranks best: nDCG@10 {ev['ials'].mean:.4f} ± {ev['ials'].sd:.4f} over split seeds 0-4" in text, text
    for name, said in (('bpr', "for 'bpr'"), ('most popular', 'for a most-popular list'), ('bias', "for 'bias'")):
        assert f"{ev[name].mean:.4f} {said}" in text, (name, ev[name].mean)
    assert max(ev, key=lambda m: ev[m].mean) == 'ials'
    assert '(default: ials)' in text


def test_the_commands_ranking_names_are_the_recipes():
    from collabnb.cli import _RANKERS
    from collabnb.recipes import RANKING_MODELS
    assert _RANKERS == RANKING_MODELS
