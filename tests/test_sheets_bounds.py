"Every argument of the workbook functions is checked before any work starts (issue 24, cause 3): a clear range, nothing written."
import time
import numpy as np, pytest
from collabnb.data import load_movielens
from collabnb.sheets import EXCEL_ROWS, MAX_STEPS, collab_workbook, graddesc_workbook, read_tabs


@pytest.fixture(scope='module')
def ratings(): return load_movielens(verbose=False).ratings


@pytest.mark.parametrize('epochs', [0, -3, 101, 34_953, 100_000, 10**12, 2.5, '5', True, None])
def test_graddesc_epochs_out_of_range(tmp_path, epochs):
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r'epochs must be a whole number from 1 to 100 for 30 data rows .*; got'):
        graddesc_workbook(tmp_path/'g.xlsx', epochs=epochs)
    assert time.perf_counter() - t0 < 2                   # refused before any work (100,000 epochs once ran for minutes)
    assert list(tmp_path.iterdir()) == []                 # nothing written, not even a temporary file


def test_the_bound_keeps_every_tab_far_inside_excel(tmp_path):
    "At the largest allowed epochs the last step row stays far below Excel's row limit, whatever the data's length"
    for n in (2, 30, 300, MAX_STEPS):
        xs = np.arange(1., n + 1)
        with pytest.raises(ValueError, match=f'from 1 to {MAX_STEPS//n:,} for {n} data rows'):
            graddesc_workbook(tmp_path/'g.xlsx', xs=xs, ys=2*xs, epochs=MAX_STEPS//n + 1)
    assert MAX_STEPS + 20 < EXCEL_ROWS
    with pytest.raises(ValueError, match='same length, from 2 to 3,000; got 3001'):
        graddesc_workbook(tmp_path/'g.xlsx', xs=np.ones(MAX_STEPS + 1), ys=np.ones(MAX_STEPS + 1))


def test_largest_allowed_run_is_written(tmp_path):
    "The upper end of the range works: 2 data rows × 1,500 epochs = 3,000 step rows per tab"
    p = graddesc_workbook(tmp_path/'g.xlsx', xs=[1., 2.], ys=[3., 5.], epochs=MAX_STEPS//2)
    assert {len(df) for df in read_tabs(p, values=False).values()} == {MAX_STEPS}


@pytest.mark.parametrize('seed', [-1, -2**40, 2**32, 1.5, '42'])
def test_seeds_out_of_range(tmp_path, ratings, seed):
    for write in (lambda: graddesc_workbook(tmp_path/'g.xlsx', seed=seed),
                  lambda: collab_workbook(tmp_path/'c.xlsx', ratings, seed=seed)):
        with pytest.raises(ValueError, match=r'seed must be a whole number from 0 to 4,294,967,295; got'): write()
    assert list(tmp_path.iterdir()) == []


def test_seeds_at_the_ends_of_the_range(tmp_path, ratings):
    for seed in (0, np.uint32(2**32 - 1)):
        graddesc_workbook(tmp_path/'g.xlsx', seed=seed, epochs=1)
        collab_workbook(tmp_path/'c.xlsx', ratings, seed=seed, n=3, n_factors=1)


@pytest.mark.parametrize('kw, msg', [(dict(n=1), 'n must be a whole number from 2 to 50'),
                                     (dict(n=51), 'got 51'), (dict(n_factors=0), 'n_factors must be a whole number from 1 to 20'),
                                     (dict(n_factors=21), 'got 21')])
def test_collab_sizes_out_of_range(tmp_path, ratings, kw, msg):
    with pytest.raises(ValueError, match=msg): collab_workbook(tmp_path/'c.xlsx', ratings, **kw)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('kw, msg', [(dict(xs=[1., np.inf], ys=[1., 2.]), 'finite'),
                                     (dict(lrs=dict(adam=0.)), 'positive numbers; got adam=0.0'),
                                     (dict(lrs=dict(adam=float('nan'))), 'adam=nan'),
                                     (dict(lrs=dict(nesterov=0.1)), r'unknown rule\(s\) nesterov')])
def test_graddesc_bad_data_and_rates(tmp_path, kw, msg):
    with pytest.raises(ValueError, match=msg): graddesc_workbook(tmp_path/'g.xlsx', **kw)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_workbook_survives_a_refused_call(tmp_path):
    p = graddesc_workbook(tmp_path/'g.xlsx', epochs=1)
    before = p.read_bytes()
    with pytest.raises(ValueError): graddesc_workbook(p, epochs=0)
    assert p.read_bytes() == before and sorted(tmp_path.iterdir()) == [p]


@pytest.mark.parametrize('args, msg', [(['--epochs', '0'], 'from 1 to 100'), (['--epochs', '-3'], 'from 1 to 100'),
                                       (['--epochs', '100000'], "got '100000'"), (['--seed', '-1'], 'from 0 to 4,294,967,295')])
def test_collabnb_sheets_refuses_with_the_range(tmp_path, capsys, args, msg):
    "What `collabnb sheets` makes of it: exit 2, the range in one line, no workbook written"
    from collabnb.cli import main
    out = tmp_path/'out'
    assert main(['sheets', str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith('collabnb sheets: ') and msg in err and len(err.strip().splitlines()) == 1
    assert not out.exists() or list(out.iterdir()) == []
