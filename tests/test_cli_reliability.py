"""The `collabnb` command against careless use (issue 24): answers bound to their model and data (cause 2), every
number bounded before work starts (cause 3), interrupts, kills and damaged files (cause 5), and the command's words (cause 6).
Each test runs the installed command in a fresh process, in a data folder of its own holding a small MovieLens-format set."""
import io, json, os, resource, shutil, signal, subprocess, sys, time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
import numpy as np
import pytest, torch
import collabnb.sources as cd
from collabnb.data import synthetic_ratings
from fastcore.xtras import modified_env
from test_cli import COLLABNB, GENRE_FLAGS, run, small_movielens


def cli(home, *args) -> subprocess.CompletedProcess:
    "Run `collabnb *args` in this process (no PyTorch import per run), with `home` as the data folder"
    from collabnb.cli import main
    out, err = io.StringIO(), io.StringIO()
    with modified_env(COLLABNB_DATA=str(home)), redirect_stdout(out), redirect_stderr(err): code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def store(home: Path, files: dict, note='a small test set') -> Path:
    "Store `files` as the data folder's MovieLens 100k (replacing what is there), with its manifest, as a fetch stores it"
    shutil.rmtree(home/'ml-100k', ignore_errors=True)
    cd._store(files, home/'ml-100k', note)
    return home


def with_titles(titles: dict, seed=0) -> dict:
    "The small set, with some movies renamed: {movie id: title}"
    files = small_movielens(seed=seed)
    items = files['u.item'].decode('latin-1').splitlines()
    for m, t in titles.items(): items[m - 1] = f"{m}|{t}|01-Jan-1990||http://x|{GENRE_FLAGS}"
    return {**files, 'u.item': ('\n'.join(items) + '\n').encode('latin-1')}


@pytest.fixture(scope='module')
def base(tmp_path_factory):
    "A data folder holding the small set and a 'bias' model trained by the installed command, with its answers"
    home = store(tmp_path_factory.mktemp('base'), small_movielens())
    r = run('train', '--model', 'bias', '--epochs', '2', data_home=home)
    assert r.returncode == 0, r.stderr
    return home


@pytest.fixture
def home(base, tmp_path):
    "A copy of `base` for one test to change"
    shutil.copytree(base, tmp_path/'home')
    return tmp_path/'home'


@pytest.fixture
def empty(tmp_path):
    "A data folder holding the small set and no model"
    return store(tmp_path/'empty', small_movielens())


def larger_movielens() -> dict:
    "GroupLens' files of a planted set large enough that training the net recipe for many epochs takes minutes"
    ml, _ = synthetic_ratings(n_users=300, n_movies=300, density=0.3, seed=0)
    r = ml.ratings.assign(rating=ml.ratings.rating.round().astype(int))
    data = ''.join(f"{u}\t{m}\t{y}\t{t}\n" for u, m, y, t in r[['user', 'movie', 'rating', 'timestamp']].itertuples(index=False))
    items = ''.join(f"{m}|Movie {m} (1990)|01-Jan-1990||http://x|{GENRE_FLAGS}\n" for m in ml.movies.movie)
    users = ''.join(f"{u}|30|M|other|00000\n" for u in ml.users.user)
    return {'u.data': data.encode(), 'u.item': items.encode(), 'u.user': users.encode()}


def trained(home, *args) -> Path:
    r = cli(home, 'train', '--model', 'bias', '--epochs', '2', *args)
    assert r.returncode == 0, r.stderr
    return home/'models'


def leftovers(models: Path) -> list:
    "Everything in `models` but saved models and answers"
    import re
    return sorted(p.name for p in models.iterdir() if not re.fullmatch(r'[a-z]+\.(pt|npz)', p.name)) if models.exists() else []


def library_prediction(home, user, movie) -> float:
    "What the library predicts with the saved bias model, loaded with PyTorch, not through the answers"
    from collabnb import cli, interpret
    old = os.environ.get('COLLABNB_DATA')
    os.environ['COLLABNB_DATA'] = str(home)
    try:
        with redirect_stderr(io.StringIO()): m, data, _ = cli.load_trained('bias')
        return interpret.predict(m, data, user, movie)
    finally:
        if old is None: del os.environ['COLLABNB_DATA']
        else: os.environ['COLLABNB_DATA'] = old


def predicted(r) -> float:
    assert r.returncode == 0, r.stderr
    return float(r.stdout.split(': ')[-1].split()[0])


# Cause 2: the answers belong to one model file and one data set

@pytest.mark.parametrize('put_back', ['older model', 'older answers'])
def test_a_model_and_answers_of_different_runs_are_never_paired(home, tmp_path, put_back):
    models = trained(home, '--seed', '1')
    for f in ('bias.pt', 'bias.npz'): shutil.copy2(models/f, tmp_path/f)
    trained(home, '--seed', '2')
    if put_back == 'older model': shutil.copy2(tmp_path/'bias.pt', models/'bias.pt')   # `cp -p`: its old file time
    else:
        shutil.copy2(tmp_path/'bias.npz', models/'bias.npz')
        os.utime(models/'bias.npz')   # and newer than the model
    r = cli(home, 'predict', '--user', '3', '--movie', '1')
    assert predicted(r) == pytest.approx(library_prediction(home, 3, 1), abs=0.006)


def test_answers_of_other_data_are_not_used(home):
    "The data replaced by a set where user 3 rated other movies: the answers are not those of the old data"
    store(home, small_movielens(seed=1))
    r = cli(home, 'recommend', '--user', '3', '-n', '30', '--model', 'bias')
    assert r.returncode in (0, 2), r.stderr
    if r.returncode == 2: assert 'trained on other data' in r.stderr and 'collabnb train --model bias' in r.stderr
    else:
        rated = {int(l.split('\t')[1]) for l in small_movielens(seed=1)['u.data'].decode().splitlines() if l.split('\t')[0] == '3'}
        shown = {int(l.split()[0]) for l in r.stdout.splitlines()[2:]}
        assert shown and not shown & rated, (shown & rated, r.stdout)


def test_a_model_of_data_that_lost_users_is_refused(home):
    files = small_movielens()
    rows = [l for l in files['u.data'].decode().splitlines(keepends=True) if int(l.split('\t')[0]) <= 35]
    store(home, {**files, 'u.data': ''.join(rows).encode()})
    for args in (('recommend', '--user', '3', '--model', 'bias'), ('predict', '--user', '3', '--movie', '1'), ('similar', '1')):
        r = cli(home, *args)
        assert r.returncode == 2 and 'was trained on other data' in r.stderr, (args, r.stdout, r.stderr)


# Cause 3: every number has a range, checked before any work

@pytest.mark.parametrize('args, option, low, high', [
    (('sheets', 'OUT', '--epochs', '0'), 'epochs', '1', '100'),
    (('sheets', 'OUT', '--epochs', '-3'), 'epochs', '1', '100'),
    (('sheets', 'OUT', '--epochs', '100000'), 'epochs', '1', '100'),
    (('sheets', 'OUT', '--seed', '-1'), 'seed', '0', '4,294,967,295'),
    (('train', '--seed', '-1'), 'seed', '0', '4,294,967,295'),
    (('train', '--seed', '18446744073709551616'), 'seed', '0', '4,294,967,295'),
    (('train', '--epochs', '0'), 'epochs', '1', '1,000'),
    (('train', '--epochs', '100000'), 'epochs', '1', '1,000'),
    (('bench', '--threads', '0'), 'threads', '1', f'{os.cpu_count():,}'),
    (('bench', '--fastai_epochs', '0'), 'fastai_epochs', '1', '100'),
    (('bench', '--seeds', '0', '-1'), 'seeds', '0', '4,294,967,295'),
    (('recommend', '--user', '0'), 'user', '1', '9,223,372,036,854,775,807'),
    (('recommend', '--user', '18446744073709551616'), 'user', '1', '9,223,372,036,854,775,807'),
    (('recommend', '--user', '3', '-n', '0'), 'n', '1', '1,000'),
    (('similar', '1', '--min_ratings', '0'), 'min_ratings', '1', '1,000,000,000'),
    (('similar', '1', '-n', '1_000'), 'n', '1', '1,000'),
    (('predict', '--user', '-5', '--movie', '1'), 'user', '1', '9,223,372,036,854,775,807'),
])
def test_every_number_is_bounded_before_any_work(empty, tmp_path, args, option, low, high):
    args = [str(tmp_path/'out') if a == 'OUT' else a for a in args]
    r = cli(empty, *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert f'--{option}: must be a whole number from {low} to {high}' in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and 'Traceback' not in r.stderr
    assert not (empty/'models').exists() and not (tmp_path/'out').exists()   # nothing trained, nothing written


def test_bench_refuses_repeated_seeds(empty):
    r = cli(empty, 'bench', '--seeds', '3', '3')
    assert r.returncode == 2 and '--seeds repeats a seed' in r.stderr


# Cause 5: interrupts, kills, damaged files, a full disk

def loading(p: subprocess.Popen, library: str = 'libtorch', timeout: float = 120):
    "Wait until process `p` has mapped a shared `library` (PyTorch: the command is past Python's own start-up)"
    t0 = time.monotonic()
    while library not in Path(f'/proc/{p.pid}/maps').read_text():
        assert p.poll() is None and time.monotonic() - t0 < timeout
        time.sleep(0.02)


@pytest.mark.parametrize('sig, code, after', [(signal.SIGINT, 130, 0), (signal.SIGINT, 130, 3.0), (signal.SIGTERM, 143, 1.0)])
def test_an_interrupt_is_one_line_and_leaves_nothing_half_written(tmp_path, sig, code, after):
    "Interrupted while importing PyTorch, or reading the data, or training"
    home = store(tmp_path/'home', larger_movielens())
    p = subprocess.Popen([str(COLLABNB), 'train', '--model', 'net', '--epochs', '1000'], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=dict(os.environ, COLLABNB_DATA=str(home)))
    loading(p)
    time.sleep(after)
    p.send_signal(sig)
    out, err = p.communicate(timeout=120)
    assert p.returncode == code, (out, err)
    assert len(err.strip().splitlines()) == 1 and 'interrupted' in err and 'Traceback' not in err, err
    assert not (home/'models'/'net.pt').exists() and leftovers(home/'models') == []


def test_an_interrupted_sheets_leaves_no_partial_workbook(home, tmp_path):
    out = tmp_path/'sheets'
    p = subprocess.Popen([str(COLLABNB), 'sheets', str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, COLLABNB_DATA=str(home)))
    loading(p)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode in (0, 130) and 'Traceback' not in err, err
    import openpyxl
    for f in (out.iterdir() if out.exists() else []):
        assert f.name in ('graddesc.xlsx', 'collab_filter.xlsx'), f.name   # no temporary file left
        openpyxl.load_workbook(f)                                          # and what is there is whole


def test_leftovers_of_killed_processes_are_removed_and_nothing_else(home):
    models = home/'models'
    dead = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'], capture_output=True, text=True).stdout.strip()
    ours = f'.bias.collabnb-{cd._HOST}-{dead}-0123abcd.tmp.npz'   # what `collabnb.sources` names its temporary files
    mine = ['tmpk3j4h5g6', f'.bias-{dead}-0123abcd.tmp.npz', 'notes.txt']   # a user's files, and names like ours but not ours
    for n in (ours, *mine): (models/n).write_bytes(b'x' * 1000)
    r = cli(home, 'predict', '--user', '3', '--movie', '1')
    assert r.returncode == 0, r.stderr
    assert leftovers(models) == sorted(mine)


def test_a_killed_train_leaves_nothing_the_next_command_trips_on(home):
    for after in (1.0, 3.0):
        p = subprocess.Popen([str(COLLABNB), 'train', '--model', 'bias', '--epochs', '3'], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=dict(os.environ, COLLABNB_DATA=str(home)))
        time.sleep(after)
        p.kill()
        p.wait()
        r = cli(home, 'predict', '--user', '3', '--movie', '1')
        assert r.returncode == 0 and 'stars' in r.stdout, r.stderr
        assert leftovers(home/'models') == []


@pytest.mark.parametrize('manifest', ['null', '{"u.data": 1, "u.item": 2, "u.user": 3}',
                                      '{"u.data": {"size": 1}, "u.item": {"size": 1}, "u.user": {"size": 1}}', '[1, 2]'])
def test_a_malformed_manifest_is_named_with_the_fix(home, offline, monkeypatch, manifest):
    from collabnb.cli import main
    path = home/'ml-100k'/'MANIFEST.json'
    sizes = {f: (home/'ml-100k'/f).stat().st_size for f in cd.ML_FILES}
    manifest = manifest.replace('"size": 1', '"size": SIZE')
    for f, n in sizes.items(): manifest = manifest.replace(f'"{f}": {{"size": SIZE}}', f'"{f}": {{"size": {n}}}')
    path.write_text(manifest)
    monkeypatch.setenv('COLLABNB_DATA', str(home))
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err): code = main(['data'])   # offline: the copy cannot be replaced
    assert code == 2 and str(path) in err.getvalue() and 'Traceback' not in err.getvalue(), err.getvalue()


@pytest.mark.parametrize('content', [b'junk\n', b'', b'\x80\x02}q\x00.', b'PK\x03\x04 not a zip'])
def test_a_damaged_model_file_is_named_with_the_fix(home, content):
    models = home/'models'
    (models/'bias.pt').write_bytes(content)
    for args in (('predict', '--user', '3', '--movie', '1'), ('recommend', '--user', '3', '--model', 'bias'), ('similar', '1')):
        r = cli(home, *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert str(models/'bias.pt') in r.stderr and 'collabnb train --model bias' in r.stderr, r.stderr


@pytest.mark.parametrize('damage', ['plain', 'titles', 'scores', 'seen', 'version', 'junk',
                                    'user_ids:str', 'seen:float', 'trained:int', 'unit:list', 'movie_ids:reversed'])
def test_damaged_answers_are_recomputed(home, damage):
    models = home/'models'
    queries = [('similar', 'star wars', '-n', '3', '--min_ratings', '1'), ('recommend', '--user', '3', '-n', '4', '--model', 'bias'),
               ('predict', '--user', '3', '--movie', 'Return of the Jedi')]
    good = [cli(home, *q) for q in queries]
    arrays = dict(np.load(models/'bias.npz'))
    arrays.pop(damage, None)
    if ':' in damage:   # an array of another kind, which `np.load` reads without complaint
        k, how = damage.split(':')
        arrays[k] = dict(str=lambda a: a.astype(str), float=lambda a: a.astype(float), int=lambda a: a.astype(int),
                         list=lambda a: np.array([a]), reversed=lambda a: a[::-1])[how](arrays[k])
    if damage == 'junk': (models/'bias.npz').write_bytes(b'junk')
    else:
        with open(models/'bias.npz', 'wb') as f: np.savez(f, **arrays)
    for q, g in zip(queries, good):
        r = cli(home, *q)
        assert r.returncode == 0 and r.stdout == g.stdout, (q, r.stdout, r.stderr)


def test_a_folder_where_the_model_goes_is_named_before_training(empty):
    (empty/'models'/'bias.pt').mkdir(parents=True)
    r = cli(empty, 'train', '--model', 'bias')
    assert r.returncode == 2 and f"{empty/'models'/'bias.pt'} is a folder" in r.stderr, r.stderr
    assert 'valid RMSE' not in r.stdout and '.tmp' not in r.stderr
    r = cli(empty, 'predict', '--user', '3', '--movie', '1')
    assert r.returncode == 2 and f"{empty/'models'/'bias.pt'} is a folder" in r.stderr, r.stderr


def test_a_full_disk_saves_nothing_and_names_the_file(base, empty):
    sizes = {p.suffix: p.stat().st_size for p in (base/'models').iterdir()}
    assert sizes['.pt'] < sizes['.npz'], sizes   # a limit between the two: the model fits, its answers do not
    limit = (sizes['.pt'] + sizes['.npz']) // 2
    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG, as one on a full disk does
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    r = subprocess.run([str(COLLABNB), 'train', '--model', 'bias', '--epochs', '1'], capture_output=True, text=True,
                       env=dict(os.environ, COLLABNB_DATA=str(empty)), preexec_fn=small_files)
    assert r.returncode == 2 and 'Traceback' not in r.stderr, r.stderr
    assert f"cannot use {empty/'models'/'bias.npz'}: File too large" in r.stderr, r.stderr
    assert not (empty/'models'/'bias.pt').exists() and leftovers(empty/'models') == []


# Cause 6: the command's words

@pytest.fixture
def titled(tmp_path):
    "A set where movies 5 and 6 share a title, and movie 7 is titled '3' (like ml-100k's '187 (1997)')"
    home = store(tmp_path/'titled', with_titles({5: 'Cape Fear (1991)', 6: 'Cape Fear (1962)', 7: '3 (1997)'}))
    trained(home)
    return home


def test_an_ambiguous_title_lists_the_movies(titled):
    r = cli(titled, 'similar', 'Cape Fear')
    assert r.returncode == 2 and "'Cape Fear' could be 2 movies" in r.stderr, (r.stdout, r.stderr)
    assert 'movie 5, Cape Fear (1991)' in r.stderr and 'movie 6, Cape Fear (1962)' in r.stderr
    r = cli(titled, 'predict', '--user', '3', '--movie', 'cape fear')
    assert r.returncode == 2 and "'cape fear' could be 2 movies" in r.stderr
    r = cli(titled, 'similar', 'Cape Fear (1962)', '--min_ratings', '1')
    assert r.returncode == 0 and r.stdout.startswith('nearest to Cape Fear (1962) (movie 6)'), r.stdout


def test_digits_that_are_an_id_and_a_title_are_both_listed(titled):
    r = cli(titled, 'similar', '3', '--min_ratings', '1')
    assert r.returncode == 2 and "'3' could be 2 movies" in r.stderr, (r.stdout, r.stderr)
    assert 'movie 3, Movie 3 (1990)' in r.stderr and 'movie 7, 3 (1997)' in r.stderr
    r = cli(titled, 'similar', '3 (1997)', '--min_ratings', '1')
    assert r.stdout.startswith('nearest to 3 (1997) (movie 7)'), r.stdout


@pytest.mark.parametrize('movie, expected', [('²', "no movie titled '²'"), ('-1', "no movie has the id or the title '-1'"),
                                             ('99999999999999999999', "no movie has the id or the title '99999999999999999999'"),
                                             ('', 'the movie is empty')])
def test_a_movie_that_is_not_there_is_said(home, movie, expected):
    for args in (('similar', movie), ('predict', '--user', '3', '--movie', movie)):
        r = cli(home, *args)
        assert r.returncode == 2 and expected in r.stderr and 'Traceback' not in r.stderr, (args, r.stderr)


def test_similar_says_which_movie_and_when_nothing_is_left(home):
    r = cli(home, 'similar', 'star wars', '-n', '2', '--min_ratings', '1')
    assert r.returncode == 0 and r.stdout.startswith('nearest to Star Wars (1977) (movie 1)'), r.stdout
    r = cli(home, 'similar', 'Star Wars', '--min_ratings', '100000')
    assert r.returncode == 2 and 'Empty DataFrame' not in r.stdout
    assert 'no movie but Star Wars (1977) itself has 100,000 ratings or more' in r.stderr, r.stderr


def test_an_unknown_model_is_said_first(empty):
    for args in (('recommend', '--user', '3'), ('similar', '1'), ('predict', '--user', '3', '--movie', '1'), ('train',)):
        r = cli(empty, *args, '--model', 'svd')
        assert r.returncode == 2 and r.stderr.splitlines()[0].endswith("unknown model 'svd': choose one of bias, dot, net, ials, bpr"), r.stderr
        assert 'training' not in r.stderr and not (empty/'models').exists()


def test_a_data_folder_that_is_a_file_is_said(tmp_path):
    f = tmp_path/'not-a-folder'
    f.write_text('x')
    for args in (('data',), ('train',), ('predict', '--user', '1', '--movie', '1')):
        r = cli(f, *args)
        assert r.returncode == 2 and f'the data folder {f} is a file, not a folder' in r.stderr, r.stderr


def test_an_ascii_terminal_gets_escapes_not_a_crash(tmp_path):
    home = store(tmp_path/'home', small_movielens(), note='PyPI mirror: recbole-1.2.1 (sha256 9c9948202011…)')
    r = subprocess.run([str(COLLABNB), 'data'], capture_output=True, env=dict(os.environ, COLLABNB_DATA=str(home),
                                                                             PYTHONIOENCODING='ascii'))
    assert r.returncode == 0 and b'260 ratings by 40 users' in r.stdout and b'9c9948202011\\u2026' in r.stdout, r.stderr


def test_an_empty_path_is_said(empty):
    r = cli(empty, 'data', '--path', '')
    assert r.returncode == 2 and 'the path is empty' in r.stderr


def test_a_model_file_with_weights_of_another_kind_is_named(home):
    models = home/'models'
    saved = torch.load(models/'bias.pt', weights_only=True)
    for state in ({k: 'x' for k in saved['state']}, {k: [1.0] for k in saved['state']}, {'other': torch.zeros(1)}):
        torch.save({**saved, 'state': state}, models/'bias.pt')
        (models/'bias.npz').unlink(missing_ok=True)
        r = cli(home, 'predict', '--user', '3', '--movie', '1')
        assert r.returncode == 2 and "holds weights that do not fit the 'bias' recipe" in r.stderr, r.stderr
        assert 'Traceback' not in r.stderr and 'a bug' not in r.stderr


@pytest.mark.parametrize('where', ['models', 'data/models'])
def test_a_file_where_a_folder_goes_is_said_with_the_fix(empty, tmp_path, where):
    "`models` a file in the data folder, or the data folder below a file: said, with what to do"
    if where == 'models': home, blocker = empty, empty/'models'
    else: blocker = tmp_path/'data'; home = blocker/'inner'
    blocker.write_text('my notes')
    for args in (('train', '--epochs', '1'), ('predict', '--user', '3', '--movie', '1')):
        r = cli(home, *args)
        assert r.returncode == 2 and 'Traceback' not in r.stderr and 'a bug' not in r.stderr, r.stderr
        assert str(blocker) in r.stderr and 'move the file' in r.stderr, r.stderr
    assert blocker.read_text() == 'my notes'


@pytest.mark.parametrize('outdir', ['FILE/sub', 'FILE', 'FILE/a/b'])
def test_sheets_into_a_file_is_refused_before_any_work(home, tmp_path, outdir):
    f = tmp_path/'notes.txt'
    f.write_text('mine')
    r = cli(home, 'sheets', outdir.replace('FILE', str(f)))
    assert r.returncode == 2 and f'{f} is a file' in r.stderr and 'give a folder' in r.stderr, r.stderr
    assert f.read_text() == 'mine'


def test_sheets_makes_no_folder_when_the_data_cannot_be_had(tmp_path, offline):
    out = tmp_path/'new'/'sheets'
    r = cli(tmp_path/'no-data', 'sheets', str(out))
    assert r.returncode == 2 and 'Traceback' not in r.stderr, r.stderr
    assert not (tmp_path/'new').exists()


def test_one_seed_range_for_every_command(empty, tmp_path):
    "The largest seed `train` takes, `sheets` and `bench` take too, and the next one all refuse"
    top = str(2**32 - 1)
    r = cli(empty, 'sheets', str(tmp_path/'s'), '--seed', top, '--epochs', '1')
    assert r.returncode == 0 and (tmp_path/'s'/'graddesc.xlsx').exists(), r.stderr
    r = cli(empty, 'train', '--seed', top, '--epochs', '1', '--no_save')
    assert r.returncode == 0, r.stderr
    for args in (('train',), ('sheets', str(tmp_path/'t')), ('bench', '--seeds')):
        r = cli(empty, *args, *(() if args[-1] == '--seeds' else ('--seed',)), str(2**32))
        assert r.returncode == 2 and 'from 0 to 4,294,967,295' in r.stderr, (args, r.stderr)
