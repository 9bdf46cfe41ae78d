"""Proposed additions to nbs/01b_training_loop.ipynb (collabnb.learner), issue 15 item 1.

`RowAdamW` goes in a new exported cell before `_epoch`; `_epoch` and `fit` replace the current ones (the changes are
marked `rowwise`/`RowAdamW`/`lookups`/`sync`); the imports gain `import torch.nn.functional as F` and `nullcontext`.
"""
from contextlib import nullcontext
import torch.nn.functional as F
from collabnb.learner import *
from collabnb.learner import _schedule, _optimizer, _check_args, _check_data, History, WD_MODES, math, time, warnings
from collabnb.learner import master_bar, progress_bar, Callable, Tensor, nn, np, pd, torch, contextmanager, Embedding
from collabnb.learner import CollabData, _epoch as _old_epoch


class RowAdamW(torch.optim.Optimizer):
    "AdamW that updates only the `Embedding` rows looked up inside `lookups()`; decoupled decay stays exact"
    def __init__(self, model:nn.Module,      # a model whose tables are collabnb `Embedding`s
                 lr:float=1e-2, betas:tuple=(0.9, 0.99), eps:float=1e-8,
                 weight_decay:float=0.,      # on factor tables (`Embedding`s with `is_bias=False`), never on biases
                 wd_mode:str='decoupled',    # 'decoupled' (AdamW), 'rows' (add `penalty` to the loss), 'tables' (lazy)
                 rescale:float=1e-6):        # fold a table's pending decay into it when the factor falls below this
        if wd_mode not in WD_MODES: raise ValueError(f"wd_mode must be one of {WD_MODES}, got {wd_mode!r}")
        self.tables = [e for e in model.modules() if isinstance(e, Embedding)]
        if not self.tables: raise ValueError(f"{type(model).__name__} has no collabnb Embedding tables")
        ids = {id(e.weight) for e in self.tables}
        dense = [p for p in model.parameters() if id(p) not in ids and p.requires_grad]
        groups = [dict(params=[e.weight for e in self.tables])] + ([dict(params=dense)] if dense else [])
        super().__init__(groups, dict(lr=lr, betas=betas, eps=eps))
        self.wd, self.wd_mode, self.rescale = weight_decay, wd_mode, rescale
        self.scale = {e: 1. for e in self.tables}  # tables hold weight / scale: one multiplication decays all rows
        self.moments = {}                          # tables looked up by one index -> Adam's m and v, (rows, 2, widths)
        self.dense = (torch.optim.AdamW(dense, lr=lr, betas=betas, eps=eps, weight_decay=0., foreach=False)
                      if dense else None)
        self.t, self.looked = 0, []

    def _decays(self, e:Embedding) -> bool: return bool(self.wd) and self.wd_mode == 'decoupled' and not e.is_bias

    @contextmanager
    def lookups(self):
        "Inside the block the model's `Embedding`s return the rows a batch looks up as leaf tensors, for `step`"
        def lookup(e):
            def forward(idx:Tensor) -> Tensor:
                out = F.embedding(idx, e.weight.detach())  # (bs, k); faster than weight[idx] on CPU
                if self.scale[e] != 1.: out *= self.scale[e]
                self.looked.append((e, idx, out.requires_grad_()))
                return out
            return forward
        self.looked = []
        for e in self.tables: e.forward = lookup(e)
        try: yield
        finally:
            for e in self.tables: del e.forward

    def penalty(self, n:int) -> Tensor|float:
        "'rows' mode: `weight_decay` times the squared factors of the rows looked up, summed over the `n` ratings"
        if self.wd_mode != 'rows' or not self.wd: return 0.
        return self.wd * sum((out**2).sum() for e, _, out in self.looked if not e.is_bias) / n

    @torch.no_grad()
    def step(self, closure=None):
        "One AdamW step on the rows looked up since `lookups()` began, and on the model's other parameters"
        lr, (b1, b2), eps = self.param_groups[0]['lr'], self.param_groups[0]['betas'], self.param_groups[0]['eps']
        by_index = {}  # tables looked up by one index tensor are updated together
        for e, idx, out in self.looked:
            grad = out.grad if out.grad is not None else torch.zeros_like(out)
            by_index.setdefault((idx.data_ptr(), idx.shape, idx.stride()), (idx, []))[1].append((e, grad))
        tables = [e for _, looked in by_index.values() for e, _ in looked]
        if len(set(tables)) < len(tables):  # a table looked up by two index tensors: its lookups are pooled
            pooled = {}
            for idx, looked in by_index.values():
                for e, grad in looked: pooled.setdefault(e, []).append((idx, grad))
            by_index = {id(e): (torch.cat([i for i, _ in l]), [(e, torch.cat([g for _, g in l]))])
                        for e, l in pooled.items()}
        if self.wd and self.wd_mode == 'decoupled' and lr * self.wd >= 1:
            raise ValueError(f"decoupled weight decay needs lr * wd < 1, got {lr:g} * {self.wd:g}")
        self.t += 1
        for idx, looked in by_index.values(): self._update(idx, looked, lr, b1, b2, eps)
        for e in self.tables:
            if self._decays(e):
                self.scale[e] *= 1 - lr * self.wd  # every row decays, looked up or not
                if self.scale[e] < self.rescale: self._fold(e)
        if self.dense:
            last = self.param_groups[-1]
            for g in self.dense.param_groups: g.update(lr=last['lr'], betas=last['betas'])
            self.dense.step()
        self.looked = []

    def _update(self, idx:Tensor, looked:list, lr:float, b1:float, b2:float, eps:float):
        "Adam on the rows that `idx` looks up in the tables of `looked`, a list of `(table, gradient of its output)`"
        tables, widths = tuple(e for e, _ in looked), [e.weight.shape[1] for e, _ in looked]
        if tables not in self.moments:
            if any(e in k for k in self.moments for e in tables):
                raise RuntimeError("RowAdamW needs each table looked up with the same other tables at every step")
            w = tables[0].weight
            self.moments[tables] = dict(mv=w.new_zeros(w.shape[0], 2, sum(widths)),
                                        seen=torch.zeros(w.shape[0], dtype=torch.long, device=w.device))
        st = self.moments[tables]
        uniq, inv = torch.unique(idx, return_inverse=True)
        gout = torch.cat([g for _, g in looked], 1) if len(looked) > 1 else looked[0][1]              # (bs, sum k)
        g = gout.new_zeros(len(uniq), gout.shape[1]).index_add_(0, inv, gout)                        # (n_unique, sum k)
        if self.wd and self.wd_mode == 'tables':  # the L2 gradient of every step since the row was last looked up
            missed = (self.t - st['seen'].index_select(0, uniq)).to(g.dtype)[:, None]
            for e, ge in zip(tables, g.split(widths, 1)):
                if not e.is_bias: ge += 2 * self.wd * missed * e.weight.index_select(0, uniq)
            st['seen'].index_fill_(0, uniq, self.t)
        mv = st['mv'].index_select(0, uniq)  # (n_unique, 2, sum k); index_select/index_put_ beat [] on CPU
        m, v = mv[:, 0], mv[:, 1]
        m.mul_(b1).add_(g, alpha=1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        st['mv'].index_put_((uniq,), mv)
        upd = m / (v / (1 - b2**self.t)).sqrt_().add_(eps)  # bias corrections by the global step, as torch's AdamW
        for e, u in zip(tables, upd.split(widths, 1)):
            scale = self.scale[e] * (1 - lr * self.wd) if self._decays(e) else 1.
            w = e.weight.index_select(0, uniq).add_(u, alpha=-lr / (1 - b1**self.t) / scale)
            e.weight.index_put_((uniq,), w)

    @torch.no_grad()
    def _fold(self, e:Embedding):
        e.weight.mul_(self.scale[e])
        self.scale[e] = 1.

    def sync(self):
        "Fold the pending decay into every table (O(tables)): call before reading the weights outside `lookups()`"
        for e in self.tables:
            if self.scale[e] != 1.: self._fold(e)


def _epoch(model:nn.Module, x:Tensor, y:Tensor, perm:Tensor, bs:int, o, sched, penalty:Callable|None, bar,
           epoch:int) -> list:
    "One optimisation step per slice of `perm` of length `bs`; the MSE of each batch"
    losses = []
    for step, i in enumerate(bar(range(0, len(perm), bs))):
        idx = perm[i:i+bs]
        with o.lookups() if isinstance(o, RowAdamW) else nullcontext():  # row-wise: the model sees gathered rows
            loss = ((model(x[idx]) - y[idx])**2).mean()  # (bs, 2) -> (bs,) -> scalar
            losses.append(loss.item())
            if not math.isfinite(losses[-1]):
                raise FloatingPointError(f"training diverged: the loss became {losses[-1]} in epoch {epoch}, "
                                         f"step {step}; try a smaller lr (the peak was {o.defaults['lr']:g})")
            if penalty is not None: loss = loss + penalty(model, x[idx])
        o.zero_grad()
        loss.backward()
        o.step()
        sched.step()
    return losses


def fit(model:nn.Module,     # takes `(bs, 2)` long indices, returns `(bs,)` predictions
        data:CollabData,     # the split to train and validate on
        epochs:int=8,        # passes over the training ratings
        lr:float=1e-2,       # peak learning rate
        bs:int=1024,         # ratings per step
        opt:str='adam',      # 'adam' (AdamW when `wd` > 0) or 'sgd' (momentum 0.9)
        schedule:str='one_cycle', # 'one_cycle' or 'constant'
        wd:float=0.,         # weight decay on the factor tables (lesson 04)
        wd_mode:str='decoupled', # 'decoupled': AdamW; 'rows': L2 on the rows a batch looks up; 'tables': L2 on whole tables
        seed:int=42,         # seeds the shuffling and dropout: one seed, one result
        threads:int|None=1,  # CPU threads while training (None: PyTorch's setting)
        progress:bool=True,  # show a progress bar and the per-epoch table
        device:str='cpu',    # where to train: 'cpu', or 'cuda' where a GPU exists
        rowwise:bool=False,  # Adam on only the table rows a batch looks up (`RowAdamW`): a step costs O(bs), not O(tables)
       ) -> History:
    "Train `model` on `data` with MSE loss and shuffled index-tensor batches; validate on the whole validation set each epoch"
    _check_args(epochs, lr, bs, wd)
    if wd_mode not in WD_MODES: raise ValueError(f"wd_mode must be one of {WD_MODES}, got {wd_mode!r}")
    _check_data(data)
    check_fits(model, data)
    if len(data.y_valid) == 0: warnings.warn("the split has no validation ratings: nothing to validate on, valid_mse is NaN")
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    dev = torch.device(device)
    model.to(dev)
    x, y, xv, yv = (t.to(dev) for t in (data.x_train, data.y_train, data.x_valid, data.y_valid))
    n = len(y)
    sizes = np.diff(np.r_[np.arange(0, n, bs), n])  # rows in each batch of an epoch
    if rowwise:
        if opt != 'adam': raise ValueError(f"rowwise=True trains with Adam: opt must be 'adam', got {opt!r}")
        o = RowAdamW(model, lr, weight_decay=wd, wd_mode=wd_mode)  # decays for 'decoupled' and 'tables' itself
        penalty = (lambda m, xb: o.penalty(len(xb))) if wd and wd_mode == 'rows' else None
    else:
        penalty = (lambda m, xb: wd * l2_penalty(m, wd_mode, xb)) if wd and wd_mode != 'decoupled' else None
        o = _optimizer(model, opt, lr, wd if wd_mode == 'decoupled' else 0.)
    sched = _schedule(o, schedule, lr, epochs * len(sizes))
    mb = master_bar(range(epochs)) if progress else range(epochs)
    bar = (lambda r: progress_bar(r, parent=mb)) if progress else (lambda r: r)
    if progress: mb.write(['epoch', 'train_mse', 'valid_mse', 'valid_rmse', 'seconds'], table=True)
    rows, batch_loss = [], []
    model.train()
    with torch_threads(threads):
        for epoch in mb:
            t0 = time.perf_counter()
            losses = _epoch(model, x, y, torch.randperm(n, generator=gen).to(dev), bs, o, sched, penalty, bar, epoch)
            if rowwise: o.sync()  # the decay every row is owed, before validating
            seconds = time.perf_counter() - t0
            v = mse(model, xv, yv) if len(yv) else float('nan')
            batch_loss += losses
            rows.append(dict(epoch=epoch, train_mse=np.dot(losses, sizes)/n, valid_mse=v, valid_rmse=v**0.5, seconds=seconds))
            if progress:
                mb.write([str(epoch), *(f'{rows[-1][k]:.4f}' for k in ('train_mse', 'valid_mse', 'valid_rmse')),
                          f'{seconds:.2f}'], table=True)
    return History(pd.DataFrame(rows), batch_loss)

