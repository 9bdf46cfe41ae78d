"Issue 24, probe 3: a title pasted in decomposed Unicode (#16) and a file on the way to the data folder (#39), through the command."
import unicodedata
from pathlib import Path
import numpy as np
import pytest
from collabnb.titles import match_movie, title_matches
from test_cli_reliability import cli, store, with_titles


@pytest.mark.parametrize('query', ['Misérables, Les (1995)', 'misérables, les', 'MISÉRABLES, LES (1995)'])
def test_a_title_in_decomposed_unicode_matches(query):
    titles, ids = ['Misérables, Les (1995)', 'Star Wars (1977)'], [1, 2]
    nfd = unicodedata.normalize('NFD', query)
    assert nfd != query and len(title_matches(titles, nfd)) == 1
    assert match_movie(nfd, titles, ids) == 1
    assert match_movie(query, [unicodedata.normalize('NFD', t) for t in titles], ids) == 1   # titles stored decomposed


def test_a_decomposed_title_through_the_command(tmp_path):
    home = store(tmp_path/'home', with_titles({3: 'Misérables, Les (1995)'}))
    assert cli(home, 'train', '--model', 'bias', '--epochs', '1').returncode == 0
    r = cli(home, 'predict', '--user', '1', '--movie', unicodedata.normalize('NFD', 'Misérables, Les (1995)'))
    assert r.returncode == 0 and 'Misérables, Les (1995) (movie 3)' in r.stdout, (r.stdout, r.stderr)


def test_a_file_on_the_way_to_the_data_folder_is_named(tmp_path):
    (tmp_path/'afile').write_text('not a folder')
    r = cli(tmp_path/'afile'/'sub', 'predict', '--user', '1', '--movie', '1')
    assert r.returncode == 2 and f"{tmp_path/'afile'} is a file where a folder should be; move the file" in r.stderr, r.stderr
