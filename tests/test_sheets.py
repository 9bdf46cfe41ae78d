"The workbooks recalculated by LibreOffice, compared cell by cell with the Python computation of the same thing."
import os
import numpy as np, pandas as pd, pytest, torch
from openpyxl import load_workbook
from collabnb.data import load_movielens
from collabnb.optim import graddesc_data, trace
from collabnb.sheets import (collab_reference, collab_workbook, graddesc_workbook, read_tabs, recalculate, soffice,
                             _SHEET_NAMES)

if soffice() is None:   # CI installs LibreOffice (.ci/run); elsewhere these tests need it too
    if os.environ.get('CI'): pytest.fail("LibreOffice (soffice) is missing: .ci/run should have installed libreoffice-calc")
    pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc)", allow_module_level=True)

XS, YS = graddesc_data(seed=42)
EPOCHS = 5


def rel(got, want) -> float:
    got, want = np.asarray(got, float), np.asarray(want, float)
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300)))


@pytest.fixture(scope='module')
def books(tmp_path_factory):
    "Both workbooks, a graddesc copy with a changed learning rate, and their recalculated copies"
    d = tmp_path_factory.mktemp('books')
    ratings = load_movielens(verbose=False).ratings
    gd = graddesc_workbook(d/'graddesc.xlsx', epochs=EPOCHS)
    cf = collab_workbook(d/'collab_filter.xlsx', ratings)
    wb = load_workbook(gd)      # a learner's edit: the basic tab's learning rate, ten times smaller
    wb['basic']['B1'] = 1e-5
    wb.save(d/'graddesc_edited.xlsx')
    calc = recalculate([gd, cf, d/'graddesc_edited.xlsx'], d/'calc')
    return dict(zip(['graddesc', 'collab', 'edited'], calc)) | dict(source_gd=gd, source_cf=cf, ref=collab_reference(ratings))


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


def test_summary_sheet(books):
    ws = load_workbook(books['graddesc'], data_only=True)['summary']
    for r, rule in enumerate(_SHEET_NAMES, start=2):
        want = trace(rule, XS, YS, epochs=EPOCHS)
        assert rel([ws.cell(r, 3).value, ws.cell(r, 4).value], [want.new_a.iloc[-1], want.new_b.iloc[-1]]) < 1e-9
        assert rel(ws.cell(r, 5).value, want.err2.iloc[-len(XS):].mean()) < 1e-9


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
    for name, r in ref.items():
        ws = wb[name]
        assert rel(ws['B1'].value, torch_rmse(r['grid'], r)) < 1e-9
        # the prediction block: rows where column A holds a user id, columns after the user factors/biases
        rows = [row for row in ws.iter_rows(min_row=1, values_only=True) if isinstance(row[0], int)]
        preds = np.array([row[-r['grid'].shape[1]:] for row in rows], dtype=float)
        worst, n = max(worst, rel(preds, r['pred'])), n + preds.size + 1
    print(f"collab_filter.xlsx factor sheets: {n} cells checked, largest relative difference {worst:.2e}")
    assert worst < 1e-9
    assert ref['dotprod_trained']['rmse'] < ref['dotprod']['rmse'] / 3


def test_lookup_sheet_agrees_with_one_hot_and_python(books):
    f = books['ref']['dotprod_trained']
    grid = f['grid']
    rows = list(load_workbook(books['collab'], data_only=True)['movielens_emb'].values)
    df = pd.DataFrame(rows[1:], columns=rows[0])
    k = f['user_factors'].shape[1]
    src = load_workbook(books['source_cf'])['dotprod_trained']
    # the grid's user and movie ids, in sheet order
    uid = [c.value for c in src['A'] if isinstance(c.value, int)]
    head = next(r for r in src.iter_rows(values_only=True) if r[0] == 'user \\ movie')
    mid = [v for v in head[1:1 + grid.shape[1]]]
    assert len(df) == np.count_nonzero(~np.isnan(grid))
    ui, mi = [uid.index(u) for u in df['user']], [mid.index(m) for m in df['movie']]
    U, M = f['user_factors'][ui], f['movie_factors'][:, mi].T
    assert rel(df[[f'user f{j+1}' for j in range(k)]], U) < 1e-12
    assert rel(df[[f'movie f{j+1}' for j in range(k)]], M) < 1e-12
    assert rel(df['prediction'], (U * M).sum(1)) < 1e-9
    assert rel(df[[f'one-hot·U f{j+1}' for j in range(k)]], U) < 1e-12   # one-hot × matrix = lookup
    assert rel(df['prediction (one-hot)'], df['prediction']) < 1e-12
    assert rel(df['rating'], grid[ui, mi]) == 0


def test_every_computed_cell_is_a_formula(books):
    from collabnb.sheets import _FORMULA
    for src in (books['source_gd'], books['source_cf']):
        n = 0
        for ws in load_workbook(src):
            for row in ws.iter_rows():
                for c in row:
                    if c.fill == _FORMULA:
                        assert isinstance(c.value, str) and c.value.startswith('='), (ws.title, c.coordinate, c.value)
                        n += 1
        assert n > 1000


def test_round_trip_through_openpyxl(books, tmp_path):
    wb = load_workbook(books['source_cf'])
    wb.save(tmp_path/'again.xlsx')
    again = load_workbook(tmp_path/'again.xlsx')
    for name in wb.sheetnames:
        assert [[c.value for c in r] for r in wb[name].iter_rows()] == [[c.value for c in r] for r in again[name].iter_rows()]


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match='same length'): graddesc_workbook(tmp_path/'x.xlsx', xs=[1., 2.], ys=[1.])
    with pytest.raises(ValueError, match="must differ from the inputs' folder"):
        recalculate([tmp_path/'x.xlsx'], tmp_path)
    assert not (tmp_path/'x.xlsx').exists()
