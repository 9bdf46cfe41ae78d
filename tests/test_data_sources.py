"Where MovieLens comes from, with the network simulated: fall-through, checksums, interrupted downloads, bad files."
import io, urllib.request
from pathlib import Path
import pytest
import collabnb.sources as cs
from collabnb.data import load_movielens
from collabnb.sources import DataError
from conftest import U_DATA, U_ITEM, U_USER, make_zip, leftovers
from data_fakes import offline, serve_grouplens, serve_pypi


def test_grouplens_first(data_home, grouplens_zip, recbole_wheel, monkeypatch):
    serve_grouplens(monkeypatch, grouplens_zip)
    serve_pypi(monkeypatch, recbole_wheel)
    ml = load_movielens(verbose=False)
    assert len(ml.ratings) == 5 and 'GroupLens' in ml.source
    assert sorted(p.name for p in (data_home/'ml-100k').iterdir()) == ['MANIFEST.json', 'SOURCE', 'u.data', 'u.item', 'u.user']
    assert leftovers(data_home) == []


def test_mirror_when_grouplens_unreachable(data_home, offline, recbole_wheel, monkeypatch, capsys):
    serve_pypi(monkeypatch, recbole_wheel)
    ml = load_movielens()
    assert 'PyPI mirror' in ml.source and 'recbole-1.2.1' in ml.source
    assert 'fetching it from GroupLens' in capsys.readouterr().err
    # the mirror's files come out as GroupLens' would: year back in the title, genres as flags
    assert ml.movies.title.tolist() == ['Toy Story (1995)', 'GoldenEye (1995)', 'Kolya (1996)']
    assert ml.movies.genres[0] == "Animation|Children's|Comedy"
    assert ml.ratings.rating.tolist() == [5, 3, 4, 1, 2]
    assert leftovers(data_home) == []


def test_both_unreachable(data_home, offline):
    with pytest.raises(RuntimeError) as e: load_movielens(verbose=False)
    msg = str(e.value)
    assert 'GroupLens' in msg and 'PyPI mirror' in msg and 'network is unreachable' in msg
    assert 'unzip it into' in msg  # and what to do about it
    assert leftovers(data_home) == [] and not (data_home/'ml-100k').exists()


def test_stored_data_needs_no_network(data_home, grouplens_zip, monkeypatch, offline):
    serve_grouplens(monkeypatch, grouplens_zip)
    load_movielens(verbose=False)
    monkeypatch.setattr(cs, 'GROUPLENS_URL', 'http://127.0.0.1:9/ml-100k.zip')
    ml = load_movielens(verbose=False)
    assert len(ml.ratings) == 5 and 'from GroupLens' in ml.source


class _Dropped(io.BytesIO):
    "A response that promises `size` bytes and drops the connection halfway"
    def __init__(self, payload):
        super().__init__(payload[:len(payload)//2])
        self.headers = {'Content-Length': str(len(payload))}
    def read(self, n=-1):
        b = super().read(n)
        if not b: raise ConnectionResetError("connection reset by peer")
        return b


def test_interrupted_download_leaves_nothing(data_home, offline, grouplens_zip, monkeypatch):
    serve_grouplens(monkeypatch, grouplens_zip)
    monkeypatch.setattr(urllib.request, 'urlopen', lambda url, timeout: _Dropped(grouplens_zip.read_bytes()))
    with pytest.raises(RuntimeError, match='connection reset'): load_movielens(verbose=False)
    assert leftovers(data_home) == [] and not (data_home/'ml-100k').exists()
    monkeypatch.undo()  # the network is back: the next call fetches cleanly
    monkeypatch.setenv('COLLABNB_DATA', str(data_home))
    serve_grouplens(monkeypatch, grouplens_zip)
    assert len(load_movielens(verbose=False).ratings) == 5


def test_short_download_is_an_error(data_home, offline, grouplens_zip, monkeypatch):
    "A server that closes cleanly before Content-Length bytes is caught too"
    serve_grouplens(monkeypatch, grouplens_zip)
    class Short(io.BytesIO):
        headers = {'Content-Length': str(grouplens_zip.stat().st_size)}
    monkeypatch.setattr(urllib.request, 'urlopen', lambda url, timeout: Short(grouplens_zip.read_bytes()[:100]))
    with pytest.raises(RuntimeError, match='stopped after 100 of'): load_movielens(verbose=False)
    assert leftovers(data_home) == []


def test_checksum_mismatch(data_home, grouplens_zip, recbole_wheel, monkeypatch):
    serve_grouplens(monkeypatch, grouplens_zip, md5='0'*32)
    serve_pypi(monkeypatch, recbole_wheel, sha256='f'*64)
    with pytest.raises(RuntimeError) as e: load_movielens(verbose=False)
    assert 'md5 checksum mismatch: expected ' + '0'*32 in str(e.value)
    assert 'sha256 checksum mismatch: expected ' + 'f'*64 in str(e.value)
    assert leftovers(data_home) == []


def test_corrupt_zip(data_home, tmp_path):
    bad = tmp_path/'ml-100k.zip'
    bad.write_bytes(b'PK\x03\x04 this is not really a zip')
    with pytest.raises(DataError, match='not a valid zip file'): load_movielens(bad)
    assert leftovers(data_home) == []


def test_zip_of_something_else(data_home, tmp_path):
    other = make_zip(tmp_path/'other.zip', {'readme.txt': 'hello'})
    with pytest.raises(DataError, match="holds neither ml-100k/u.data"): load_movielens(other)


@pytest.mark.parametrize('files, message', [
    (dict(data=U_DATA.replace('\t881250950', '')), "u.data, line 2: expected 4 fields"),
    (dict(data=U_DATA.replace('\t5\t', '\tfive\t')), "u.data, line 1: rating 'five' is not a number"),
    (dict(data=U_DATA.replace('\t5\t', '\t0\t')), "u.data, line 1: rating 0 is outside 1..5"),
    (dict(data=U_DATA + "1\t1\t2\t881250960\n"), "u.data, line 6: user 1 rated movie 1 twice (lines 1, 6)"),
    (dict(data=''), "u.data: the file is empty"),
    (dict(item=U_ITEM.replace('|http://x|', '|')), "u.item, line 1: expected 24 fields"),
    (dict(user=U_USER.replace('|24|', '||')), "u.user, line 1: age '' is not a number"),
    (dict(data=U_DATA + "4\t1\t2\t881250960\n"), "u.user, line 3: the file ends at user 3, but u.data, line 6 rates user 4"),
    (dict(data=U_DATA + "2\t9\t2\t881250960\n"), "u.item, line 3: the file ends at movie 3"),
])
def test_bad_files_are_refused_and_not_stored(data_home, tmp_path, files, message):
    tables = dict(data=U_DATA, item=U_ITEM, user=U_USER) | files
    z = make_zip(tmp_path/'ml-100k.zip', {f'ml-100k/u.{k}': v for k, v in tables.items()})
    with pytest.raises(DataError) as e: load_movielens(z)
    assert message in str(e.value)
    assert not (data_home/'ml-100k').exists() and leftovers(data_home) == []


def test_folder_path_is_read_in_place(data_home, tmp_path):
    folder = tmp_path/'mine'/'ml-100k'
    folder.mkdir(parents=True)
    for name, text in zip(cs.ML_FILES, (U_DATA, U_ITEM, U_USER)): (folder/name).write_text(text)
    ml = load_movielens(folder.parent)  # the folder that holds ml-100k/ works as well as ml-100k/ itself
    assert len(ml.ratings) == 5 and ml.source == str(folder)
    assert not data_home.exists()  # nothing copied


# The larger sets (issue 15 item 3): each layout written here in GroupLens' format, read from a folder and from its zip
ML_1M = {'ratings.dat': "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n",
         'movies.dat': "661::James and the Giant Peach (1996)::Animation|Children's|Musical\n"
                       "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n",
         'users.dat': "1::F::1::10::48067\n2::M::56::16::70072\n"}
ML_10M = {'ratings.dat': "1::122::5::838985046\n1::185::4.5::838983525\n2::122::0.5::868244562\n",
          'movies.dat': "122::Boomerang (1992)::Comedy|Romance\n185::Net, The (1995)::Action|Crime|Thriller\n"}
ML_CSV = {'ratings.csv': "userId,movieId,rating,timestamp\n1,296,5.0,1147880044\n1,306,3.5,1147868817\n3,296,0.5,1439472215\n",
          'movies.csv': 'movieId,title,genres\n296,Pulp Fiction (1994),Comedy|Crime|Drama|Thriller\n'
                        '306,"Three Colors: Red (Trois couleurs: Rouge) (1994)",Drama\n999,Señor Café (2019),(no genres listed)\n'}


def write_set(root: Path, name: str, files: dict, enc='latin-1') -> tuple:
    "The set's files in `root/name/` and in `root/name.zip` (GroupLens' layout: one folder inside the zip)"
    folder = root/name
    folder.mkdir(parents=True)
    for f, text in files.items(): (folder/f).write_bytes(text.encode(enc if f.endswith('.dat') else 'utf-8'))
    make_zip(root/f'{name}.zip', {f'{name}/{f}': (folder/f).read_bytes() for f in files})
    return folder, root/f'{name}.zip'


@pytest.mark.parametrize('how', ['folder', 'zip'])
def test_ml_1m(data_home, tmp_path, how):
    folder, z = write_set(tmp_path, 'ml-1m', ML_1M)
    ml = load_movielens(folder if how == 'folder' else z)
    assert ml.ratings.user.tolist() == [1, 1, 2] and ml.ratings.rating.tolist() == [5, 3, 4]
    assert ml.ratings.dtypes.astype(str).tolist() == ['int64', 'int64', 'float32', 'int64']
    assert ml.movies.set_index('movie').loc[1193, 'title'] == "One Flew Over the Cuckoo's Nest (1975)"
    assert ml.movies.year.tolist() == [1996, 1975] and ml.movies.genres[0] == "Animation|Children's|Musical"
    assert ml.users.columns.tolist() == ['user', 'age', 'gender', 'occupation', 'zip'] and ml.users.age.tolist() == [1, 56]
    assert not data_home.exists()                                  # read in place, not copied


@pytest.mark.parametrize('how', ['folder', 'zip'])
def test_ml_10m_half_stars(data_home, tmp_path, how):
    folder, z = write_set(tmp_path, 'ml-10M100K', ML_10M)
    ml = load_movielens(folder if how == 'folder' else z)
    assert ml.ratings.rating.tolist() == [5, 4.5, 0.5] and ml.users is None
    assert ml.movies.title[1] == 'Net, The (1995)'


@pytest.mark.parametrize('name', ['ml-20m', 'ml-25m', 'ml-32m', 'ml-latest-small'])
@pytest.mark.parametrize('how', ['folder', 'zip'])
def test_csv_sets(data_home, tmp_path, name, how):
    folder, z = write_set(tmp_path, name, ML_CSV)
    ml = load_movielens(folder if how == 'folder' else z)
    assert ml.ratings.rating.tolist() == [5, 3.5, 0.5] and ml.ratings.timestamp[2] == 1439472215
    assert ml.movies.title.tolist() == ['Pulp Fiction (1994)', 'Three Colors: Red (Trois couleurs: Rouge) (1994)', 'Señor Café (2019)']
    assert ml.movies.genres.tolist() == ['Comedy|Crime|Drama|Thriller', 'Drama', ''] and ml.movies.year.tolist() == [1994, 1994, 2019]
    assert ml.users is None and ml.source == str(folder if how == 'folder' else z)
    assert repr(ml).startswith('MovieLens: 3 ratings by 2 users of 2 movies')


@pytest.mark.parametrize('files, message', [
    (ML_1M | {'ratings.dat': ML_1M['ratings.dat'] + "2::661::3.5::978298414\n"}, "ratings.dat, line 4: rating 3.5 is not a multiple of 1"),
    (ML_1M | {'ratings.dat': ML_1M['ratings.dat'] + "2::661::3::978298414::9\n"}, "ratings.dat, line 4: expected 4 fields"),
    (ML_1M | {'ratings.dat': ML_1M['ratings.dat'] + "2::661\n"}, "ratings.dat, line 4: expected 4 fields"),
    (ML_1M | {'ratings.dat': ML_1M['ratings.dat'] + "2.5::661::3::978298414\n"}, "ratings.dat, line 4: user 2.5 is not a whole number"),
    (ML_1M | {'ratings.dat': ML_1M['ratings.dat'] + "3::661::3::978298414\n"}, "users.dat, line 2: the file ends at user 2, but ratings.dat, line 4"),
    (ML_1M | {'users.dat': "1::F::1::10::48067\n"}, "users.dat, line 1: the file ends at user 1, but ratings.dat, line 3"),
    (ML_CSV | {'ratings.csv': ML_CSV['ratings.csv'] + "3,296,4.0,1439472216\n"}, "ratings.csv, line 5: user 3 rated movie 296 twice (lines 4, 5)"),
    (ML_CSV | {'ratings.csv': ML_CSV['ratings.csv'] + "3,296,4.25,1439472216\n"}, "ratings.csv, line 5: rating 4.25 is not a multiple of 0.5"),
    (ML_CSV | {'ratings.csv': ML_CSV['ratings.csv'] + "3,5,4.0,1439472216\n"}, "ratings.csv, line 5: movie 5 is not in movies.csv"),
    (ML_CSV | {'ratings.csv': ML_CSV['ratings.csv'].replace('userId', 'user')}, "ratings.csv, line 1: the header line is 'user,movieId"),
    (ML_CSV | {'ratings.csv': ML_CSV['ratings.csv'] + "3,x,4.0,1439472216\n"}, "ratings.csv, line 5: movie 'x' is not a number"),
])
def test_bad_large_set_files_are_named(data_home, tmp_path, files, message):
    name = 'ml-1m' if 'users.dat' in files else 'ml-25m'
    _, z = write_set(tmp_path, name, files)
    with pytest.raises(DataError) as e: load_movielens(z)
    assert f"{z}, member {name}/" in str(e.value) and message in str(e.value)
