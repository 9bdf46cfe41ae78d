"RowAdamW against fit's torch AdamW + OneCycleLR: the row-wise step is AdamW's, skipped rows included"
import copy, pytest, torch
from fastcore import test as ft
from collabnb.models import DotProductBias, DotProduct, SigmoidRange, EmbeddingNet, LearnableRange
from collabnb.rowwise import RowAdamW, auto_rowwise
from collabnb.learner import _optimizer, _schedule, fit, l2_penalty

def dense_run(model, batches, lr, wd, mode='decoupled', eps=1e-14):
    "fit's optimizer and schedule over `batches`"
    o = _optimizer(model, 'adam', lr, wd if mode == 'decoupled' else 0.)
    for g in o.param_groups: g['eps'] = eps
    s = _schedule(o, 'one_cycle', lr, len(batches))
    for x, y in batches:
        loss = ((model(x) - y)**2).mean()
        if mode != 'decoupled': loss = loss + wd * l2_penalty(model, mode, x)
        o.zero_grad()
        loss.backward()
        o.step()
        s.step()
    return model

def row_run(model, batches, lr, wd, mode='decoupled', eps=1e-14):
    "RowAdamW, same schedule"
    o = RowAdamW(model, lr, eps=eps, weight_decay=wd, wd_mode=mode)
    s = _schedule(o, 'one_cycle', lr, len(batches))
    for x, y in batches:
        with o.lookups(): loss = ((model(x) - y)**2).mean() + o.penalty(len(x))
        o.zero_grad()
        loss.backward()
        o.step()
        s.step()
    o.sync()
    return model

def batch(users, movies):
    x = torch.stack([torch.tensor(users), torch.tensor(movies)], 1)
    return x, torch.rand(len(x)) * 5

def same(a, b, eps=1e-5):
    for pa, pb in zip(a.parameters(), b.parameters()): ft.test_close(pa, pb, eps=eps)

def test_row_adamw_is_adamw():
    "Rows in every batch, rows that skip steps, rows seen late or never: AdamW's weights, for every form of decay"
    torch.manual_seed(0)
    nu, nm = 6, 5
    m0 = DotProductBias(nu, nm, 4, head=SigmoidRange(0, 5.5))
    full = [batch(list(range(nu)) * 2, list(range(nm)) * 2 + [0, 1]) for _ in range(12)]
    skips = [batch([0, 1], [0, 1]), batch([2, 3], [2, 3]), batch([0, 1, 4], [0, 1, 2])] * 6
    late = [batch([0, 1, 2], [0, 1, 0]) for _ in range(8)] + full[:4]
    never = [batch([0, 1], [0, 1]) for _ in range(10)]
    for bs in (full, skips, late, never):
        for mode, wd in (('decoupled', 0.), ('decoupled', 2.), ('rows', 0.1)):
            same(dense_run(copy.deepcopy(m0), bs, 0.05, wd, mode), row_run(copy.deepcopy(m0), bs, 0.05, wd, mode))
    # 'tables' is lazy: exact only when every row is in every batch, and not once rows skip steps
    same(dense_run(copy.deepcopy(m0), full, 0.05, 0.01, 'tables'), row_run(copy.deepcopy(m0), full, 0.05, 0.01, 'tables'))
    a, b = dense_run(copy.deepcopy(m0), skips, 0.05, 0.5, 'tables'), row_run(copy.deepcopy(m0), skips, 0.05, 0.5, 'tables')
    assert not torch.allclose(a.user_factors.weight, b.user_factors.weight, atol=1e-4)
    # never looked up: AdamW only decays a row, and biases not at all
    b = row_run(copy.deepcopy(m0), never, 0.05, 2.)
    ft.test_eq(b.user_bias.weight[2:].detach(), m0.user_bias.weight[2:].detach())
    # models with dense parameters (EmbeddingNet's layers, a learnable head) follow torch's AdamW there
    torch.manual_seed(1)
    for m2 in (EmbeddingNet(nu, nm, 3, nh=5, p1=0., p2=0.), DotProduct(nu, nm, 3, head=LearnableRange(0, 5.5))):
        same(dense_run(copy.deepcopy(m2), skips, 0.02, 0.5), row_run(copy.deepcopy(m2), skips, 0.02, 0.5))
    ft.test_fail(lambda: RowAdamW(m0, 0.01, wd_mode='table'), contains="wd_mode must be one of")
    ft.test_fail(lambda: RowAdamW(torch.nn.Linear(2, 2)), contains='no collabnb Embedding')

def test_fit_rowwise_matches_dense():
    "fit with and without rowwise on a small planted split: the same validation RMSE"
    from collabnb.data import split_random, synthetic_ratings
    d = split_random(synthetic_ratings(seed=0)[0], valid_pct=0.2, seed=0)
    def run(rowwise):
        torch.manual_seed(0)
        m = DotProductBias(d.n_users, d.n_movies, 8, head=SigmoidRange(0, 5.5))
        return fit(m, d, epochs=3, bs=64, wd=0.5, rowwise=rowwise, progress=False).rmse
    ft.test_close(run(True), run(False), eps=1e-4)

def test_auto_rowwise_stays_dense_on_ml100k():
    "No recipe of the course switches on MovieLens 100k, at any batch size; the 25M shape does"
    from types import SimpleNamespace
    from collabnb.recipes import MODELS, recipe
    for name in MODELS:
        m, kw = recipe(name, SimpleNamespace(n_users=943, n_movies=1682))
        for bs in (8, 64, 1024, 80_000): assert not auto_rowwise(m, 80_000, bs, kw.get('wd_mode', 'decoupled'))
    assert auto_rowwise(recipe('bias', SimpleNamespace(n_users=162_541, n_movies=59_047))[0], 25_000_095, 1024)

@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU on this machine: the CUDA path is not tried")
def test_fit_rowwise_on_cuda():
    from collabnb.data import split_random, synthetic_ratings
    d = split_random(synthetic_ratings(seed=0)[0], valid_pct=0.2, seed=0)
    torch.manual_seed(0)
    m = DotProductBias(d.n_users, d.n_movies, 8, head=SigmoidRange(0, 5.5))
    h = fit(m, d, epochs=2, wd=1., device="cuda", rowwise=True, progress=False)
    assert m.user_factors.weight.is_cuda and h.rmse < 1.2
