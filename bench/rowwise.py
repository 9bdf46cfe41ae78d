"""Row-wise (lazy) AdamW for embedding tables: a step costs O(batch), not O(users + movies).

Prototype for issue 15, meant to move into `collabnb.learner` (notebook 01b) as `RowAdamW` and `fit(..., rowwise=True)`.
"""
from __future__ import annotations
import math, time
from contextlib import contextmanager
import numpy as np, pandas as pd, torch
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
                ):
        if wd_mode not in WD_MODES: raise ValueError(f"wd_mode must be one of {WD_MODES}, got {wd_mode!r}")
        self.model, self.beta2, self.eps, self.wd, self.wd_mode = model, beta2, eps, wd, wd_mode
        self.lrs, self.beta1s = [float(a) for a in lrs], [float(b) for b in beta1s]
        self.tables = [e for e in model.modules() if isinstance(e, Embedding)]
        if not self.tables: raise ValueError(f"{type(model).__name__} has no collabnb Embedding tables")
        ids = {id(e.weight) for e in self.tables}
        self.dense = [p for p in model.parameters() if id(p) not in ids and p.requires_grad]
        for e in self.tables:  # Adam's moments, and how many steps of decay each row has had
            w = e.weight
            e._m, e._v = torch.zeros_like(w), torch.zeros_like(w)
            e._synced = torch.zeros(w.shape[0], dtype=torch.long, device=w.device)
        self.dense_opt = (torch.optim.AdamW(self.dense, lr=self.lrs[0], betas=(self.beta1s[0], beta2), eps=eps,
                                            weight_decay=0., foreach=False) if self.dense else None)
        decay = wd * np.asarray(self.lrs) if wd_mode == 'decoupled' else np.zeros(len(self.lrs))
        if (decay >= 1).any(): raise ValueError(f"lr * wd must stay below 1 for decoupled decay, got {decay.max():.3g}")
        dev = self.tables[0].weight.device
        # logdecay[k]: log of the product of (1 - lr_j*wd) over steps j < k; a row synced to s, seen at t, gets exp(logdecay[t+1] - logdecay[s])
        self.logdecay = torch.tensor(np.r_[0., np.cumsum(np.log1p(-decay))], device=dev,
                                     dtype=torch.float64 if dev.type != 'mps' else torch.float32)
        self.t, self._looked = 0, []

    @contextmanager
    def lookups(self):
        "Inside the block the model's `Embedding`s return rows gathered from their tables as leaf tensors, for `step`"
        self._looked, cache = [], {}
        def lookup(e):
            def forward(idx:Tensor) -> Tensor:
                key = (idx.data_ptr(), tuple(idx.shape), idx.stride())
                if key not in cache: cache[key] = (idx, *torch.unique(idx, return_inverse=True))
                _, uniq, inv = cache[key]
                rows = self._current(e, uniq).requires_grad_()     # (n_unique, k)
                out = rows[inv]                                   # (bs, k)
                self._looked.append((e, uniq, rows, out))
                return out
            return forward
        for e in self.tables: e.forward = lookup(e)
        try: yield
        finally:
            for e in self.tables: del e.forward

    def _current(self, e:Embedding, uniq:Tensor) -> Tensor:
        "Rows `uniq` of `e` as dense AdamW would have them now: with the decay of the steps they missed"
        w = e.weight.detach()[uniq]
        if self.wd and self.wd_mode == 'decoupled' and not e.is_bias:
            w *= torch.exp(self.logdecay[self.t] - self.logdecay[e._synced[uniq]]).to(w.dtype)[:, None]
        return w

    def penalty(self, n:int) -> Tensor|float:
        "`wd` times the sum of squared factors of the looked-up rows over `n` ratings ('rows' mode), else 0"
        if self.wd_mode != 'rows' or not self.wd: return 0.
        return self.wd * sum((out**2).sum() for e, _, _, out in self._looked if not e.is_bias) / n

    def zero_grad(self):
        if self.dense_opt: self.dense_opt.zero_grad()

    @torch.no_grad()
    def step(self):
        "One AdamW step on the looked-up rows (lazy moments, bias correction by the global step) and on the dense parameters"
        t, lr, b1, b2 = self.t, self.lrs[self.t], self.beta1s[self.t], self.beta2
        bc1, bc2 = 1 - b1**(t+1), 1 - b2**(t+1)
        merged = {}  # a table looked up twice in one forward gets one update
        for e, uniq, rows, _ in self._looked:
            g = rows.grad if rows.grad is not None else torch.zeros_like(rows)
            w = rows.detach()  # the rows as the forward saw them
            if id(e) in merged:
                u0, g0 = merged[id(e)][1:3]
                uniq, inv = torch.unique(torch.cat([u0, uniq]), return_inverse=True)
                g = torch.zeros(len(uniq), g.shape[1], dtype=g.dtype, device=g.device).index_add_(0, inv, torch.cat([g0, g]))
                w = self._current(e, uniq)
            merged[id(e)] = (e, uniq, g, w)
        for e, uniq, g, w in merged.values():
            if self.wd and not e.is_bias:
                if self.wd_mode == 'decoupled': w *= 1 - lr * self.wd   # this step's decay (missed ones came with the lookup)
                elif self.wd_mode == 'tables':  # the L2 gradient of every step since the row was last seen
                    g = g + (2 * self.wd) * (t + 1 - e._synced[uniq]).to(w.dtype)[:, None] * w
            m = e._m[uniq].mul_(b1).add_(g, alpha=1 - b1)
            v = e._v[uniq].mul_(b2).addcmul_(g, g, value=1 - b2)
            w.addcdiv_(m, (v / bc2).sqrt_().add_(self.eps), value=-lr / bc1)
            e.weight.index_copy_(0, uniq, w)
            e._m.index_copy_(0, uniq, m)
            e._v.index_copy_(0, uniq, v)
            e._synced.index_fill_(0, uniq, t + 1)
        if self.dense_opt:
            for grp in self.dense_opt.param_groups: grp['lr'], grp['betas'] = lr, (b1, b2)
            self.dense_opt.step()
        self._looked, self.t = [], t + 1

    @torch.no_grad()
    def sync(self):
        "Apply the decay every row is owed up to now (O(table)): call before reading the weights"
        if self.wd_mode != 'decoupled' or not self.wd: return
        for e in self.tables:
            if e.is_bias: continue
            e.weight.mul_(torch.exp(self.logdecay[self.t] - self.logdecay[e._synced]).to(e.weight.dtype)[:, None])
            e._synced.fill_(self.t)


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
            t0 = time.perf_counter()
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
            seconds = time.perf_counter() - t0
            v = mse(model, xv, yv)
            batch_loss += losses
            rows.append(dict(epoch=epoch, train_mse=np.dot(losses, sizes)/n, valid_mse=v, valid_rmse=v**0.5, seconds=seconds))
            if progress: print(rows[-1])
    return History(pd.DataFrame(rows), batch_loss)
