"The workbooks recalculated by LibreOffice, compared cell by cell with the Python computation of the same thing."
import os, warnings
import numpy as np, pandas as pd, pytest, torch
from openpyxl import load_workbook
from collabnb.data import load_movielens
from collabnb.libreoffice import need_soffice, recalculate, render, soffice
from collabnb.optim import graddesc_data
from collabnb.sheets import (collab_reference, collab_workbook, factor_view, graddesc_workbook, read_tabs, table_view,
                             _FORMULA, _SHEET_NAMES)
from collabnb.solver import sheet_rmse
from collabnb.tracing import trace

XS, YS = graddesc_data(seed=42)
EPOCHS = 5


def rel(got, want) -> float:
    got, want = np.asarray(got, float), np.asarray(want, float)
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300)))


@pytest.fixture(scope='module')
def libreoffice():
    "Skip loudly (a warning and the reason) without LibreOffice; fail under CI, which must have it"
    if soffice() is None:
        why = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc"
        if os.environ.get('CI'): pytest.fail(f"{why}; CI must run the spreadsheet tests (.ci/run installs it)")
        warnings.warn(why)
        pytest.skip(why)


@pytest.fixture(scope='module')
def ratings(): return load_movielens(verbose=False).ratings


@pytest.fixture(scope='module')
def books(libreoffice, ratings, tmp_path_factory):
    "The workbooks `collabnb sheets` writes, learners' edits of them, and their recalculated copies"
    from collabnb.cli import sheets_command as cli_sheets   # what `collabnb sheets` runs
    d = tmp_path_factory.mktemp('books')
    cli_sheets(str(d), epochs=EPOCHS)
    gd, cf = d/'graddesc.xlsx', d/'collab_filter.xlsx'
    wb = load_workbook(gd)      # a learner's edits: the basic tab's learning rate ten times smaller, adam runs 3 epochs
    wb['basic']['B1'] = 1e-5
    wb['adam']['B5'] = 3
    wb.save(d/'graddesc_edited.xlsx')
    calc = recalculate([gd, cf, d/'graddesc_edited.xlsx'], d/'calc')
    return dict(zip(['graddesc', 'collab', 'edited'], calc)) | dict(source_gd=gd, source_cf=cf, dir=d,
                                                                    ref=collab_reference(ratings))


def test_need_soffice_is_loud(monkeypatch):
    monkeypatch.setenv('PATH', '/nonexistent')
    monkeypatch.delenv('CI', raising=False)
    with pytest.warns(UserWarning, match='LibreOffice .* not installed'): assert need_soffice('x') is False
    with pytest.warns(UserWarning, match='pdftoppm'): assert need_soffice('x', pictures=True) is False
    monkeypatch.setenv('CI', 'true')
    with pytest.raises(RuntimeError, match='CI must run it'): need_soffice('x')


def test_graddesc_every_cell_matches_trace(books):
    tabs, n, worst = read_tabs(books['graddesc']), 0, 0.
    for rule, got in tabs.items():
        want = trace(rule, XS, YS, epochs=EPOCHS)
        assert len(got) == len(want) == EPOCHS * len(XS)
        cols = [c for c in want.columns if c != 'epoch']   # x, y, b, a, pred, err2, gradients, state, lr, new_b, new_a
        worst = max(worst, rel(got[cols], want[cols]))
        n += got[cols].size
    print(f"graddesc.xlsx: {n} cells checked, largest relative difference {worst:.2e}")
    assert n > 5000 and worst < 1e-9


def test_changing_the_lr_cell_recomputes_the_run(books):
    got = read_tabs(books['edited'])['sgd']   # the 'basic' tab
    want = trace('sgd', XS, YS, epochs=EPOCHS, lr=1e-5)
    assert rel(got.new_a, want.new_a) < 1e-9
    assert rel(got.new_a, trace('sgd', XS, YS, epochs=EPOCHS).new_a) > 1e-3   # and it did change


def test_summary_and_epoch_log(books):
    ws = load_workbook(books['graddesc'], data_only=True)['summary']
    for r, rule in enumerate(_SHEET_NAMES, start=2):
        want = trace(rule, XS, YS, epochs=EPOCHS)
        assert ws.cell(r, 3).value == EPOCHS
        assert rel([ws.cell(r, 4).value, ws.cell(r, 5).value], [want.new_a.iloc[-1], want.new_b.iloc[-1]]) < 1e-9
        assert rel(ws.cell(r, 6).value, want.err2.iloc[-len(XS):].mean()) < 1e-9
    tab = load_workbook(books['graddesc'], data_only=True)['adam']
    head = next(r for r in range(1, 30) if tab.cell(r, 1).value == 'epoch')
    log = [tab.cell(head + 1 + e, 2).value for e in range(EPOCHS)]
    assert rel(log, trace('adam', XS, YS, epochs=EPOCHS).groupby('epoch').err2.mean()) < 1e-9


def test_the_epochs_cell_chooses_the_epochs_that_count(books):
    wb = load_workbook(books['edited'], data_only=True)
    want = trace('adam', XS, YS, epochs=3)
    row = 2 + list(_SHEET_NAMES).index('adam')
    s = wb['summary']
    assert s.cell(row, 3).value == 3
    assert rel([s.cell(row, 4).value, s.cell(row, 5).value], [want.new_a.iloc[-1], want.new_b.iloc[-1]]) < 1e-9
    assert rel(s.cell(row, 6).value, want.err2.iloc[-len(XS):].mean()) < 1e-9
    tab = wb['adam']
    head = next(r for r in range(1, 30) if tab.cell(r, 1).value == 'epoch')
    assert [tab.cell(head + 1 + e, 2).value in (None, '') for e in range(EPOCHS)] == [False]*3 + [True]*2


def torch_rmse(grid, f) -> float:
    "The loss cell, computed independently with torch"
    g = torch.tensor(grid)
    pred = torch.tensor(f['user_factors']) @ torch.tensor(f['movie_factors'])
    if 'user_bias' in f: pred = pred + torch.tensor(f['user_bias'])[:, None] + torch.tensor(f['movie_bias'])[None, :]
    rated = ~torch.isnan(g)
    return ((pred - g)[rated]**2).mean().sqrt().item()


def test_collab_sheets_match_python(books):
    ref = books['ref']
    wb = load_workbook(books['collab'], data_only=True)
    n, worst = 0, 0.
    for name in ('dotprod', 'bias'):
        ws, r = wb[name], ref[name]
        assert rel(ws['B1'].value, torch_rmse(r['grid'], r)) < 1e-9
        # the prediction block: rows where column A holds a user id, the last columns
        rows = [row for row in ws.iter_rows(min_row=1, values_only=True) if isinstance(row[0], int)]
        preds = np.array([row[-r['grid'].shape[1]:] for row in rows], dtype=float)
        worst, n = max(worst, rel(preds, r['pred'])), n + preds.size + 1
    print(f"collab_filter.xlsx factor sheets: {n} cells checked, largest relative difference {worst:.2e}")
    assert worst < 1e-9


def test_collabnb_sheets_writes_a_solved_workbook(books):
    "The issue's 'done when': the dotprod tab opens solved, with the loss the solver reached"
    ref, wb = books['ref'], load_workbook(books['collab'], data_only=True)
    for name in ('dotprod', 'bias', 'movielens_emb'):
        losses = ref[name]['losses']
        assert rel(wb[name]['B1'].value, losses[-1]) < 1e-9       # LibreOffice's loss cell = the solver's last loss
        assert losses[-1] < losses[0] / 9                          # ...far below the random start
        assert wb[name]['A2'].value.startswith('solved')
    assert ref['bias']['rmse'] < ref['dotprod']['rmse']


def test_factor_cells_hold_what_we_meant(books, ratings, tmp_path):
    "Read back without a spreadsheet engine: the factor cells are the solved (or the random) factors, exactly"
    start = tmp_path/'start.xlsx'
    for path, ref in ((books['source_cf'], books['ref']['dotprod']),
                      (collab_workbook(start, ratings, solve=False), collab_reference(ratings, solve=False)['dotprod'])):
        ws = load_workbook(path)['dotprod']
        uf = np.array([[c.value for c in row] for row in ws['R10:V24']])
        mf = np.array([[c.value for c in row] for row in ws['W4:AK8']])
        assert uf.shape == (15, 5) and mf.shape == (5, 15)
        assert rel(uf, ref['user_factors']) < 1e-6 and rel(mf, ref['movie_factors']) < 1e-6   # solver runs differ by rounding
        assert rel(sheet_rmse(ref['grid'], uf, mf), ref['rmse']) < 1e-9
        assert ws['A2'].value.endswith('Solver: minimise B1 by changing R10:V24, W4:AK8')
    assert ref['rmse'] > 2 and ws['A2'].value.startswith('random start')   # the random start is far from solved


def test_lookup_sheet_agrees_with_one_hot_and_python(books):
    f = books['ref']['movielens_emb']
    ws = load_workbook(books['collab'], data_only=True)['movielens_emb']
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    L = rows[0].index('rating') - 2                 # the long table's first column (the user table's is A)
    df = pd.DataFrame([r[L:] for r in rows[1:] if r[L] is not None], columns=rows[0][L:])
    k = f['user_factors'].shape[1]
    assert len(df) == np.count_nonzero(~np.isnan(f['grid']))
    ui, mi = [f['users'].index(u) for u in df['user']], [f['movies'].index(m) for m in df['movie']]
    U, M = f['user_factors'][ui], f['movie_factors'][:, mi].T
    assert rel(df[[f'user f{j+1}' for j in range(k)]], U) < 1e-12
    assert rel(df[[f'movie f{j+1}' for j in range(k)]], M) < 1e-12
    pred = (U * M).sum(1) + f['user_bias'][ui] + f['movie_bias'][mi]
    assert rel(df['prediction'], pred) < 1e-9
    assert rel(df['err2'], (pred - f['grid'][ui, mi])**2) < 1e-6
    assert rel(df[[f'one-hot·U f{j+1}' for j in range(k)]], U) < 1e-12   # one-hot × matrix = lookup
    assert rel(df['rating'], f['grid'][ui, mi]) == 0


def test_every_computed_cell_is_a_formula(books):
    for src in (books['source_gd'], books['source_cf']):
        n = 0
        for ws in load_workbook(src):
            for row in ws.iter_rows():
                for c in row:
                    if c.fill == _FORMULA:
                        assert isinstance(c.value, str) and c.value.startswith('='), (ws.title, c.coordinate, c.value)
                        n += 1
        assert n > 1000


def test_render_draws_legible_views(books):
    "The lesson's pictures: the views keep their cells at full size (about 12 px a line at 90 dpi), the whole sheet does not"
    from PIL import Image
    views = dict(whole=(books['source_cf'], 'dotprod', 'A1:AK24'), corner=factor_view(books['source_cf'], 'dotprod'),
                 emb=table_view(books['source_cf'], 'movielens_emb', ['user', 'movie', 'rating', 'prediction']),
                 adam=table_view(books['source_gd'], 'adam', ['x', 'y', 'new_b', 'new_a']))
    pics = {name: Image.open(p) for name, p in render(views, books['dir']/'pics').items()}
    for name, im in pics.items():
        assert len(np.unique(np.asarray(im.convert('L')))) > 10, name          # a drawing, not a blank page
        assert im.width <= 1000, (name, im.size)                                # fits a notebook's column
    rows = {'whole': 25, 'corner': 16, 'emb': 12, 'adam': 19}                  # rows drawn, headings included
    px = {name: im.height/rows[name] for name, im in pics.items()}
    assert min(px[n] for n in ('corner', 'emb', 'adam')) > 1.4*px['whole'], px  # the views are not shrunk to fit


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match='same length'): graddesc_workbook(tmp_path/'x.xlsx', xs=[1., 2.], ys=[1.])
    with pytest.raises(ValueError, match="must differ from the inputs' folder"):
        recalculate([tmp_path/'x.xlsx'], tmp_path)
    assert not (tmp_path/'x.xlsx').exists()
