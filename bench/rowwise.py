"""Row-wise (lazy) AdamW for embedding tables: a step costs O(batch), not O(users + movies).

Prototype for issue 15, meant to move into `collabnb.learner` (notebook 01b) as `RowAdamW` and `fit(..., rowwise=True)`.
"""
from __future__ import annotations
import time
from contextlib import contextmanager
import numpy as np, pandas as pd, torch
import torch.nn.functional as F
from torch import nn, Tensor
from collabnb.models import Embedding
from collabnb.learner import History, WD_MODES, mse, torch_threads


def one_cycle(steps:int,            # optimizer steps in the whole run
              lr:float,             # peak learning rate
              pct_start:float=0.25, # share of the steps spent warming up
              div:float=25.,        # the run starts at `lr/div`
              final_div:float=1e4,  # and ends at `lr/div/final_div`
              moms:tuple=(0.95, 0.85), # Adam's beta1: `moms[0]` at both ends, `moms[1]` at the peak of lr
             ) -> tuple:            # (lrs, beta1s): float64 arrays, the values step `t` uses
    "torch's `OneCycleLR` (cosine, two phases) as arrays, one value per step"
    t = np.arange(steps, dtype=np.float64)
    lo, end = lr / div, lr / div / final_div
    e1, e2 = float(pct_start * steps) - 1, steps - 1
    warm = t <= e1
    pct = np.where(warm, t / e1, (t - e1) / (e2 - e1))
    cos = np.cos(np.pi * pct) + 1
    lrs = np.where(warm, lr + (lo - lr) / 2 * cos, end + (lr - end) / 2 * cos)
    b1 = np.where(warm, moms[1] + (moms[0] - moms[1]) / 2 * cos, moms[0] + (moms[1] - moms[0]) / 2 * cos)
    return lrs, b1


class RowAdamW:
    "AdamW that reads and updates only the embedding rows a batch looks up; decoupled decay stays exact for skipped steps"
    def __init__(self, model:nn.Module,
                 lrs, beta1s,              # per-step learning rates and Adam beta1s (e.g. `one_cycle(...)`)
                 beta2:float=0.99, eps:float=1e-8,
                 wd:float=0.,              # weight decay on factor tables (`Embedding`s with `is_bias=False`)
                 wd_mode:str='decoupled',  # 'decoupled' (AdamW), 'rows' (L2 per rating), 'tables' (lazy whole-table L2)
                 rescale:float=1e-6,       # fold the decay into the table when its running product falls below this
                ):
        if wd_mode not in WD_MODES: raise ValueError(f"wd_mode must be one of {WD_MODES}, got {wd_mode!r}")
        self.model, self.beta2, self.eps, self.wd, self.wd_mode, self.rescale = model, beta2, eps, wd, wd_mode, rescale
        self.lrs, self.beta1s = [float(a) for a in lrs], [float(b) for b in beta1s]
        if wd_mode == 'decoupled' and wd * max(self.lrs) >= 1:
            raise ValueError(f"lr * wd must stay below 1 for decoupled decay, got {wd * max(self.lrs):.3g}")
        self.tables = [e for e in model.modules() if isinstance(e, Embedding)]
        if not self.tables: raise ValueError(f"{type(model).__name__} has no collabnb Embedding tables")
        ids = {id(e.weight) for e in self.tables}
        self.dense = [p for p in model.parameters() if id(p) not in ids and p.requires_grad]
        for e in self.tables:
            e._scale = 1.  # the table holds weight / _scale: decoupled decay of every row is one multiplication
        self._state = {}   # tables looked up by one index -> their Adam moments side by side, (n, 2, sum of widths)
        self.dense_opt = (torch.optim.AdamW(self.dense, lr=self.lrs[0], betas=(self.beta1s[0], beta2), eps=eps,
                                            weight_decay=0., foreach=False) if self.dense else None)
        self.t, self._looked = 0, []

    @contextmanager
    def lookups(self):
        "Inside the block the model's `Embedding`s return leaf tensors of the rows a batch looks up, for `step`"
        self._looked = []
        def lookup(e):
            def forward(idx:Tensor) -> Tensor:
                out = F.embedding(idx, e.weight.detach())      # (bs, k); faster than weight[idx] on CPU
                if e._scale != 1.: out *= e._scale
                out.requires_grad_()
                self._looked.append((e, idx, out))
                return out
            return forward
        for e in self.tables: e.forward = lookup(e)
        try: yield
        finally:
            for e in self.tables: del e.forward

    def penalty(self, n:int) -> Tensor|float:
        "`wd` times the sum of squared factors of the looked-up rows over `n` ratings ('rows' mode), else 0"
        if self.wd_mode != 'rows' or not self.wd: return 0.
        return self.wd * sum((out**2).sum() for e, _, out in self._looked if not e.is_bias) / n

    def zero_grad(self):
        if self.dense_opt: self.dense_opt.zero_grad()

    @torch.no_grad()
    def step(self):
        "One AdamW step on the looked-up rows (lazy moments, bias correction by the global step) and on the dense parameters"
        t, lr, b1, b2 = self.t, self.lrs[self.t], self.beta1s[self.t], self.beta2
        bc1, bc2 = 1 - b1**(t+1), 1 - b2**(t+1)
        groups = {}  # tables looked up by the same index tensor are updated together
        for e, idx, out in self._looked:
            groups.setdefault((idx.data_ptr(), idx.shape, idx.stride()), (idx, []))[1].append((e, out))
        seen = [e for _, looked in groups.values() for e, _ in looked]
        if len(set(seen)) < len(seen):  # a table looked up by several indices: one group per table
            groups = {id(e): (torch.cat([i for _, (i, l) in groups.items() for f, _ in l if f is e]),
                              [(e, torch.cat([o for _, (_, l) in groups.items() for f, o in l if f is e]))]) for e in set(seen)}
        for idx, looked in groups.values(): self._update(idx, looked, t, lr, b1, bc1, bc2)
        if self.wd and self.wd_mode == 'decoupled':
            for e in self.tables:
                if e.is_bias: continue
                e._scale *= 1 - lr * self.wd  # every row of the table decays, looked up or not
                if e._scale < self.rescale: self._fold(e)
        if self.dense_opt:
            for grp in self.dense_opt.param_groups: grp['lr'], grp['betas'] = lr, (b1, b2)
            self.dense_opt.step()
        self._looked, self.t = [], t + 1

    def _update(self, idx:Tensor, looked:list, t:int, lr:float, b1:float, bc1:float, bc2:float):
        "Adam on the rows `idx` looks up in the tables of `looked`, `(table, output)` pairs"
        tables, b2 = tuple(e for e, _ in looked), self.beta2
        widths = [e.weight.shape[1] for e in tables]
        if tables not in self._state:
            if any(e in k for k in self._state for e in tables):
                raise RuntimeError("RowAdamW needs each table looked up with the same other tables at every step")
            w = tables[0].weight
            self._state[tables] = dict(mv=torch.zeros(w.shape[0], 2, sum(widths), dtype=w.dtype, device=w.device),
                                       synced=torch.zeros(w.shape[0], dtype=torch.long, device=w.device))
        st = self._state[tables]
        uniq, inv = torch.unique(idx, return_inverse=True)
        gout = torch.cat([o.grad if o.grad is not None else torch.zeros_like(o) for _, o in looked], 1)  # (bs, sum k)
        g = torch.zeros(len(uniq), gout.shape[1], dtype=gout.dtype, device=gout.device).index_add_(0, inv, gout)
        if self.wd and self.wd_mode == 'tables':  # the L2 gradient of every step since the row was last updated
            missed = (t + 1 - st['synced'].index_select(0, uniq)).to(g.dtype)[:, None]
            for e, gs in zip(tables, g.split(widths, 1)):
                if not e.is_bias: gs += (2 * self.wd) * missed * e.weight.index_select(0, uniq)
            st['synced'].index_fill_(0, uniq, t + 1)
        mv = st['mv'].index_select(0, uniq)  # (n_unique, 2, sum k); index_select/index_put_ beat [] on CPU
        m, v = mv[:, 0], mv[:, 1]
        m.mul_(b1).add_(g, alpha=1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        st['mv'].index_put_((uniq,), mv)
        step = m / (v / bc2).sqrt_().add_(self.eps)
        for e, s in zip(tables, step.split(widths, 1)):
            scale = e._scale * (1 - lr * self.wd) if self.wd and self.wd_mode == 'decoupled' and not e.is_bias else 1.
            e.weight.index_put_((uniq,), e.weight.index_select(0, uniq).add_(s, alpha=-lr / bc1 / scale))

    @staticmethod
    def _fold(e:Embedding):
        e.weight.data.mul_(e._scale)
        e._scale = 1.

    @torch.no_grad()
    def sync(self):
        "Make every table hold its true weights (O(table)): call before reading them outside `lookups`"
        for e in self.tables:
            if e._scale != 1.: self._fold(e)


def fit_rowwise(model:nn.Module, data, epochs:int=8, lr:float=1e-2, bs:int=1024, wd:float=0.,
                wd_mode:str='decoupled', seed:int=42, threads:int|None=1, device=None, progress:bool=False) -> History:
    "`fit` with `RowAdamW`: the same one-cycle schedule, shuffling and History, at a cost per step linear in `bs`"
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    dev = torch.device(device) if device is not None else next(model.parameters()).device
    model.to(dev)
    xt, yt = data.x_train.to(dev), data.y_train.to(dev)
    xv, yv = data.x_valid.to(dev), data.y_valid.to(dev)
    n = len(yt)
    sizes = np.diff(np.r_[np.arange(0, n, bs), n])
    o = RowAdamW(model, *one_cycle(epochs * len(sizes), lr), wd=wd, wd_mode=wd_mode)
    rows, batch_loss = [], []
    model.train()
    with torch_threads(threads):
        for epoch in range(epochs):
            t0, c0 = time.perf_counter(), time.thread_time()
            perm, losses = torch.randperm(n, generator=gen).to(dev), []
            for i in range(0, n, bs):
                idx = perm[i:i+bs]
                with o.lookups():
                    loss = ((model(xt[idx]) - yt[idx])**2).mean()
                    losses.append(loss.item())
                    loss = loss + o.penalty(len(idx))
                o.zero_grad()
                loss.backward()
                o.step()
            o.sync()
            seconds, cpu = time.perf_counter() - t0, time.thread_time() - c0
            v = mse(model, xv, yv)
            batch_loss += losses
            rows.append(dict(epoch=epoch, train_mse=np.dot(losses, sizes)/n, valid_mse=v, valid_rmse=v**0.5, seconds=seconds, cpu_seconds=cpu))
            if progress: print(rows[-1])
    return History(pd.DataFrame(rows), batch_loss)
