"Issue 24's gaps: an empty COLLABNB_DATA, a folder the system will not make, and the data summary's path."
import os, subprocess, sys
from pathlib import Path
import pytest
from test_cli import COLLABNB, run, small_movielens


def bare(*args, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(COLLABNB), *args], capture_output=True, text=True, timeout=300, env=dict(os.environ, **env))


@pytest.mark.parametrize('value', ['', ' ', '\t'])
@pytest.mark.parametrize('args', [('data',), ('train', '--epochs', '1'), ('recommend', '--user', '1'), ('predict', '--user', '1', '--movie', '1')])
def test_an_empty_collabnb_data_is_an_error_not_the_default_folder(args, value):
    r = bare(*args, COLLABNB_DATA=value)
    assert r.returncode == 2 and r.stdout == '', (r.stdout, r.stderr)
    line = r.stderr.strip()
    assert len(line.splitlines()) == 1 and f"COLLABNB_DATA is set but empty ({value!r})" in line, line
    assert 'unset COLLABNB_DATA' in line and 'set it to a folder' in line, line


def test_a_folder_the_system_will_not_make_is_named_with_the_fix(tmp_path):
    import collabnb.sources as cd
    cd._store(small_movielens(), tmp_path/'ml-100k', 'a small test set')
    r = bare('sheets', '/proc/nope/x', COLLABNB_DATA=str(tmp_path))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert 'cannot make the folder /proc/nope/x' in r.stderr and 'give a folder you can write the workbooks into' in r.stderr, r.stderr


def test_the_data_summary_names_the_data_folder_not_its_path(tmp_path):
    import collabnb.sources as cd
    cd._store(small_movielens(), tmp_path/'ml-100k', 'a small test set')
    r = run('data', data_home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "source: the data folder's ml-100k (from a small test set)" in r.stdout and str(tmp_path) not in r.stdout, r.stdout


def test_a_model_and_its_answers_copied_to_another_name_are_not_answered_as_that_model(tmp_path):
    "probe3 #25: `cp -p bias.pt dot.pt; cp -p bias.npz dot.npz` made `--model dot` print the bias model's answers as dot's"
    import shutil
    import collabnb.sources as cd
    cd._store(small_movielens(), tmp_path/'ml-100k', 'a small test set')
    assert run('train', '--model', 'bias', '--epochs', '1', data_home=tmp_path).returncode == 0
    models = tmp_path/'models'
    for ext in ('pt', 'npz'): shutil.copy2(models/f'bias.{ext}', models/f'dot.{ext}')
    for args in (('predict', '--user', '3', '--movie', '1'), ('similar', '1', '--min_ratings', '1'), ('recommend', '--user', '3')):
        r = run(*args, '--model', 'dot', data_home=tmp_path)
        assert r.returncode == 2 and r.stdout == '', (args, r.stdout)
        assert "dot.npz holds the answers of a 'bias' model, not 'dot'" in r.stderr, r.stderr
        assert f"{models/'dot.pt'} is not a 'dot' model saved by collabnb train" in r.stderr and 'collabnb train --model dot' in r.stderr


def test_sheets_never_overwrites_a_workbook_without_being_asked(tmp_path):
    "probe3 #54: `collabnb sheets DIR` replaced the learner's own filled-in graddesc.xlsx without a word"
    import collabnb.sources as cd
    cd._store(small_movielens(), tmp_path/'ml-100k', 'a small test set')
    out = tmp_path/'sheets'
    out.mkdir()
    (out/'graddesc.xlsx').write_bytes(b'my own work')
    r = run('sheets', str(out), '--epochs', '1', data_home=tmp_path)
    assert r.returncode == 2 and r.stdout == '', r.stdout
    assert f"{out/'graddesc.xlsx'} exists already" in r.stderr and '--overwrite' in r.stderr, r.stderr
    assert (out/'graddesc.xlsx').read_bytes() == b'my own work' and not (out/'collab_filter.xlsx').exists()
    r = run('sheets', str(out), '--epochs', '1', '--overwrite', data_home=tmp_path)
    assert r.returncode == 0 and (out/'graddesc.xlsx').read_bytes() != b'my own work', r.stderr


def test_a_models_folder_that_cannot_be_written_is_said_before_training(tmp_path, monkeypatch, capsys):
    "probe3 #42/#44: a read-only models/ was found out only after training"
    import collabnb.cli as cli, collabnb.sources as cd
    cd._store(small_movielens(), tmp_path/'ml-100k', 'a small test set')
    (tmp_path/'models').mkdir()
    monkeypatch.setenv('COLLABNB_DATA', str(tmp_path))
    real = os.access
    monkeypatch.setattr(cli.os, 'access', lambda p, mode: False if Path(p) == tmp_path/'models' else real(p, mode))
    for argv in (['train', '--epochs', '1'], ['predict', '--user', '3', '--movie', '1', '--model', 'dot']):
        assert cli.main(argv) == 2
        out, err = capsys.readouterr()
        assert 'epoch' not in out and 'epoch' not in err, (out, err)   # nothing trained
        assert f"cannot use {tmp_path/'models'}: Permission denied" in err and 'point COLLABNB_DATA at a folder of yours' in err, err


def test_a_late_ctrl_c_after_the_work_is_done_is_ignored(tmp_path, monkeypatch, capsys):
    "probe3 #50/#51: Ctrl-C while PyTorch's atexit ran printed a KeyboardInterrupt traceback after a complete run"
    import signal
    import collabnb.cli as cli, collabnb.sources as cd
    cd._store(small_movielens(), tmp_path/'ml-100k', 'a small test set')
    monkeypatch.setenv('COLLABNB_DATA', str(tmp_path))
    old = signal.getsignal(signal.SIGINT)
    try:
        monkeypatch.setattr(sys, 'argv', ['collabnb', 'data'])
        assert cli.main() == 0 and signal.getsignal(signal.SIGINT) == signal.SIG_IGN   # the script: done, Ctrl-C ignored
        signal.signal(signal.SIGINT, old)
        assert cli.main(['data']) == 0 and signal.getsignal(signal.SIGINT) == old   # a call from Python keeps it
    finally: signal.signal(signal.SIGINT, old)


@pytest.mark.parametrize('ratings, line', [("userId,movieId,rating,timestamp\n1,1,1,4,0\n1,2,1,5,0\n", 2),   # a column too many everywhere
                                           ("userId,movieId,rating,timestamp\n1,1,1,4,0\n1,2,5,0\n", 2)])   # in the first row only
def test_a_ratings_file_with_a_column_too_many_is_refused_not_shifted(tmp_path, ratings, line):
    "probe3 #84: pandas dropped a field and read every rating from the wrong column (mean 1.00 stars), with only a warning"
    d = tmp_path/'set'
    d.mkdir()
    (d/'ratings.csv').write_text(ratings)
    (d/'movies.csv').write_text("movieId,title,genres\n1,A,Drama\n2,B,Drama\n")
    r = run('data', '--path', str(d), data_home=tmp_path/'home')
    assert r.returncode == 2 and r.stdout == '', r.stdout
    assert f"ratings.csv, line {line}: expected 4 fields (user, movie, rating, timestamp), found 5" in r.stderr, r.stderr


def test_a_model_with_weights_that_are_not_numbers_is_refused(tmp_path):
    "probe3 #97: NaN weights gave 'nan stars' and 'user 1 has rated every movie' (false)"
    import collabnb.sources as cd
    cd._store(small_movielens(), tmp_path/'ml-100k', 'a small test set')
    assert run('train', '--model', 'bias', '--epochs', '1', data_home=tmp_path).returncode == 0
    models = tmp_path/'models'
    import torch
    saved = torch.load(models/'bias.pt', weights_only=True)
    saved['state'] = {k: torch.full_like(v, float('nan')) if v.is_floating_point() else v for k, v in saved['state'].items()}
    torch.save(saved, models/'bias.pt')
    (models/'bias.npz').unlink()
    for args in (('predict', '--user', '3', '--movie', '1'), ('recommend', '--user', '3', '--model', 'bias'), ('similar', '1')):
        r = run(*args, data_home=tmp_path)
        assert r.returncode == 2 and 'nan' not in r.stdout, (args, r.stdout)
        assert f"{models/'bias.pt'} holds weights that are not finite numbers" in r.stderr and 'collabnb train --model bias' in r.stderr, r.stderr


def test_collabnb_data_with_a_stray_space_or_naming_the_movielens_folder_is_said(tmp_path):
    "probe3 #109 and #95: a pasted trailing space, or the ml-100k folder itself, silently made a second data folder"
    import collabnb.sources as cd
    cd._store(small_movielens(), tmp_path/'ml-100k', 'a small test set')
    r = bare('predict', '--user', '3', '--movie', '1', COLLABNB_DATA=f'{tmp_path} ')
    assert r.returncode == 2 and 'begins or ends with a space: remove it' in r.stderr, r.stderr
    r = bare('predict', '--user', '3', '--movie', '1', COLLABNB_DATA=str(tmp_path/'ml-100k'))
    assert r.returncode == 2 and f"set it to the folder that holds ml-100k, such as {tmp_path}" in r.stderr, r.stderr
    assert not (tmp_path/'ml-100k'/'models').exists() and not (tmp_path/'ml-100k'/'ml-100k').exists()
