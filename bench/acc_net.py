"The net recipe (EmbeddingNet, wd 3e-4 'tables') and the bias recipe: fit dense vs rowwise=True, split seeds from argv"
import sys, torch, time
import collabnb.learner as L
import proposal_01b as P
L.fit = P.fit  # trainer() calls the module's fit: the proposal's, with rowwise
from collabnb.data import load_movielens
from collabnb.recipes import recipe_run
ml = load_movielens()
name, seeds, kw = sys.argv[1], [int(s) for s in sys.argv[2].split(',')], eval(sys.argv[3]) if len(sys.argv) > 3 else {}
dense, row = recipe_run(ml, name), recipe_run(ml, name, rowwise=True, **kw)
for s in seeds:
    a, b = dense(s), row(s)
    print(name, s, f"dense {a.rmse:.4f} row {b.rmse:.4f} diff {b.rmse - a.rmse:+.4f}", kw, flush=True)
