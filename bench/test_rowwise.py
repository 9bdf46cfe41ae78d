"Checks of bench/rowwise.py against torch's AdamW + OneCycleLR (run: python bench/test_rowwise.py)"
import copy, torch, numpy as np
from fastcore.test import test_close, test_eq, test_fail
from collabnb.models import DotProductBias, SigmoidRange, EmbeddingNet
from collabnb.learner import _optimizer, _schedule, l2_penalty
from rowwise import one_cycle, RowAdamW

# the schedule equals OneCycleLR's, lr and beta1, step by step
for steps in (7, 40, 1001):
    o = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=0.01, betas=(0.9, 0.99))
    s = _schedule(o, 'one_cycle', 0.01, steps)
    ref = []
    for _ in range(steps): ref.append((o.param_groups[0]['lr'], o.param_groups[0]['betas'][0])); o.step(); s.step()
    lrs, b1 = one_cycle(steps, 0.01)
    test_close(lrs, np.array([r[0] for r in ref]), eps=1e-12)
    test_close(b1, np.array([r[1] for r in ref]), eps=1e-12)

def dense_run(model, batches, lr, wd, mode='decoupled'):
    "fit's own optimizer and schedule over `batches`"
    o = _optimizer(model, 'adam', lr, wd if mode == 'decoupled' else 0.)
    s = _schedule(o, 'one_cycle', lr, len(batches))
    for x, y in batches:
        loss = ((model(x) - y)**2).mean()
        if mode != 'decoupled': loss = loss + wd * l2_penalty(model, mode, x)
        o.zero_grad(); loss.backward(); o.step(); s.step()
    return model

def row_run(model, batches, lr, wd, mode='decoupled'):
    o = RowAdamW(model, *one_cycle(len(batches), lr), wd=wd, wd_mode=mode)
    for x, y in batches:
        with o.lookups(): loss = ((model(x) - y)**2).mean() + o.penalty(len(x))
        o.zero_grad(); loss.backward(); o.step()
    o.sync()
    return model, o

torch.manual_seed(0)
nu, nm = 6, 5
m0 = DotProductBias(nu, nm, 4, head=SigmoidRange(0, 5.5))
def batch(users, movies):
    x = torch.stack([torch.tensor(users), torch.tensor(movies)], 1)
    return x, torch.rand(len(x)) * 5
# every row in every batch: the row-wise step IS AdamW
full = [batch(list(range(nu)) * 2, list(range(nm)) * 2 + [0, 1]) for _ in range(12)]
for mode, wd in (('decoupled', 0.5), ('rows', 0.1), ('tables', 0.01)):
    a, (b, _) = dense_run(copy.deepcopy(m0), full, 0.05, wd, mode), row_run(copy.deepcopy(m0), full, 0.05, wd, mode)
    for pa, pb in zip(a.parameters(), b.parameters()): test_close(pa, pb, eps=1e-5)

# rows first seen late: before its first gradient AdamW only decays a row, and so does the lazy step (exactly)
late = [batch([0, 1, 2], [0, 1, 0]) for _ in range(8)] + [batch(list(range(nu)), list(range(nm)) + [0]) for _ in range(4)]
a, (b, o) = dense_run(copy.deepcopy(m0), late, 0.05, 2.), row_run(copy.deepcopy(m0), late, 0.05, 2.)
for pa, pb in zip(a.parameters(), b.parameters()): test_close(pa, pb, eps=1e-5)
# never-seen rows get all the decay at `sync`
never = [batch([0, 1], [0, 1]) for _ in range(10)]
a, (b, o) = dense_run(copy.deepcopy(m0), never, 0.05, 2.), row_run(copy.deepcopy(m0), never, 0.05, 2.)
test_close(a.user_factors.weight[2:], b.user_factors.weight[2:], eps=1e-6)
test_eq(b.user_factors._scale, 1.)

# the rows penalty equals l2_penalty(model, 'rows', x), gradient included
m1 = copy.deepcopy(m0)
o = RowAdamW(m1, *one_cycle(3, 0.01), wd=0.3, wd_mode='rows')
x, y = late[0]
with o.lookups():
    m1(x)
    p = o.penalty(len(x))
test_close(p, 0.3 * l2_penalty(m0, 'rows', x), eps=1e-6)

# a model with dense layers too (EmbeddingNet): dense params follow torch's AdamW
torch.manual_seed(1)
m2 = EmbeddingNet(nu, nm, 3, nh=5, p1=0., p2=0.)
a, (b, _) = dense_run(copy.deepcopy(m2), full, 0.02, 0.5), row_run(copy.deepcopy(m2), full, 0.02, 0.5)
for pa, pb in zip(a.parameters(), b.parameters()): test_close(pa, pb, eps=1e-5)

test_fail(lambda: RowAdamW(m0, *one_cycle(3, 0.5), wd=4.), contains='below 1')
test_fail(lambda: RowAdamW(torch.nn.Linear(2, 2), *one_cycle(3, 0.5)), contains='no collabnb Embedding')
print('ok')

# the device argument: on a GPU the tables, the moments and the batches live there (skipped without one, never faked)
if torch.cuda.is_available():
    from rowwise import fit_rowwise
    from planted import planted_data
    d = planted_data(20_000, n_valid=2_000)
    torch.manual_seed(0)
    m = DotProductBias(d.n_users, d.n_movies, 8, head=SigmoidRange(0, 5.5))
    h = fit_rowwise(m, d, epochs=2, wd=1., device='cuda')
    assert m.user_factors.weight.is_cuda and h.rmse < 1.2
else: print('no CUDA: device test skipped')
