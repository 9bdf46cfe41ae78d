"Accuracy on ml-100k: the bias recipe with fit (dense AdamW) and fit_rowwise (RowAdamW), split seeds given on the command line"
import sys, time, torch
from collabnb.data import load_movielens, split_random
from collabnb.models import DotProductBias, SigmoidRange
from collabnb.learner import fit
from rowwise import fit_rowwise
ml = load_movielens()
seeds = [int(s) for s in sys.argv[1].split(',')] if len(sys.argv) > 1 else [42]
kw = dict(epochs=6, lr=1e-2, bs=1024, wd=1.0)
extra = eval(sys.argv[2]) if len(sys.argv) > 2 else {}
which = sys.argv[3].split(',') if len(sys.argv) > 3 else ['dense', 'row']
for s in seeds:
    data = split_random(ml, valid_pct=0.2, seed=s)
    res = {}
    for name, f in (('dense', fit), ('row', fit_rowwise)):
        if name not in which: continue
        torch.manual_seed(s)
        m = DotProductBias(data.n_users, data.n_movies, 50, head=SigmoidRange(0, 5.5))
        h = f(m, data, **{**kw, **(extra if name == 'row' else {})}, progress=False)
        res[name] = (h.rmse, h.seconds)
    print(s, ' '.join(f'{k} {r:.4f} ({t:.2f}s)' for k, (r, t) in res.items()), flush=True)
