"The ranking recipes are recipes: `recipe('ials'|'bpr', data)` and `fit(model, data, **kw)` train them their own way."
import numpy as np, pandas as pd, pytest, torch
from collabnb.data import split_random
from collabnb.learner import History, fit
from collabnb.recipes import MODELS, RANKING_MODELS, fit_settings, recipe, recipe_run, recipe_settings
import collabnb.ranking as R


def planted_tastes(n_users=300, n_movies=120, groups=4, per_user=25, seed=0) -> pd.DataFrame:
    "Users of `groups` tastes watch mostly their group's movies ten times as often as others (rated 5 and 2); a few movies are popular with all"
    rng = np.random.default_rng(seed)
    g_user, g_movie = rng.integers(groups, size=n_users), np.arange(n_movies) % groups
    pop = rng.pareto(1.5, n_movies) + 0.2
    rows = []
    for u in range(n_users):
        p = pop * np.where(g_movie == g_user[u], 10., 1.)
        for m in rng.choice(n_movies, per_user, replace=False, p=p / p.sum()):
            rows.append((u + 1, m + 1, 5. if g_movie[m] == g_user[u] else 2.))
    return pd.DataFrame(rows, columns=['user', 'movie', 'rating'])


@pytest.fixture(scope='module')
def data():
    return split_random(planted_tastes(), seed=0)


def test_the_rating_recipes_are_unchanged():
    assert MODELS == ('bias', 'dot', 'net') and RANKING_MODELS == ('ials', 'bpr')


@pytest.mark.parametrize('name', RANKING_MODELS)
def test_a_ranking_recipe_trains_through_fit_and_beats_most_popular(data, name):
    model, kw = recipe(name, data)
    assert kw == fit_settings(name) and 'loss_func' not in kw
    h = fit(model, data, seed=0, progress=False, **kw)
    popular = R.evaluate(R.Popular(data), data)['ndcg']
    ours = R.evaluate(model, data)['ndcg']
    assert h.ndcg == pytest.approx(ours)                 # what fit reports is the protocol's nDCG@10 ...
    assert ours > 1.5 * popular, (name, ours, popular)   # ... and the lists use each user's taste, which a bestseller list cannot
    assert isinstance(h, R.RankHistory) and not hasattr(h, 'rmse')   # never a number that looks like an RMSE


def test_an_untrained_ranker_does_not_pass(data):
    "The bar above is not met by construction: the same model, untrained, is far below most popular"
    model, _ = recipe('ials', data)
    assert R.evaluate(model, data)['ndcg'] < 1.5 * R.evaluate(R.Popular(data), data)['ndcg']


def test_fit_trains_ials_as_fit_ials_does(data):
    a, kw = recipe('ials', data)
    b, _ = recipe('ials', data)
    fit(a, data, seed=5, progress=False, **kw)
    R.fit_ials(b, data, alpha=kw['alpha'], reg=kw['reg'], iters=kw['epochs'], seed=5)
    assert torch.equal(a.movie_factors.weight, b.movie_factors.weight)


def test_fit_trains_bpr_as_train_ranker_does(data):
    a, kw = recipe('bpr', data)
    b, bkw = R.ranking_recipe('bpr', data)
    b.load_state_dict(a.state_dict())
    fit(a, data, seed=2, progress=False, **(kw | dict(epochs=2)))
    R.train_ranker(b, data, seed=2, **(bkw | dict(epochs=2)))
    assert torch.equal(a.user_factors.weight, b.user_factors.weight)


def test_ials_refuses_gradient_settings_and_fit_refuses_unknown_ones(data):
    model, _ = recipe('ials', data)
    with pytest.raises(TypeError, match='lr'): fit(model, data, lr=0.1, progress=False)
    bias, _ = recipe('bias', data)
    with pytest.raises(TypeError, match='alpha'): fit(bias, data, alpha=3., progress=False)


def test_rating_recipes_still_train_to_an_rmse(data):
    model, kw = recipe('bias', data)
    h = fit(model, data, progress=False, **(kw | dict(epochs=1)))
    assert isinstance(h, History) and h.rmse > 0


@pytest.mark.parametrize('name', RANKING_MODELS)
def test_rankers_stay_out_of_rmse_tables(name):
    for f in (recipe_settings, lambda n: recipe_run(planted_tastes(), n)):
        with pytest.raises(ValueError, match='ranks movies'): f(name)
