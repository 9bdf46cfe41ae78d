"RowAdamW (lesson 01b) against fit's torch AdamW + OneCycleLR: the row-wise step equals AdamW wherever it should"
import copy, pytest, torch
from fastcore import test as ft
from collabnb.models import DotProductBias, DotProduct, SigmoidRange, EmbeddingNet, LearnableRange
from collabnb.rowwise import RowAdamW
from collabnb.learner import _optimizer, _schedule, fit, l2_penalty

def dense_run(model, batches, lr, wd, mode='decoupled'):
    "fit's optimizer and schedule over `batches`"
    o = _optimizer(model, 'adam', lr, wd if mode == 'decoupled' else 0.)
    s = _schedule(o, 'one_cycle', lr, len(batches))
    for x, y in batches:
        loss = ((model(x) - y)**2).mean()
        if mode != 'decoupled': loss = loss + wd * l2_penalty(model, mode, x)
        o.zero_grad()
        loss.backward()
        o.step()
        s.step()
    return model

def row_run(model, batches, lr, wd, mode='decoupled'):
    "RowAdamW, same schedule"
    o = RowAdamW(model, lr, weight_decay=wd, wd_mode=mode)
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

torch.manual_seed(0)

def test_row_adamw_equals_adamw_where_it_should():
    "Every row in every batch: AdamW exactly; rows seen late or never: exact decay; penalty and dense parameters too"
    nu, nm = 6, 5
    m0 = DotProductBias(nu, nm, 4, head=SigmoidRange(0, 5.5))
    # every row in every batch: the row-wise step is AdamW's step, for each form of weight decay
    full = [batch(list(range(nu)) * 2, list(range(nm)) * 2 + [0, 1]) for _ in range(12)]
    for mode, wd in (('decoupled', 0.5), ('rows', 0.1), ('tables', 0.01)):
        same(dense_run(copy.deepcopy(m0), full, 0.05, wd, mode), row_run(copy.deepcopy(m0), full, 0.05, wd, mode))
    # rows first looked up late: until its first gradient, AdamW only decays a row, and the lazy step does the same
    late = [batch([0, 1, 2], [0, 1, 0]) for _ in range(8)] + [batch(list(range(nu)), list(range(nm)) + [0]) for _ in range(4)]
    same(dense_run(copy.deepcopy(m0), late, 0.05, 2.), row_run(copy.deepcopy(m0), late, 0.05, 2.))
    # rows never looked up get all their decay (at `sync`), biases none
    never = [batch([0, 1], [0, 1]) for _ in range(10)]
    a, b = dense_run(copy.deepcopy(m0), never, 0.05, 2.), row_run(copy.deepcopy(m0), never, 0.05, 2.)
    ft.test_close(a.user_factors.weight[2:], b.user_factors.weight[2:], eps=1e-6)
    ft.test_eq(b.user_bias.weight[2:].detach(), m0.user_bias.weight[2:].detach())
    # a row skipped for a while is not AdamW's row (its momentum would have kept moving it): lazy Adam differs there
    gap = [batch([0, 1], [0, 1]), batch([2, 3], [2, 3]), batch([0, 1], [0, 1])]
    a, b = dense_run(copy.deepcopy(m0), gap, 0.05, 0.), row_run(copy.deepcopy(m0), gap, 0.05, 0.)
    assert not torch.allclose(a.user_factors.weight[:2], b.user_factors.weight[:2])
    ft.test_close(a.user_factors.weight[4:], b.user_factors.weight[4:], eps=1e-7)  # never looked up, no decay: untouched

    # folding the decay into the tables at every step (rescale 0.999) changes nothing but rounding
    def run_rescale(r):
        m = copy.deepcopy(m0)
        o = RowAdamW(m, 0.05, weight_decay=2., rescale=r)
        s = _schedule(o, 'one_cycle', 0.05, len(late))
        for x, y in late:
            with o.lookups(): loss = ((m(x) - y)**2).mean()
            o.zero_grad()
            loss.backward()
            o.step()
            s.step()
        o.sync()
        return m
    same(run_rescale(1e-6), run_rescale(0.999), eps=1e-6)

    # the rows penalty equals l2_penalty(model, 'rows', x)
    m1 = copy.deepcopy(m0)
    o = RowAdamW(m1, 0.01, weight_decay=0.3, wd_mode='rows')
    x, _ = late[0]
    with o.lookups():
        m1(x)
        p = o.penalty(len(x))
    ft.test_close(p, 0.3 * l2_penalty(m0, 'rows', x), eps=1e-6)

    # models with dense parameters (EmbeddingNet's layers, a learnable head) follow torch's AdamW; DotProduct has no biases
    torch.manual_seed(1)
    for m2 in (EmbeddingNet(nu, nm, 3, nh=5, p1=0., p2=0.), DotProduct(nu, nm, 3, head=LearnableRange(0, 5.5))):
        same(dense_run(copy.deepcopy(m2), full, 0.02, 0.5), row_run(copy.deepcopy(m2), full, 0.02, 0.5))

    ft.test_fail(lambda: RowAdamW(m0, 0.01, wd_mode='table'), contains="wd_mode must be one of")
    ft.test_fail(lambda: RowAdamW(torch.nn.Linear(2, 2)), contains='no collabnb Embedding')

    # the device argument: tables, moments and batches on the GPU (skipped without one, never faked)

@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU on this machine: the CUDA path is not tried")
def test_fit_rowwise_on_cuda():
    from collabnb.data import split_random, synthetic_ratings
    d = split_random(synthetic_ratings(seed=0)[0], valid_pct=0.2, seed=0)
    torch.manual_seed(0)
    m = DotProductBias(d.n_users, d.n_movies, 8, head=SigmoidRange(0, 5.5))
    h = fit(m, d, epochs=2, wd=1., device="cuda", rowwise=True, progress=False)
    assert m.user_factors.weight.is_cuda and h.rmse < 1.2
