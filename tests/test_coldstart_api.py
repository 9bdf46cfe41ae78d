"Cold start's refusals and invariants, on a small planted data set: what a new user's placement may and may not do."
import numpy as np, pandas as pd
import pytest, torch
from collabnb.data import split_users, synthetic_ratings
from collabnb.models import DotProductBias, EmbeddingNet, SigmoidRange
from collabnb.coldstart import fallback, fold_in, mean_row, fit_placer, with_rows
from collabnb.placer import trained_index


@pytest.fixture(scope='module')
def setup():
    ml, _ = synthetic_ratings(seed=0)
    data = split_users(ml, valid_pct=0.2, seed=0)
    torch.manual_seed(0)
    model = DotProductBias(data.n_users, data.n_movies, n_factors=3, head=SigmoidRange(0, 5.5))
    return data, model


def test_the_mean_embedding_averages_trained_rows_only(setup):
    data, model = setup
    tr = sorted(set(data.x_train[:, 0].tolist()))
    f, b = mean_row(model, data)
    torch.testing.assert_close(f, model.user_factors.weight[tr].mean(0).detach())
    torch.testing.assert_close(b, model.user_bias.weight[tr, 0].mean().detach())
    assert not torch.allclose(f, model.user_factors.weight.mean(0).detach())   # the untrained rows would move it


def test_the_fallback_ranks_movies_by_their_bias(setup):
    data, model = setup
    held = data.x_valid[:, 0].unique()
    placed = with_rows(model, data, held[:1], *fallback(model, data))
    movies = torch.arange(data.n_movies)
    with torch.no_grad(): pred = placed(torch.stack([held[0].expand(data.n_movies), movies], 1))
    assert torch.equal(pred.argsort(), model.movie_bias.weight[:, 0].argsort())


def test_fold_in_refuses_what_it_cannot_use(setup):
    data, model = setup
    with pytest.raises(KeyError, match='movie id 99999 is not in the data'):
        fold_in(model, data, pd.DataFrame(dict(movie=[99999], rating=[4.])))
    with pytest.raises(ValueError, match="`of` must be 'user' or 'movie', got 'genre'"):
        fold_in(model, data, pd.DataFrame(dict(movie=[1], rating=[4.])), of='genre')
    net = EmbeddingNet(data.n_users, data.n_movies, n_factors=3)
    with pytest.raises(ValueError, match='EmbeddingNet has no bias tables'): mean_row(net, data)
    with pytest.raises(ValueError, match='no bias tables'): fit_placer(net, data, data.ml.users.set_index('user'))


def test_a_larger_penalty_stays_nearer_the_prior(setup):
    data, model = setup
    prior = mean_row(model, data)
    answers = pd.DataFrame(dict(movie=data.movie_ids[:10], rating=[5., 1.] * 5))
    far = [torch.dist(torch.cat([f, b[None]]), torch.cat([prior[0], prior[1][None]])).item()
           for f, b in (fold_in(model, data, answers, prior, lam=lam) for lam in (0.1, 1., 10., 100.))]
    assert far[0] > far[1] > far[2] > far[3] > 0
    f, b = fold_in(model, data, answers, prior, lam=1e9)
    torch.testing.assert_close(f, prior[0], atol=1e-5, rtol=0)


def test_placer_and_fold_in_work_for_movies(setup):
    data, model = setup
    p = fit_placer(model, data, data.ml.movies.set_index('movie')[['genres']], of='movie')
    f, b = p.place(data.ml.movies.set_index('movie')[['genres']].iloc[:2])
    assert f.shape == (2, 3) and b.shape == (2,)
    users = data.user_ids[trained_index(data)[:5].numpy()]
    mf, mb = fold_in(model, data, pd.DataFrame(dict(user=users, rating=4.)), of='movie')
    assert mf.shape == (3,)
