"Start-up of the CLI's train path: importing the library loads neither fastai nor pyplot, and `fit` never imports torch._dynamo"
import json, subprocess, sys
import torch
from collabnb.learner import torch_threads

def in_fresh_python(code:str) -> dict:
    "Run `code` in a new interpreter (this one has imported too much already); it prints one JSON line"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])

LOADED = "json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'fastai' or m in ('matplotlib.pyplot', 'torch._dynamo', 'torch._inductor')))"

def test_imports_load_neither_fastai_nor_pyplot():
    loaded = in_fresh_python(f"import json, sys\nimport collabnb.learner, collabnb.evidence, collabnb.data, collabnb.models\nprint({LOADED})")
    assert loaded == [], f"importing the train path's modules loaded {loaded}"

def test_fit_does_not_import_torch_dynamo():
    "torch.optim's optimizers import torch._dynamo (about 2 s) on their first step, torch.use_deterministic_algorithms too: fit avoids both"
    code = f"""import json, sys, torch
from collabnb.data import synthetic_ratings, split_random
from collabnb.models import DotProductBias, EmbeddingNet, SigmoidRange
from collabnb.learner import fit
syn, _ = synthetic_ratings(n_users=30, n_movies=20, n_ratings=400, seed=0)
data = split_random(syn, valid_pct=0.2, seed=0)
for opt, schedule, wd, mode in (('adam', 'one_cycle', 0.1, 'decoupled'), ('sgd', 'constant', 0.1, 'rows'), ('adam', 'constant', 1e-3, 'tables')):
    fit(DotProductBias(data.n_users, data.n_movies, 4, head=SigmoidRange(0, 5.5)), data, epochs=2, bs=64, opt=opt,
        schedule=schedule, wd=wd, wd_mode=mode, progress=False)
fit(EmbeddingNet(data.n_users, data.n_movies, 4, nh=3), data, epochs=1, bs=64, progress=True)
print({LOADED})"""
    assert in_fresh_python(code) == []

def test_torch_threads_sets_and_restores_determinism():
    before = torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()
    with torch_threads(1):
        assert torch.are_deterministic_algorithms_enabled() and torch.get_num_threads() == 1
    assert (torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()) == before
    torch.use_deterministic_algorithms(True, warn_only=True)   # a caller's own setting comes back as it was
    try:
        with torch_threads(1): assert not torch.is_deterministic_algorithms_warn_only_enabled()
        assert torch.are_deterministic_algorithms_enabled() and torch.is_deterministic_algorithms_warn_only_enabled()
    finally: torch.use_deterministic_algorithms(before[0])
