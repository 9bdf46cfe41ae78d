"""collabnb.ranking: list metrics on hand-worked cases and against scikit-learn, the protocol, the ranking models' flags and solvers, the stored searches."""
import json, math
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
from collabnb.data import CollabData
from collabnb import ranking as R

ROOT = Path(__file__).resolve().parents[1]


def toy(train, valid, n_users=3, n_movies=5):
    t, v = torch.tensor(train, dtype=torch.float), torch.tensor(valid, dtype=torch.float)
    return CollabData(t[:, :2].long(), t[:, 2], v[:, :2].long(), v[:, 2], pd.Index(range(n_users)), pd.Index(range(n_movies)), None)


def test_hand_worked_list():
    # relevant: movie 1 (5 stars, gain 2), movie 3 (4 stars, gain 1); list 3, 0, 1 -> hits at ranks 1 and 3
    m = R.per_user(torch.tensor([[3, 0, 1]]), torch.tensor([[0., 2., 0., 1., 0.]]), k=3).iloc[0]
    assert m.precision == pytest.approx(2/3) and m.recall == pytest.approx(1) and m.mrr == 1
    assert m['map'] == pytest.approx((1 + 2/3) / 2)
    assert m.ndcg == pytest.approx((1 + 1/2) / (1 + 1/math.log2(3)))
    assert m.ndcg_graded == pytest.approx((1 + 2/2) / (2 + 1/math.log2(3)))
    # a miss at rank 1, the first hit at rank 2
    m = R.per_user(torch.tensor([[0, 3, 4]]), torch.tensor([[0., 2., 0., 1., 0.]]), k=3).iloc[0]
    assert m.mrr == 0.5 and m['map'] == pytest.approx((1/2) / 2) and m.recall == 0.5


def test_map_divides_by_min_relevant_k():
    # five relevant movies, k = 2, both slots hit: AP@2 = 1, recall 2/5
    m = R.per_user(torch.tensor([[0, 1]]), torch.ones(1, 5), k=2).iloc[0]
    assert m['map'] == 1 and m.recall == pytest.approx(0.4)


@pytest.mark.parametrize('k', [1, 5, 12])
def test_ndcg_matches_sklearn(k):
    from sklearn.metrics import ndcg_score
    g = torch.Generator().manual_seed(k)
    n, nm = 25, 40
    scores = torch.rand(n, nm, generator=g)
    seen = torch.rand(n, nm, generator=g) < 0.3
    gain = torch.where(torch.rand(n, nm, generator=g) < 0.15, torch.randint(1, 3, (n, nm), generator=g).float(), torch.zeros(()))
    gain[seen] = 0
    for u in range(n):
        if not (gain[u] > 0).any(): gain[u, (~seen[u]).nonzero()[0, 0]] = 2
    ours = R.per_user(R.top_k(scores, seen, k), gain, k)
    for u in range(n):
        keep = ~seen[u]
        assert ours.ndcg_graded[u] == pytest.approx(ndcg_score([gain[u][keep].numpy()], [scores[u][keep].numpy()], k=k), abs=1e-9)
        assert ours.ndcg[u] == pytest.approx(ndcg_score([(gain[u][keep] > 0).numpy()], [scores[u][keep].numpy()], k=k), abs=1e-9)


def test_protocol_never_recommends_seen_and_keeps_judged_users():
    d = toy([(0, 0, 5), (0, 1, 3), (1, 0, 4), (2, 2, 1)], [(0, 2, 5), (0, 3, 4), (1, 1, 3), (2, 3, 2)])
    p = R.protocol(d)
    assert p.users.tolist() == [0] and p.gain[0].tolist() == [0, 0, 2, 1, 0]
    assert R.protocol(d, threshold=3).users.tolist() == [0, 1]
    top = R.top_k(R.score_matrix(R.Popular(d), 3, 5), p.seen, 3)
    assert not p.seen.gather(1, top).any()
    assert top[0].tolist() == [2, 3, 4]   # movies 0 and 1 (seen by user 0) are never recommended


def test_catalogue_gini_is_lesson_12s():
    from collabnb.feedback import gini
    top = torch.tensor([[0, 1], [0, 2], [0, 1]])
    c = R.catalogue(top, torch.tensor([3, 2, 1, 0]), n_users=3)
    assert c['coverage'] == 3/4
    assert c['gini'] == pytest.approx(gini(torch.tensor([3, 2, 1, 0])))
    assert c['novelty'] == pytest.approx(-np.mean(np.log2(np.array([3, 2, 3, 1, 3, 2]) / 3)))


def test_ranking_models_say_they_score():
    d = toy([(0, 0, 5), (1, 1, 3), (2, 2, 4)], [(0, 1, 5)])
    for m in (R.Popular(d), R.RandomScores(d), R.DampedMean(d), R.BPR(3, 5, 4), R.IALS(3, 5, 4),
              R.FactorScores(np.zeros((3, 2)), np.zeros((5, 2)))):
        assert m.scores is True
    from collabnb.models import DotProductBias
    assert not getattr(DotProductBias(3, 5, 4), 'scores', False)


def test_unknown_recipe_named():
    d = toy([(0, 0, 5)], [(0, 1, 5)])
    with pytest.raises(ValueError, match='svd'): R.ranking_recipe('svd', d)
    with pytest.raises(ValueError, match='svd'): R.make_ranker('svd', d)


def test_als_half_step_is_the_minimum_and_cg_reaches_it():
    g = torch.Generator().manual_seed(3)
    P = (torch.rand(7, 6, generator=g) < 0.4).double()
    Y = torch.randn(6, 3, generator=g, dtype=torch.float64)
    alpha, reg = 4., 0.3
    X = R.als_step(Y, [P[r].nonzero().squeeze(1) for r in range(7)], alpha, reg).requires_grad_()
    loss = ((1 + alpha * P) * (P - X @ Y.T)**2).sum() + reg * (X**2).sum()
    loss.backward()
    assert X.grad.abs().max() < 1e-9
    r, i = P.nonzero().T
    assert torch.allclose(R.als_step_cg(Y, torch.zeros(7, 3, dtype=torch.float64), r, i, alpha, reg, steps=12), X.detach(), atol=1e-8)


def test_bpr_loss_prefers_rated_movies():
    "One step of BPR on a toy split raises the rated pair's score against the others"
    d = toy([(0, 0, 5), (1, 1, 3), (2, 2, 4)], [(0, 1, 5)], n_movies=6)
    torch.manual_seed(0)
    m = R.BPR(3, 6, 4)
    loss = R.bpr_loss(d, seed=0)
    opt = torch.optim.SGD(m.parameters(), lr=1.)
    for _ in range(50):
        opt.zero_grad(); loss(m, d.x_train, d.y_train).backward(); opt.step()
    s = R.score_matrix(m, 3, 6)
    assert all(s[u].argmax() == u for u in range(3))


SEARCHES = {n: ROOT/'nbs'/'results'/'search'/f"ranking-{n.replace(' ', '-')}.json" for n in R.RANK_SPACES}


@pytest.mark.skipif(not all(p.exists() for p in SEARCHES.values()), reason='searches not stored yet')
def test_rankers_hold_the_searched_settings():
    from collabnb.evidence import _decode
    for name in ('bpr', 'ials'):
        trials = _decode(json.loads(SEARCHES[name].read_text())['result'])
        assert len(trials) == 40
        best = R.best_of(trials, name)
        got = R.RANKERS[name]
        for k, v in best.items():
            assert got[k] == pytest.approx(v, rel=0.01), (name, k, got[k], v)


def test_ranking_import_is_light():
    "The CLI will import the ranker: no fastai, optuna, sklearn, implicit or pyplot on import"
    import subprocess, sys
    code = ("import sys, collabnb.ranking; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('fastai', 'optuna', 'sklearn', 'implicit') or m == 'matplotlib.pyplot'))")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == '[]', r.stdout


def test_bpr_recipe_trains_under_fit():
    from collabnb.learner import fit
    d = toy([(0, 0, 5), (1, 1, 3), (2, 2, 4), (0, 3, 2)], [(0, 1, 5)], n_movies=6)
    m, kw = R.ranking_recipe('bpr', d, epochs=2, n_factors=4, bs=1)
    h = fit(m, d, progress=False, **kw)
    assert 'train_loss' in h.table and len(h.table) == 2
