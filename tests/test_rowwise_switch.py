"`fit(rowwise=None)`: the path `auto_rowwise` picks is the path `fit` trains on (counted by RowAdamW's steps)"
import pandas as pd, pytest, torch
from collabnb.data import CollabData
from collabnb.learner import fit
from collabnb.models import DotProductBias, SigmoidRange
from collabnb.rowwise import RowAdamW, auto_rowwise


def planted(nu:int, nm:int, n:int=3000, seed:int=0) -> CollabData:
    "`n` random ratings on `nu` users × `nm` movies (enough to train one short epoch)"
    g = torch.Generator().manual_seed(seed)
    x = torch.stack([torch.randint(0, nu, (n,), generator=g), torch.randint(0, nm, (n,), generator=g)], 1)
    y = torch.randint(1, 6, (n,), generator=g).float()
    return CollabData(x[:-500], y[:-500], x[-500:], y[-500:], pd.RangeIndex(nu), pd.RangeIndex(nm), None)


@pytest.fixture
def row_steps(monkeypatch):
    "How many RowAdamW steps ran"
    calls = []
    step = RowAdamW.step
    monkeypatch.setattr(RowAdamW, 'step', lambda self, *a, **k: (calls.append(1), step(self, *a, **k))[1])
    return calls


BIG, SMALL = (12_000, 9_000), (943, 1_682)   # 1.07M numbers in the tables; MovieLens 100k's 134k


def model(shape):
    torch.manual_seed(0)
    return DotProductBias(*shape, 50, head=SigmoidRange(0, 5.5))


def test_big_tables_train_rowwise(row_steps):
    d = planted(*BIG)
    assert auto_rowwise(model(BIG), len(d.y_train), 256)
    h = fit(model(BIG), d, epochs=1, bs=256, wd=0.5, progress=False)            # rowwise=None: fit picks
    assert len(row_steps) == 10                                                  # 2,500 ratings / 256 per step
    row_steps.clear()
    h_rows = fit(model(BIG), d, epochs=1, bs=256, wd=0.5, progress=False, rowwise=True)
    assert h.rmse == h_rows.rmse                                                 # the same path, the same result


@pytest.mark.parametrize('kw', [dict(), dict(bs=4096), dict(opt='sgd'), dict(wd_mode='tables', wd=0.1)],
                         ids=['movielens-100k-size', 'batch-as-large-as-tables', 'sgd', 'wd-tables'])
def test_dense_where_the_rule_says_so(row_steps, kw):
    shape = SMALL if not kw else BIG
    d = planted(*shape, n=6000)
    fit(model(shape), d, epochs=1, progress=False, **({'bs': 256} | kw))
    assert row_steps == []


def test_override_both_ways(row_steps):
    d = planted(*SMALL)
    fit(model(SMALL), d, epochs=1, bs=256, progress=False, rowwise=True)
    assert len(row_steps) == 10
    row_steps.clear()
    fit(model(BIG), planted(*BIG), epochs=1, bs=256, progress=False, rowwise=False)
    assert row_steps == []
    with pytest.raises(ValueError, match="opt must be 'adam'"):
        fit(model(BIG), planted(*BIG), epochs=1, progress=False, rowwise=True, opt='sgd')
