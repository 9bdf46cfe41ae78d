"Issue 24, cause 1: nothing the project did not create is ever deleted; a damaged or edited copy is moved aside, named and kept."
import errno, os, time, zipfile
from pathlib import Path
import pytest
import collabnb.sources as cs
from collabnb.data import load_movielens
from collabnb.sources import atomic_write
from conftest import U_DATA, leftovers, make_zip
from data_fakes import kept, offline, real_tables, serve_grouplens

HOURS = 3600


@pytest.fixture
def stored(data_home, grouplens_zip, offline, monkeypatch):
    "A data folder holding the tiny set, fetched from a (local) GroupLens that keeps answering"
    serve_grouplens(monkeypatch, grouplens_zip)
    load_movielens(verbose=False)
    return data_home/'ml-100k'


def age(path: Path, seconds: float):
    os.utime(path, (time.time() - seconds,) * 2, follow_symlinks=False)


@pytest.mark.parametrize('name, is_dir', [
    ('tmpk3j4h5g6', True),                      # Python's mkdtemp() name: a user's results folder
    ('tmpk3j4h5g6', False),                     # ... or file
    ('.ml-100k-a1b2c3d4', True),                # what old versions left: unmarked, so not provably ours
    ('.notes-999999999-0123abcd.tmp', True),    # another program's name with a dead pid in it
    ('.results-1-deadbeef.tmp.csv', False),
    ('.fetch-999999999-0123abcd.tmp', True),
])
def test_files_the_project_did_not_make_survive(stored, name, is_dir):
    p = stored.parent/name
    if is_dir:
        p.mkdir()
        (p/'results.csv').write_text('a,b\n1,2\n')
    else: p.write_text('a,b\n1,2\n')
    age(p, 48 * HOURS)
    load_movielens(verbose=False)
    assert ((p/'results.csv') if is_dir else p).read_text() == 'a,b\n1,2\n'


def test_the_systems_temporary_folder_as_data_folder(tmp_path, grouplens_zip, offline, monkeypatch):
    "COLLABNB_DATA pointing at a shared temporary folder: other programs' folders are left alone"
    shared = tmp_path/'tmp'
    others = ['tmpab12cd34', 'tmp_x9y8z7w6', 'pymp-abc123', '.X11-unix', 'systemd-private-0a1b', '.tmp-user-42.tmp']
    for name in others:
        (shared/name).mkdir(parents=True)
        (shared/name/'work').write_text('in progress')
        age(shared/name, 72 * HOURS)
    monkeypatch.setenv('COLLABNB_DATA', str(shared))
    serve_grouplens(monkeypatch, grouplens_zip)
    assert len(load_movielens(verbose=False).ratings) == 5
    assert sorted(p.name for p in shared.iterdir()) == sorted(others + ['ml-100k'])


def test_temporary_names_carry_the_marker_and_pid(tmp_path):
    with atomic_write(tmp_path/'bias.pt') as tmp:
        assert f'.collabnb-{cs._HOST}-{os.getpid()}-' in tmp.name and tmp.suffix == '.pt'
        tmp.write_bytes(b'model')
    assert cs.clean_leftovers(tmp_path) == [] and os.listdir(tmp_path) == ['bias.pt']


def test_only_this_librarys_dead_leftovers_are_removed(tmp_path):
    ours_dead = tmp_path/f'.bias.collabnb-{cs._HOST}-999999999-0123abcd.tmp.pt'
    ours_dead.write_bytes(b'half a model')
    lookalike = tmp_path/'.bias.collabnb-999999999-0123abcd.tmp.pt'    # no machine: not a name this library makes
    lookalike.write_bytes(b'a user file')
    age(lookalike, 72 * HOURS)
    assert cs.clean_leftovers(tmp_path) == [ours_dead] and lookalike.exists()


@pytest.mark.parametrize('spoil', ['append', 'truncate', 'same_size', 'delete_item', 'delete_manifest'])
def test_a_changed_copy_is_moved_aside_and_kept(stored, capsys, spoil):
    u = stored/'u.data'
    if spoil == 'append': u.write_text(U_DATA + '3\t1\t4\t881250960\n')          # a learner adds a rating
    if spoil == 'truncate': u.write_text(U_DATA[:20])
    if spoil == 'same_size': u.write_text(U_DATA.replace('\t5\t', '\t4\t'))
    if spoil == 'delete_item': (stored/'u.item').unlink()
    if spoil == 'delete_manifest': (stored/'MANIFEST.json').unlink()      # not MovieLens 100k: cannot be adopted
    before = {p.name: p.read_bytes() for p in stored.iterdir()}
    assert len(load_movielens(verbose=False).ratings) == 5                # a fresh copy
    [aside] = kept(stored)
    assert {p.name: p.read_bytes() for p in aside.iterdir()} == before    # the changed copy, exactly as it was
    err = capsys.readouterr().err
    assert f"It is kept as {aside}" in err
    assert cs._damage(stored) is None and leftovers(stored.parent) == [aside.name]


def test_offline_the_changed_copy_is_kept_and_the_error_says_where(stored, monkeypatch):
    (stored/'u.data').write_text(U_DATA + '3\t1\t4\t881250960\n')
    monkeypatch.setattr(cs, 'GROUPLENS_URL', 'http://127.0.0.1:9/ml-100k.zip')
    with pytest.raises(RuntimeError) as e: load_movielens(verbose=False)
    [aside] = kept(stored)
    assert f"it is kept as {aside}" in str(e.value)
    assert (aside/'u.data').read_text().endswith('3\t1\t4\t881250960\n')


def test_twice_changed_copies_are_both_kept(stored):
    for extra in ('3\t1\t4\t881250960\n', '3\t1\t2\t881250961\n'):
        (stored/'u.data').write_text(U_DATA + extra)
        load_movielens(verbose=False)
    assert sorted((p/'u.data').read_text()[-20:] for p in kept(stored)) == sorted((U_DATA + e)[-20:] for e in
                                                                               ('3\t1\t4\t881250960\n', '3\t1\t2\t881250961\n'))


def test_a_file_where_the_copy_goes_is_kept(data_home, grouplens_zip, offline, monkeypatch):
    data_home.mkdir()
    (data_home/'ml-100k').write_text('my notes about ml-100k')
    serve_grouplens(monkeypatch, grouplens_zip)
    assert len(load_movielens(verbose=False).ratings) == 5
    [aside] = kept(data_home/'ml-100k')
    assert aside.read_text() == 'my notes about ml-100k'


def test_storing_a_given_100k_keeps_the_damaged_copy(data_home, tmp_path, capsys, real_tables):
    folder = data_home/'ml-100k'
    cs._store(real_tables, folder, 'a test')
    with open(folder/'u.data', 'ab') as f: f.write(b'1\t2000\t5\t881250949\n')
    z = make_zip(tmp_path/'ml-100k.zip', {f'ml-100k/{f}': b for f, b in real_tables.items()})
    ml = load_movielens(z)
    [aside] = kept(folder)
    assert ml.is_100k and f"(stored in {folder})" in ml.source and f"kept as {aside}" in capsys.readouterr().err
    assert (aside/'u.data').read_bytes().endswith(b'1\t2000\t5\t881250949\n') and cs._damage(folder) is None


def test_a_write_error_names_the_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path/'bias.pt'
    target.write_bytes(b'old model')
    with pytest.raises(OSError, match=f'could not write {target}: No space left on device'):
        with atomic_write(target) as tmp:
            tmp.write_bytes(b'half')
            raise OSError(errno.ENOSPC, 'No space left on device')
    assert target.read_bytes() == b'old model' and os.listdir(tmp_path) == ['bias.pt']
    (tmp_path/'models').mkdir()
    with pytest.raises(IsADirectoryError, match='models is a folder, so no file can be written there'):
        with atomic_write(tmp_path/'models') as tmp: tmp.write_bytes(b'model')
