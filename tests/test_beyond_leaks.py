"""Lesson 13's models build tables from the split they are given (rated sets, day slots, neighbour tables,
AutoRec's rating columns): none of them may read the validation ratings. Each model is trained twice on the
same planted split, once with the validation ratings scrambled everywhere they appear (the split's `y_valid`
and the rows of `data.ml.ratings`): its predictions must not change."""
from __future__ import annotations
import dataclasses
import numpy as np, pandas as pd, pytest, torch
from collabnb.data import CollabData, split_random, synthetic_ratings
from collabnb.beyond import _predict, beyond_models


@pytest.fixture(scope='module')
def splits():
    ml, _ = synthetic_ratings(n_users=120, n_movies=60, density=0.3, seed=1)
    data = split_random(ml, seed=0)
    rng = np.random.default_rng(0)
    scrambled = torch.as_tensor(rng.integers(1, 6, len(data.y_valid)), dtype=data.y_valid.dtype)
    r = ml.ratings.copy()
    keys = pd.MultiIndex.from_arrays([data.user_ids[data.x_valid[:, 0]], data.movie_ids[data.x_valid[:, 1]]])
    rows = pd.MultiIndex.from_frame(r[['user', 'movie']]).get_indexer(keys)
    assert (rows >= 0).all()
    r.loc[r.index[rows], 'rating'] = scrambled.numpy()
    other = dataclasses.replace(data, y_valid=scrambled, ml=dataclasses.replace(ml, ratings=r))
    assert not torch.equal(other.y_valid, data.y_valid)
    return data, other


@pytest.mark.parametrize('name', [k for k in beyond_models()])
def test_no_model_reads_validation_ratings(splits, name):
    data, other = splits
    train = beyond_models()[name]
    a, b = (_predict(train(d, 0), data.x_valid) for d in (data, other))
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_the_check_catches_a_leak(splits):
    "A model that reads `data.ml.ratings` for its columns, as AutoRec would if built from all the ratings, is caught"
    data, other = splits
    def leaky(d: CollabData) -> torch.Tensor:
        r = d.ml.ratings
        return torch.tensor(r.groupby('movie').rating.mean().reindex(d.movie_ids).to_numpy(), dtype=torch.float32)
    assert not torch.equal(leaky(data), leaky(other))
