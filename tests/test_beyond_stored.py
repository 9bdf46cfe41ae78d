"""Lesson 13's stored results agree with the code that names them: `AUTOREC` is the best row of the stored
AutoRec search, `BLENDS['blend']` the best stored candidate within a minute of CPU time, and the stored
benchmark holds exactly the models and blends the library has. A change to the registry without a rerun
(`COLLABNB_RERUN=1`) fails here, in the default test run, without training anything."""
from __future__ import annotations
import json, math
from collabnb.evidence import REPORT_SEEDS, _decode, results_dir
from collabnb.beyond import AUTOREC, AUTOREC_GRID, BLENDS, beyond_models, blend_candidates


def load(name: str):
    return _decode(json.loads((results_dir()/f'{name}.json').read_text())['result'])


def test_autorec_settings_are_the_searchs_best():
    search = load('13_beyond/autorec_search')
    assert len(search) == math.prod(len(v) for v in AUTOREC_GRID.values())
    best = search.sort_values('rmse').iloc[0]
    assert {k: best[k] for k in AUTOREC_GRID} == {k: AUTOREC[k] for k in AUTOREC_GRID}


def test_blend_is_the_best_candidate_within_a_minute():
    scores, candidates = load('13_beyond/blend_choice'), blend_candidates()
    assert set(candidates) <= set(scores)
    within = {k: scores[k] for k in candidates if scores[k][1] <= 60}
    assert set(candidates[min(within, key=lambda k: within[k][0])]) == set(BLENDS['blend'])


def test_benchmark_holds_every_model_and_blend():
    ev, weights = load('13_beyond/benchmark')
    assert set(ev) == set(beyond_models()) | set(BLENDS) | {'classes (arg-max star)', 'fastai book recipe'}
    assert all(tuple(e.seeds) == tuple(REPORT_SEEDS) for e in ev.values())
    for blend, members in BLENDS.items():
        w = weights[weights.blend == blend].drop(columns=['seed', 'blend']).dropna(axis=1)
        assert set(w.columns) == set(members), blend
        assert len(w) == len(REPORT_SEEDS)
