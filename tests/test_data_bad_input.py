"Issue 24, causes 3-6 on the data side: data a user brings, malformed manifests, the data folder's words, and split arguments."
import codecs, json, os, subprocess
from pathlib import Path
import numpy as np, pandas as pd
import pytest, torch
import collabnb.sources as cs
from collabnb.data import load_movielens, split_random, split_users
from collabnb.readers import MovieLens
from collabnb.sources import DataError
from conftest import U_DATA, U_ITEM, U_USER, make_zip
from data_fakes import kept, offline, real_tables, serve_grouplens


def gl_zip(path, tables: dict) -> Path:
    "GroupLens' layout in a zip"
    return make_zip(path, {f'ml-100k/{f}': b for f, b in tables.items()})


# Cause 4: a user's own data is never silently taken for MovieLens 100k
def half(t):
    lines = t['u.data'].splitlines(keepends=True)
    return t | {'u.data': b''.join(lines[::2])}

def edited(t):
    lines = t['u.data'].splitlines(keepends=True)
    u, m, r, ts = lines[0].split(b'\t')
    return t | {'u.data': b'\t'.join([u, m, str(int(r) % 5 + 1).encode(), ts]) + b''.join(lines[1:])}

def tiny(t): return {'u.data': U_DATA.encode(), 'u.item': U_ITEM.encode(), 'u.user': U_USER.encode()}

@pytest.mark.parametrize('make, n', [(half, 50_000), (edited, 100_000), (tiny, 5)])
def test_a_different_set_is_read_but_never_stored_as_100k(data_home, tmp_path, real_tables, make, n, offline):
    z = gl_zip(tmp_path/'half.zip', make(real_tables))
    ml = load_movielens(z)
    assert len(ml.ratings) == n and not ml.is_100k
    assert repr(ml).startswith(f'MovieLens: {n:,} ratings') and f"local file {z} (not MovieLens 100k" in ml.source
    assert not (data_home/'ml-100k').exists()                              # `train` will not find it there
    with pytest.raises(RuntimeError, match='Could not obtain MovieLens 100k'): load_movielens(verbose=False)


def test_the_real_100k_given_by_path_is_stored(data_home, tmp_path, real_tables, offline):
    z = gl_zip(tmp_path/'ml-100k.zip', real_tables)
    ml = load_movielens(z)
    assert ml.is_100k and ml.source == f"local file {z} (stored in {data_home/'ml-100k'})"
    assert repr(load_movielens(verbose=False)).startswith('MovieLens 100k: 100,000 ratings by 943 users of 1,682 movies')


def test_a_stored_copy_that_is_not_100k_and_has_no_manifest_is_not_adopted(data_home, real_tables, offline):
    folder = data_home/'ml-100k'
    folder.mkdir(parents=True)
    for f, b in edited(real_tables).items(): (folder/f).write_bytes(b)   # 100,000 ratings, one of them changed
    with pytest.raises(RuntimeError) as e: load_movielens(verbose=False)
    [aside] = kept(folder)
    assert "holds 100,000 ratings, but not MovieLens 100k's" in str(e.value) and str(aside) in str(e.value)


CSV = {'ratings.csv': "userId,movieId,rating,timestamp\n1,296,5.0,1147880044\n1,306,3.5,1147868817\n3,296,0.5,1439472215\n",
       'movies.csv': 'movieId,title,genres\n296,Pulp Fiction (1994),Comedy\n306,"Red, The (1994)",Drama\n'}

@pytest.mark.parametrize('newline', ['\n', '\r\n'])
@pytest.mark.parametrize('how', ['folder', 'zip'])
def test_excel_csv_utf8_with_a_byte_order_mark(data_home, tmp_path, newline, how):
    folder = tmp_path/'ml-latest-small'
    folder.mkdir()
    for f, text in (CSV | {'movies.csv': CSV['movies.csv'].replace('Red, The', 'Señor Café')}).items():
        (folder/f).write_bytes(codecs.BOM_UTF8 + text.replace('\n', newline).encode())
    z = make_zip(tmp_path/'ml-latest-small.zip', {f'ml-latest-small/{f}': (folder/f).read_bytes() for f in CSV})
    ml = load_movielens(folder if how == 'folder' else z)
    assert ml.ratings.rating.tolist() == [5, 3.5, 0.5] and ml.movies.title.tolist() == ['Pulp Fiction (1994)', 'Señor Café (1994)']


def test_byte_order_mark_in_a_dat_file(data_home, tmp_path):
    folder = tmp_path/'ml-1m'
    folder.mkdir()
    (folder/'ratings.dat').write_bytes(codecs.BOM_UTF8 + b"1::1::5::978300760\n2::1::4::978301968\n")
    (folder/'movies.dat').write_bytes(codecs.BOM_UTF8 + b"1::Toy Story (1995)::Animation\n")
    (folder/'users.dat').write_bytes(codecs.BOM_UTF8 + b"1::F::1::10::48067\n2::M::56::16::70072\n")
    ml = load_movielens(folder)
    assert ml.ratings.user.tolist() == [1, 2] and ml.users.user.tolist() == [1, 2] and ml.movies.movie.tolist() == [1]


BIG = 2**54 + 1   # with movie ids up to 1023, (BIG, m) and (1, m) packed as user * 1024 + movie wrap around to one int64
ITEM_1023 = U_ITEM + "1023|Late Movie (1990)|01-Jan-1990||http://x" + "|0" * 19 + "\n"

def test_huge_user_ids_are_different_users_in_u_data(data_home, tmp_path):
    tables = {'u.data': f"1\t1023\t5\t881250949\n{BIG}\t1023\t4\t881250950\n".encode(), 'u.item': ITEM_1023.encode(),
              'u.user': f"1|24|M|technician|85711\n{BIG}|53|F|other|94043\n".encode()}
    ml = load_movielens(gl_zip(tmp_path/'big.zip', tables))
    assert ml.ratings.user.tolist() == [1, BIG] and split_random(ml, valid_pct=0.).n_users == 2


def test_huge_ids_in_a_csv_and_a_dataframe(data_home, tmp_path):
    folder = tmp_path/'ml-latest'
    folder.mkdir()
    (folder/'ratings.csv').write_text(f"userId,movieId,rating,timestamp\n1,1023,5.0,1\n{BIG},1023,4.0,2\n{BIG},1,3.0,3\n")
    (folder/'movies.csv').write_text(f"movieId,title,genres\n1,A (1994),Drama\n1023,B (2020),Drama\n")
    assert load_movielens(folder).ratings.user.tolist() == [1, BIG, BIG]
    df = pd.DataFrame(dict(user=np.array([1, BIG, 2**62 + 1], dtype='int64'), movie=[1023, 1023, 1023], rating=[5., 4., 3.]))
    assert split_random(df, valid_pct=0.).n_users == 3
    with pytest.raises(DataError, match=f"row 4: user {BIG} rated movie 1023 twice \\(rows 2, 4\\)"):
        split_random(pd.concat([df, df.iloc[[1]]]))


@pytest.mark.parametrize('value', [str(2**64), str(2**63), '-' + str(2**63 + 1)])
def test_ids_too_large_for_64_bits_are_refused(data_home, tmp_path, value):
    tables = {'u.data': f"1\t1\t5\t881250949\n{value}\t1\t4\t881250950\n".encode(), 'u.item': U_ITEM.encode(), 'u.user': U_USER.encode()}
    with pytest.raises(DataError, match=f"u.data, line 2: user '{value}' is too large for an id"):
        load_movielens(gl_zip(tmp_path/'big.zip', tables))


def test_ids_too_large_for_a_float_column_are_refused():
    df = pd.DataFrame(dict(user=[1., 2.**54], movie=[1, 1], rating=[5., 4.]))       # 2**54 + 1 cannot be here
    with pytest.raises(DataError, match="row 2: user 1.8014398509481984e\\+16 is too large for an id"): split_random(df)


@pytest.mark.parametrize('layout, files, message', [
    ('ml-1m', {'ratings.dat': '', 'movies.dat': "1::A (1995)::Drama\n", 'users.dat': "1::F::1::10::48067\n"}, "ratings.dat: the file is empty"),
    ('ml-1m', {'ratings.dat': '\n\n', 'movies.dat': "1::A (1995)::Drama\n", 'users.dat': "1::F::1::10::48067\n"}, "ratings.dat: the file is empty"),
    ('ml-25m', {'ratings.csv': "userId,movieId,rating,timestamp\n", 'movies.csv': "movieId,title,genres\n1,A,Drama\n"},
     "ratings.csv: holds no ratings, only its header line"),
    ('ml-25m', {'ratings.csv': "\ufeffuserId,movieId,rating,timestamp\r\n", 'movies.csv': "movieId,title,genres\n1,A,Drama\n"},
     "ratings.csv: holds no ratings, only its header line"),
    ('ml-25m', {'ratings.csv': "", 'movies.csv': "movieId,title,genres\n1,A,Drama\n"}, "ratings.csv: the file is empty"),
])
def test_empty_ratings_files_are_refused_by_name(data_home, tmp_path, layout, files, message):
    folder = tmp_path/layout
    folder.mkdir()
    for f, text in files.items(): (folder/f).write_text(text)
    with pytest.raises(DataError) as e: load_movielens(folder)
    assert str(e.value) == f"{folder/message.split(':')[0]}:{message.split(':', 1)[1]}"


def test_no_ratings_to_split():
    empty = pd.DataFrame(dict(user=[], movie=[], rating=[]))
    with pytest.raises(DataError, match='the ratings DataFrame: holds no ratings'): split_random(empty)
    with pytest.raises(DataError, match='the MovieLens ratings: holds no ratings'): split_users(MovieLens(empty, None, None))


DF = pd.DataFrame(dict(user=[1, 1, 2], movie=[1, 2, 1], rating=[5., 3., 4.]))

@pytest.mark.parametrize('data, error, message', [
    ([(1, 1, 5.), (1, 2, 3.)], TypeError, "not a list; pd.DataFrame(rows, columns=['user', 'movie', 'rating']) makes one"),
    (((1, 1, 5.),), TypeError, "not a tuple; pd.DataFrame(rows"),
    (DF.to_numpy(), TypeError, "not a ndarray; pd.DataFrame(rows"),
    (DF.to_dict('list'), TypeError, "not a dict; pd.DataFrame(your_dict) makes one"),
    (DF.rating, TypeError, "not a Series; a Series is one column"),
    (None, TypeError, "not a NoneType"),
    ('ratings.csv', TypeError, "not a str; load_movielens(path) reads files"),
    (pd.concat([DF, DF.rating], axis=1), ValueError, "has 2 columns named 'rating': keep one"),
    (pd.concat([DF, DF.user], axis=1), ValueError, "has 2 columns named 'user': keep one"),
    (DF.rename(columns={'user': 'userId', 'movie': 'movieId'}), ValueError, "it has userId, movieId, rating (no user, movie)"),
    (DF.set_axis(pd.MultiIndex.from_tuples([('a', 'user'), ('a', 'movie'), ('a', 'rating')]), axis=1), ValueError, "no user, movie, rating"),
])
@pytest.mark.parametrize('split', [split_random, split_users])
def test_split_refuses_what_is_not_ratings(data, error, message, split):
    with pytest.raises(error) as e: split(data)
    assert message in str(e.value)


@pytest.mark.parametrize('kw, error, message', [
    (dict(valid_pct='0.2'), TypeError, "valid_pct must be one number in [0, 1), like 0.2, not '0.2'"),
    (dict(valid_pct=[0.2]), TypeError, "valid_pct must be one number in [0, 1), like 0.2, not [0.2]"),
    (dict(valid_pct=np.array([0.2])), TypeError, "valid_pct must be one number"),
    (dict(valid_pct=None), TypeError, "not None"),
    (dict(valid_pct=float('nan')), ValueError, "valid_pct must be in [0, 1), got nan"),
    (dict(valid_pct=20), ValueError, "valid_pct must be in [0, 1), got 20"),
    (dict(valid_pct=True), TypeError, "not True"),
    (dict(seed='1'), TypeError, "seed must be a whole number, like 42, not '1'"),
    (dict(seed=1.5), TypeError, "seed must be a whole number, like 42, not 1.5"),
    (dict(seed=2**64), ValueError, "seed must be from 0 to 2**64 - 1, got 18446744073709551616"),
    (dict(seed=-1), ValueError, "seed must be from 0 to 2**64 - 1, got -1"),
])
@pytest.mark.parametrize('split', [split_random, split_users])
def test_split_arguments_are_checked(kw, error, message, split):
    with pytest.raises(error) as e: split(DF, **kw)
    assert message in str(e.value)


def test_numpy_and_tensor_numbers_are_numbers():
    df = pd.DataFrame(dict(user=np.arange(100) % 10, movie=np.arange(100) // 10, rating=3.))
    ref = split_random(df, valid_pct=0.2, seed=3)
    for pct, seed in [(np.float32(0.2), np.int64(3)), (torch.tensor(0.2), torch.tensor(3)), (np.float64(0.2), 3)]:
        assert torch.equal(split_random(df, valid_pct=pct, seed=seed).x_valid, ref.x_valid)
    assert len(split_random(df, seed=2**64 - 1).y_valid) == 20


# Cause 5: a malformed MANIFEST.json, in every form
MALFORMED = [b'null', b'"a string"', b'[]', b'{}', b'42', b'{', b'', b'\xff\xfe\x00', b'{"u.data": 5, "u.item": 6, "u.user": 7}',
             b'{"u.data": {"size": 1}, "u.item": {"size": 1}, "u.user": {"size": 1}}',
             b'{"u.data": {"size": "1", "sha256": "' + b'0' * 64 + b'"}}', b'{"u.data": {"size": 1, "sha256": "xyz"}}',
             b'{"u.data": {"size": 1, "sha256": "' + b'0' * 64 + b'"}}']

@pytest.mark.parametrize('manifest', [MALFORMED[i] for i in (0, 1, 5, 9, 12)])   # each kind once: reading 100k takes a while
def test_a_malformed_manifest_beside_the_real_copy_is_written_again(data_home, real_tables, offline, capsys, manifest):
    folder = data_home/'ml-100k'
    cs._store(real_tables, folder, 'a test')
    (folder/'MANIFEST.json').write_bytes(manifest)
    assert load_movielens(verbose=False).is_100k
    err = capsys.readouterr().err
    assert str(folder/'MANIFEST.json') in err and 'the files are MovieLens 100k, so' in err and 'was written again' in err
    assert cs._damage(folder) is None and json.loads((folder/'MANIFEST.json').read_text())['u.data']['size'] == len(real_tables['u.data'])


@pytest.mark.parametrize('manifest', MALFORMED)
def test_a_malformed_manifest_beside_another_copy_is_named(data_home, grouplens_zip, monkeypatch, manifest, offline):
    serve_grouplens(monkeypatch, grouplens_zip)
    load_movielens(verbose=False)
    folder = data_home/'ml-100k'
    (folder/'MANIFEST.json').write_bytes(manifest)
    monkeypatch.setattr(cs, 'GROUPLENS_URL', 'http://127.0.0.1:9/ml-100k.zip')
    with pytest.raises(RuntimeError) as e: load_movielens(verbose=False)
    [aside] = kept(folder)
    assert str(folder/'MANIFEST.json') in str(e.value) and f"it is kept as {aside}" in str(e.value)
    assert "holds 5 ratings, not MovieLens 100k's 100,000" in str(e.value)


def test_a_manifest_that_is_a_folder(data_home, real_tables, offline):
    folder = data_home/'ml-100k'
    cs._store(real_tables, folder, 'a test')
    (folder/'MANIFEST.json').unlink()
    (folder/'MANIFEST.json').mkdir()
    assert load_movielens(verbose=False).is_100k                          # read; the manifest cannot be written, and need not be


# Cause 6: the data folder's words
def test_a_data_folder_that_is_a_file(tmp_path, monkeypatch):
    (tmp_path/'data').write_text('not a folder')
    monkeypatch.setenv('COLLABNB_DATA', str(tmp_path/'data'))
    for f in (lambda: load_movielens(verbose=False), cs.data_dir):
        with pytest.raises(NotADirectoryError) as e: f()
        assert str(e.value) == (f"the data folder {tmp_path/'data'} is a file, not a folder: COLLABNB_DATA is "
                                f"'{tmp_path/'data'}': set it to a folder (it is made when needed)")


def test_a_data_folder_inside_a_file(tmp_path, monkeypatch, offline):
    (tmp_path/'data').write_text('not a folder')
    monkeypatch.setenv('COLLABNB_DATA', str(tmp_path/'data'/'sub'))
    with pytest.raises(OSError) as e: load_movielens(verbose=False)
    assert f"MovieLens 100k cannot be stored in {tmp_path/'data'/'sub'}" in str(e.value) and 'Set COLLABNB_DATA' in str(e.value)


@pytest.fixture
def read_only(tmp_path):
    "An empty folder nobody may write in: chmod for a user, `chattr +i` for root (who ignores permission bits)"
    d = tmp_path/'ro'
    d.mkdir()
    d.chmod(0o555)
    if os.access(d, os.W_OK) and subprocess.run(['chattr', '+i', str(d)], capture_output=True).returncode:
        pytest.skip('cannot make a read-only folder here')
    yield d
    subprocess.run(['chattr', '-i', str(d)], capture_output=True)
    d.chmod(0o755)


def test_an_empty_read_only_data_folder(read_only, monkeypatch, offline):
    monkeypatch.setenv('COLLABNB_DATA', str(read_only))
    with pytest.raises(OSError) as e: load_movielens(verbose=False)
    msg = str(e.value)
    assert msg.startswith(f"MovieLens 100k cannot be stored in {read_only} (") and 'Set COLLABNB_DATA to a folder you can write' in msg
    assert f'unzip it into {read_only}' not in msg and os.listdir(read_only) == []


def test_a_read_only_folder_with_a_good_copy_reads(tmp_path, real_tables, monkeypatch, offline):
    folder = tmp_path/'ro'/'ml-100k'
    cs._store(real_tables, folder, 'a test')
    (folder/'MANIFEST.json').unlink()                                         # and it cannot be written again: fine
    for d in (folder, folder.parent): d.chmod(0o555)
    if os.access(folder, os.W_OK): subprocess.run(['chattr', '+i', str(folder), str(folder.parent)], capture_output=True)
    monkeypatch.setenv('COLLABNB_DATA', str(folder.parent))
    try: assert load_movielens(verbose=False).is_100k
    finally:
        subprocess.run(['chattr', '-i', str(folder), str(folder.parent)], capture_output=True)
        for d in (folder, folder.parent): d.chmod(0o755)


@pytest.mark.parametrize('path', ['', '   ', '\t'])
def test_an_empty_path(data_home, path):
    with pytest.raises(ValueError, match="the path is empty: name a folder or a zip holding MovieLens, or give none"):
        load_movielens(path)


@pytest.mark.parametrize('path, error', [(3, TypeError), (['ml-100k.zip'], TypeError)])
def test_a_path_that_is_not_one(data_home, path, error):
    with pytest.raises(error, match='path must name a folder or a zip'): load_movielens(path)


@pytest.mark.parametrize('name', ['u.data', 'ratings.csv', 'ratings.dat'])
def test_one_file_of_a_set_names_its_folder(data_home, tmp_path, name):
    (tmp_path/name).write_text("1\t1\t5\t881250949\n")
    with pytest.raises(ValueError, match=f"is one file of a MovieLens set: name the folder that holds it \\({tmp_path}\\)"):
        load_movielens(tmp_path/name)
