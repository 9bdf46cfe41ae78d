"""The simulation behind lesson 12 (`collabnb.simulation`) and the feed metrics it exports (`collabnb.feedback`):
reference checks, planted-data recovery, error messages, and the stored results checked against the code."""
import json, math
import numpy as np, pandas as pd, pytest, torch
from collabnb.feedback import coverage, exploring, exposure, gini, greedy, niche_share
from collabnb.simulation import (Habits, capped, condense, ndcg_at_k, per_seed, planted_world, precision_at_k,
                                 propensity_weights, simulate)
from collabnb.evidence import results_dir


def test_gini_matches_pairwise_definition():
    g = torch.Generator().manual_seed(0)
    for n in (2, 7, 150):
        x = torch.randint(0, 100, (n,), generator=g).double() + 1
        pairwise = (x[:, None] - x[None]).abs().sum() / (2 * n * n * x.mean())
        assert math.isclose(gini(x), pairwise.item(), rel_tol=1e-9)
    assert math.isclose(gini(torch.tensor([0., 0., 0., 5.])), 3 / 4)


def test_capped_holds_the_cap_and_the_mean_and_keeps_the_order():
    g = torch.Generator().manual_seed(1)
    for clip in (1., 1.5, 3., 10.):
        for _ in range(20):
            w = torch.rand(200, generator=g).double() ** -3            # heavy-tailed, like inverse propensities
            c = capped(w, clip)
            assert c.max() <= clip * (1 + 1e-6)
            assert math.isclose(c.mean().item(), 1., rel_tol=1e-9)
            assert (c[w.argsort()].diff() >= -1e-12).all()                # a larger weight never ends smaller
            free = c < clip * (1 - 1e-9)                                  # the uncapped keep their ratios
            if free.sum() > 1: assert torch.allclose(c[free] / w[free], (c[free] / w[free])[0].expand(int(free.sum())))
    with pytest.raises(ValueError, match='at least 1'): capped(torch.ones(3), 0.9)


def test_propensity_weights_favour_rarely_rated_movies():
    seen = torch.zeros(10, 3, dtype=torch.bool)
    seen[:, 0], seen[:2, 1], seen[0, 2] = True, True, True               # 10, 2 and 1 raters
    w = propensity_weights(seen, torch.ones(10, dtype=torch.bool), clip=100.)
    assert math.isclose(w[0, 1] / w[0, 0], 5., rel_tol=1e-6) and math.isclose(w[0, 2] / w[0, 0], 10., rel_tol=1e-6)
    assert (w[~seen] == 0).all()


def test_list_metrics_against_sklearn():
    from sklearn.metrics import ndcg_score
    g = torch.Generator().manual_seed(2)
    rel = torch.rand(60, 40, generator=g) < 0.15
    rel[0] = False                                                       # a user with nothing relevant is left out
    lists = torch.rand(60, 40, generator=g).argsort(1)[:, :10]
    score = torch.zeros(60, 40).scatter(1, lists, torch.arange(10, 0, -1).float().expand(60, 10))
    keep = rel.any(1).numpy()
    assert math.isclose(ndcg_at_k(lists, rel), ndcg_score(rel.numpy()[keep], score.numpy()[keep], k=10), rel_tol=1e-6)
    assert math.isclose(precision_at_k(lists, rel), rel.gather(1, lists).float().mean().item())


def test_feed_metrics_on_a_hand_made_feed():
    shown = torch.tensor([[0, 1], [1, 2], [1, 3]])
    assert exposure(shown, 5).tolist() == [1, 3, 1, 1, 0] and coverage(shown, 5) == 0.8
    assert niche_share(shown, torch.tensor([1]), torch.tensor([True, False, True])) == 0.5
    assert math.isnan(niche_share(shown, torch.tensor([1]), torch.zeros(3, dtype=torch.bool)))


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match='Habits.churn'): Habits(churn=2.)
    with pytest.raises(ValueError, match='n_niche=0'): planted_world(n_niche=0)
    with pytest.raises(KeyError, match='the loop'):
        per_seed(pd.DataFrame(dict(config=['the loop'], seed=[0], coverage=[0.5])), 'greedy', 'coverage')


def test_the_recommender_learns_the_planted_tastes():
    "No enthusiasts, a fixed population, some exploration: the model ends far closer to the tastes than their mean is"
    w = planted_world(n_users=150, n_waiting=0, n_movies=80, n_fans=0, n_waiting_fans=0, n_niche=1, dislike=0., seed=5)
    run = simulate(w, exploring(0.3), Habits.fixed(), rounds=8, seed=5)
    spread = w.taste.std().item()                                        # the RMSE of predicting the mean taste
    assert run.probe_rmse.iloc[-1] < 0.6 * spread
    assert run.probe_rmse.iloc[-1] < run.probe_rmse.iloc[0]


def test_recorded_silences_are_not_shown_again():
    "With `ignored`, every shown movie is masked afterwards, rated or not; without it, ignored ones may come back"
    w = planted_world(n_users=40, n_waiting=0, n_movies=30, n_fans=2, n_waiting_fans=0, n_niche=2, seed=1)
    masked = []
    def recording(scores, k, gen):
        masked.append(scores.isinf().sum(1))                              # everyone visits: the rows stay aligned
        return greedy(scores, k, gen)
    simulate(w, recording, Habits.fixed(calm=0.2), rounds=4, k=3, ignored=2., seed=1)
    assert all((b - a == 3).all() for a, b in zip(masked, masked[1:]))
    masked.clear()
    simulate(w, recording, Habits.fixed(calm=0.2), rounds=4, k=3, seed=1)
    assert any((b - a < 3).any() for a, b in zip(masked, masked[1:]))


def _stored(name):
    path = results_dir()/'12_feedback_loops'/f'{name}.json'
    if not path.exists(): pytest.skip(f'{path} not stored yet')
    from collabnb.evidence import _decode
    return _decode(json.loads(path.read_text())['result'])


@pytest.mark.parametrize('name,config,kw', [('loop', 'the loop', {}), ('fixes', 'silence as a weak 2', dict(ignored=2.))])
def test_stored_results_match_the_code(name, config, kw):
    "Lesson 12 loads stored results: one of its runs, recomputed now, must give the stored numbers"
    seeds = _stored(name)['seeds']
    row = seeds[(seeds.config == config) & (seeds.seed == 0)].drop(columns=['config', 'seed']).iloc[0]
    run = simulate(planted_world(seed=0), seed=0, **kw).assign(config=config, seed=0)
    now = condense(run)['seeds'].drop(columns=['config', 'seed']).iloc[0]
    pd.testing.assert_series_equal(now[row.index], row, check_names=False, atol=1e-4, rtol=0)
