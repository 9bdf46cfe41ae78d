"Issue 13's data cases: a damaged cache is caught and repaired, explicit paths are read, bad input is named, nothing is left behind."
import codecs, os, signal, subprocess, sys, textwrap, threading, time
from pathlib import Path
import numpy as np, pandas as pd
import pytest
import collabnb.sources as cs
from collabnb.data import load_movielens, split_random, split_users
from collabnb.sources import DataError, atomic_write
from conftest import U_DATA, U_ITEM, U_USER, make_zip, leftovers
from data_fakes import kept, offline, real_tables, serve_grouplens

ROOT = Path(__file__).resolve().parent.parent


def gl_zip(path, data=U_DATA, item=U_ITEM, user=U_USER, enc='utf-8'):
    "GroupLens' layout in a zip, each table encoded with `enc` (bytes pass through)"
    files = {f'ml-100k/u.{k}': v if isinstance(v, bytes) else v.encode(enc) for k, v in dict(data=data, item=item, user=user).items()}
    return make_zip(path, files)


@pytest.fixture
def stored(data_home, grouplens_zip, offline, monkeypatch):
    "A data folder holding the tiny set, fetched from a (local) GroupLens; the network then answers again"
    serve_grouplens(monkeypatch, grouplens_zip)
    load_movielens(verbose=False)
    return data_home/'ml-100k'


# 1. A damaged cache is named, kept aside, and re-fetched into a fresh folder
def test_truncated_cache_is_named_kept_and_refetched(stored, capsys):
    u = stored/'u.data'
    u.write_text(''.join(U_DATA.splitlines(keepends=True)[:3]))  # cut at a line break: still reads as data
    ml = load_movielens(verbose=False)
    assert len(ml.ratings) == 5                                    # the fresh copy, not 3 ratings
    err, [aside] = capsys.readouterr().err, kept(stored)
    assert f"{u} has " in err and "bytes; it had" in err and f'It is kept as {aside}; fetching a fresh copy' in err
    assert (aside/'u.data').read_text() == ''.join(U_DATA.splitlines(keepends=True)[:3])
    assert cs._damage(stored) is None and leftovers(stored.parent) == [aside.name]


def test_damaged_cache_offline_says_which_file_and_what_to_do(stored, monkeypatch):
    (stored/'u.item').write_bytes(b'x' + (stored/'u.item').read_bytes()[1:])  # same size, other bytes
    monkeypatch.setattr(cs, 'GROUPLENS_URL', 'http://127.0.0.1:9/ml-100k.zip')
    with pytest.raises(RuntimeError) as e: load_movielens(verbose=False)
    [aside] = kept(stored)
    assert f"{stored/'u.item'} has changed since it was stored" in str(e.value)
    assert f"it is kept as {aside}" in str(e.value) and "pass its path" in str(e.value)
    assert (aside/'u.item').read_bytes()[:1] == b'x'               # the copy is kept as it was


# 2. An incomplete folder (as older versions could leave) is replaced, not stuck, and kept
def test_incomplete_folder_is_replaced(data_home, grouplens_zip, offline, monkeypatch):
    folder = data_home/'ml-100k'
    folder.mkdir(parents=True)
    (folder/'u.data').write_text(U_DATA)
    (folder/'u.user').write_text(U_USER)                           # no u.item, no manifest
    serve_grouplens(monkeypatch, grouplens_zip)
    assert len(load_movielens(verbose=False).ratings) == 5
    assert sorted(os.listdir(folder)) == ['MANIFEST.json', 'SOURCE', 'u.data', 'u.item', 'u.user']
    [aside] = kept(folder)
    assert sorted(os.listdir(aside)) == ['u.data', 'u.user'] and leftovers(data_home) == [aside.name]


# 3. An explicit path is always read
def test_explicit_path_is_read_even_when_cache_is_full(stored, tmp_path):
    with pytest.raises(DataError, match='not a valid zip file'):
        bad = tmp_path/'bad.zip'
        bad.write_bytes(b'not a zip')
        load_movielens(bad)
    other = gl_zip(tmp_path/'other.zip', data="1\t1\t2\t5\n")
    ml = load_movielens(other)
    assert ml.ratings.rating.tolist() == [2] and ml.source.startswith(f"local file {other} (not MovieLens 100k")
    assert len(load_movielens(verbose=False).ratings) == 5         # the stored copy is unchanged


# 4. A short u.item is named, not u.data
def test_short_item_file_is_named(data_home, tmp_path):
    z = gl_zip(tmp_path/'ml-100k.zip', item=''.join(U_ITEM.splitlines(keepends=True)[:2]))
    with pytest.raises(DataError) as e: load_movielens(z)
    assert str(e.value).startswith(f"{z}, member ml-100k/u.item, line 2: the file ends at movie 2, but u.data, line 4 rates movie 3")


# 5. Encodings
def test_utf16_ratings_with_bom_are_read(data_home, tmp_path):
    ml = load_movielens(gl_zip(tmp_path/'a.zip', data=U_DATA.encode('utf-16')))
    assert ml.ratings.rating.tolist() == [5, 3, 4, 1, 2]


def test_utf16_without_bom_names_the_file(data_home, tmp_path):
    z = gl_zip(tmp_path/'a.zip', data=U_DATA.encode('utf-16-le'))
    with pytest.raises(DataError, match=r"member ml-100k/u.data: holds NUL bytes: UTF-16"): load_movielens(z)


@pytest.mark.parametrize('enc', ['latin-1', 'utf-8', 'utf-8-sig'])
def test_item_titles_read_in_any_encoding(data_home, tmp_path, enc):
    item = U_ITEM.replace('Kolya', 'Café Señor Ça')
    ml = load_movielens(gl_zip(tmp_path/'a.zip', item=item, enc=enc))
    assert ml.movies.title[2] == 'Café Señor Ça (1996)'


# 6. Ids must be whole numbers
@pytest.mark.parametrize('col, value, message', [(0, '2.7', "user '2.7' is not a whole number"),
                                                 (1, '1.5', "movie '1.5' is not a whole number"),
                                                 (3, '8812.5', "timestamp '8812.5' is not a whole number")])
def test_non_integer_ids_are_refused(data_home, tmp_path, col, value, message):
    rows = [l.split('\t') for l in U_DATA.splitlines()]
    rows[2][col] = value
    z = gl_zip(tmp_path/'a.zip', data=''.join('\t'.join(r) + '\n' for r in rows))
    with pytest.raises(DataError, match='line 3: ' + message.replace('.', r'\.')): load_movielens(z)


# 7. Errors inside a zip name the zip and the member, also when fetched
def test_bad_row_in_fetched_zip_names_source_and_member(data_home, offline, tmp_path, monkeypatch):
    z = gl_zip(tmp_path/'ml-100k.zip', data=U_DATA.replace('\t4\t', '\t9\t'))
    serve_grouplens(monkeypatch, z)
    with pytest.raises(RuntimeError) as e: load_movielens(verbose=False)
    assert f"{z.as_uri()}, member ml-100k/u.data, line 3: rating 9 is outside 1..5" in str(e.value)
    assert '.tmp' not in str(e.value) and leftovers(data_home) == []


# 8. Left-overs of a killed fetch are cleaned (only names this library marks as its own); the pip child ends with its parent
def test_leftovers_of_a_killed_fetch_are_cleaned(stored):
    dead = f'.fetch.collabnb-{cs._HOST}-999999999-0123abcd.tmp'
    alive = f'.fetch.collabnb-{cs._HOST}-{os.getpid()}-89abcdef.tmp'   # a fetch in progress in this process
    for name in (dead, alive):
        (stored.parent/name).mkdir()
        (stored.parent/name/'recbole-1.2.1-py3-none-any.whl').write_bytes(b'half')
    load_movielens(verbose=False)
    assert leftovers(stored.parent) == [alive]


def gone(pid):
    "Whether process `pid` has ended (a zombie waiting to be reaped counts as ended)"
    try: return Path(f'/proc/{pid}/stat').read_text().split()[2] == 'Z'
    except FileNotFoundError: return True


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='PR_SET_PDEATHSIG is Linux only')
def test_pip_child_ends_when_parent_is_killed(tmp_path):
    pidfile = tmp_path/'child.pid'
    parent = subprocess.Popen([sys.executable, '-c', textwrap.dedent(f"""
        import sys, collabnb.sources as cs
        from pathlib import Path
        sleeper = "import os, time; open({str(pidfile)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
        cs._pip_cmd = lambda spec, dest, timeout: [sys.executable, '-c', sleeper]
        cs._pip_download('recbole==1.2.1', Path({str(tmp_path)!r}))
        """)], env=os.environ | {'PYTHONPATH': str(ROOT)})
    for _ in range(300):
        if pidfile.exists() and pidfile.read_text(): break
        time.sleep(0.1)
    child = int(pidfile.read_text())
    parent.send_signal(signal.SIGKILL)                            # no clean-up code runs in the parent
    parent.wait()
    for _ in range(50):
        if gone(child): break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail('the pip child outlived its parent')


# 11. A DataFrame gets the file readers' checks
@pytest.mark.parametrize('change, message', [
    (dict(rating=[5., 70., 4.]), "the ratings DataFrame, row 2: rating 70 is outside 0.5..5"),
    (dict(user=[1, 2.7, 2]), "row 2: user 2.7 is not a whole number"),
    (dict(movie=['1', 'x', '2']), "row 2: movie 'x' is not a number"),
    (dict(rating=[5., np.inf, 4.]), "row 2: rating inf is not a number"),
    (dict(user=[1, 1, 1], movie=[2, 2, 1]), "user 1 rated movie 2 twice (rows 1, 2)"),
])
@pytest.mark.parametrize('split', [split_random, split_users])
def test_dataframe_gets_the_same_checks(change, message, split):
    df = pd.DataFrame(dict(user=[1, 1, 2], movie=[1, 2, 1], rating=[5., 3., 4.])).assign(**change)
    with pytest.raises(DataError) as e: split(df)
    assert message in str(e.value)


def test_dataframe_half_stars_and_whole_float_ids_are_fine():
    df = pd.DataFrame(dict(user=[1., 1., 2.], movie=[1, 2, 1], rating=[0.5, 3.5, 5.]))
    data = split_random(df, valid_pct=0.)
    assert data.n_users == 2 and data.y_train.tolist() == [0.5, 3.5, 5.]


# 16. The data folder is made with the user's umask
def test_data_folder_follows_umask(data_home, grouplens_zip, offline, monkeypatch):
    serve_grouplens(monkeypatch, grouplens_zip)
    old = os.umask(0o022)
    try: load_movielens(verbose=False)
    finally: os.umask(old)
    assert (data_home/'ml-100k').stat().st_mode & 0o777 == 0o755
    assert (data_home/'ml-100k'/'u.data').stat().st_mode & 0o777 == 0o644


# atomic_write (issue 14): unique per call, renamed on success, removed on error
def test_atomic_write_concurrent_writers(tmp_path):
    target, names, errors = tmp_path/'model.pt', [], []
    def write(i):
        try:
            with atomic_write(target) as tmp:
                names.append(tmp)
                tmp.write_text(chr(65 + i) * 10_000)
        except Exception as e: errors.append(e)
    threads = [threading.Thread(target=write, args=(i,)) for i in range(16)]
    for t in threads: t.start()
    for t in threads: t.join()
    assert errors == [] and len(set(names)) == 16
    assert len(set(target.read_text())) == 1                       # one writer's file, whole
    assert os.listdir(tmp_path) == ['model.pt']


def test_atomic_write_removes_on_error_and_keeps_old(tmp_path):
    target = tmp_path/'book.xlsx'
    target.write_text('old')
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as tmp:
            assert tmp.suffix == '.xlsx' and tmp.parent == tmp_path
            tmp.write_text('half')
            raise KeyboardInterrupt
    assert target.read_text() == 'old' and os.listdir(tmp_path) == ['book.xlsx']
    with pytest.raises(FileNotFoundError, match='nothing was written'):
        with atomic_write(target): pass


# issue 14 item 8: reading and splitting do not import fastai
def test_import_data_does_not_import_fastai():
    code = ("import sys, collabnb.data as cd\n"
            "cd.split_random(cd.synthetic_ratings()[0])\n"
            "print(any(m.split('.')[0] == 'fastai' for m in sys.modules))")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=os.environ | {'PYTHONPATH': str(ROOT)})
    assert out.stdout.strip() == 'False', out.stderr


# A copy stored before manifests existed (every learner's from before) is adopted if it is MovieLens 100k, kept aside if not
def legacy_copy(folder: Path, tables: dict) -> Path:
    "GroupLens' three files in `folder`, and no manifest"
    folder.mkdir(parents=True)
    for name, b in tables.items(): (folder/name).write_bytes(b)
    return folder


def test_legacy_copy_is_adopted(data_home, offline, real_tables):
    folder = legacy_copy(data_home/'ml-100k', real_tables)
    ml = load_movielens(verbose=False)
    assert len(ml.ratings) == 100_000 and ml.is_100k and repr(ml).startswith('MovieLens 100k: 100,000 ratings')
    assert (folder/'MANIFEST.json').exists() and cs._damage(folder) is None   # recorded: later damage is caught


def test_legacy_copy_cut_at_a_line_break_is_replaced(data_home, grouplens_zip, offline, monkeypatch, capsys, real_tables):
    cut = real_tables['u.data'][:real_tables['u.data'].index(b'\n', len(real_tables['u.data']) // 2) + 1]
    folder = legacy_copy(data_home/'ml-100k', real_tables | {'u.data': cut})
    serve_grouplens(monkeypatch, grouplens_zip)
    assert len(load_movielens(verbose=False).ratings) == 5                     # fetched afresh
    err, [aside] = capsys.readouterr().err, kept(folder)
    assert "ratings, not MovieLens 100k's 100,000" in err and str(aside) in err
    assert (aside/'u.data').read_bytes() == cut                                # kept as it was


# The CLI's quick commands find the data folder without loading pandas or PyTorch; reading needs pandas, never PyTorch
@pytest.mark.parametrize('module, unwanted', [('collabnb.sources', {'torch', 'fastai', 'pandas', 'numpy'}),
                                              ('collabnb.readers', {'torch', 'fastai'}), ('collabnb.planted', {'torch', 'fastai'})])
def test_import_costs(module, unwanted):
    code = f"import sys, {module}; print(sorted({unwanted!r} & set(sys.modules)))"
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=os.environ | {'PYTHONPATH': str(ROOT)})
    assert out.stdout.strip() == '[]', out.stderr
