"Planted ratings at any size without a dense users x movies mask (for the scaling benchmark)"
import numpy as np, pandas as pd, torch
from collabnb.data import CollabData

ML100K, ML25M = (100_000, 943, 1_682), (25_000_095, 162_541, 59_047)

def sizes_for(n:int) -> tuple:
    "Users and movies for `n` ratings: log-linear between MovieLens 100k and 25M"
    f = np.log(n / ML100K[0]) / np.log(ML25M[0] / ML100K[0])
    return tuple(int(round(a * (b / a)**f)) for a, b in zip(ML100K[1:], ML25M[1:]))

def _draw(p:np.ndarray, k:int, rng) -> np.ndarray:
    "`k` indices drawn with probabilities `p`"
    i = np.minimum(np.searchsorted(np.cumsum(p), np.sort(rng.random(k))), len(p) - 1)  # sorted queries: cache friendly
    return rng.permutation(i.astype(np.int64))

def _capped(w:np.ndarray, cap:float) -> np.ndarray:
    "Weights `w` as probabilities, none above `cap`"
    p = w / w.sum()
    for _ in range(20): p = np.minimum(p, cap); p /= p.sum()
    return p

def planted_pairs(n:int, n_users:int, n_movies:int, rng) -> tuple:
    "`n` distinct (user, movie) pairs, users' activity and movies' popularity heavy-tailed"
    pu, pm = _capped(rng.lognormal(0, 1.0, n_users), 0.3 * n_movies / n), _capped(rng.lognormal(0, 1.5, n_movies), 0.3 * n_users / n)
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < n:
        k = int((n - len(keys)) * (1.3 if len(keys) == 0 else 2)) + 1000
        new = _draw(pu, k, rng) * n_movies + _draw(pm, k, rng)
        keys = np.sort(np.concatenate([keys, new]))
        keys = keys[np.r_[True, keys[1:] != keys[:-1]]]  # distinct pairs (a sort beats numpy's hashing unique here)
    keys = rng.permutation(keys)[:n]
    return keys // n_movies, keys % n_movies

def planted_data(n:int,              # training ratings
                 n_valid:int=20_000, # validation ratings
                 n_factors:int=8, noise:float=0.5, seed:int=0) -> CollabData:
    "A `CollabData` of `n` + `n_valid` ratings from planted factors, biases and noise (0.5..5)"
    rng = np.random.default_rng(seed)
    nu, nm = sizes_for(n)
    u, m = planted_pairs(n + n_valid, nu, nm, rng)
    uf, mf = rng.normal(0, 0.4, (nu, n_factors)).astype('f4'), rng.normal(0, 0.4, (nm, n_factors)).astype('f4')
    ub, mb = rng.normal(0, 0.4, nu).astype('f4'), rng.normal(0, 0.6, nm).astype('f4')
    y = np.empty(len(u), dtype='f4')
    for i in range(0, len(u), 1_000_000):
        s = slice(i, i + 1_000_000)
        y[s] = 3.5 + ub[u[s]] + mb[m[s]] + np.einsum('ij,ij->i', uf[u[s]], mf[m[s]]) + rng.normal(0, noise, len(y[s]))
    y = np.clip(np.round(y * 2) / 2, 0.5, 5.)
    x = torch.from_numpy(np.stack([u, m], 1))
    y = torch.from_numpy(y)
    return CollabData(x[:n], y[:n], x[n:], y[n:], pd.RangeIndex(nu), pd.RangeIndex(nm), None)
