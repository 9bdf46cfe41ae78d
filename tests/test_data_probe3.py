"Issue 24, probe 3: values a reader took for something else (#114 True as a 1-star rating, #78 a NaN not named) and a refusal without its fix (#112 string ids)."
import re
import numpy as np, pandas as pd
import pytest
from collabnb.data import load_movielens, split_random
from collabnb.sources import DataError
from conftest import U_ITEM, U_USER
from test_data_bad_input import gl_zip

HEADER = "userId,movieId,rating,timestamp\n"


def a_set(tmp_path, ratings_csv: str):
    folder = tmp_path/'ml-latest'
    folder.mkdir()
    (folder/'ratings.csv').write_text(HEADER + ratings_csv)
    (folder/'movies.csv').write_text("movieId,title,genres\n1,A (1994),Drama\n2,B (2020),Drama\n")
    return folder


@pytest.mark.parametrize('likes', [[True, True], [True, False], np.array([True, True], dtype=object), [4.0, True]])
def test_a_bool_rating_column_is_refused_not_read_as_one_star(likes):
    df = pd.DataFrame(dict(user=[1, 2], movie=[1, 1], rating=likes))
    with pytest.raises(DataError, match=re.escape("rating True is True/False, a like, not a number: give stars from 1 to 5 "
                                                  "(df['rating'] = df.rating.map({True: 5, False: 1})")):
        split_random(df, valid_pct=0.)


def test_bool_ids_are_refused():
    with pytest.raises(DataError, match="row 1: user True is True/False, a like, not a number: ids are numbers"):
        split_random(pd.DataFrame(dict(user=[True, False], movie=[1, 1], rating=[4., 5.])), valid_pct=0.)


def test_true_in_a_ratings_file_is_refused(data_home, tmp_path):
    with pytest.raises(DataError, match="ratings.csv, line 3: rating '?True'? is (True/False|not a number)"):
        load_movielens(a_set(tmp_path, "1,1,4.0,1\n2,1,True,2\n"))
    tables = {'u.data': b"1\t1\t5\t881250949\n2\t1\tTrue\t881250950\n", 'u.item': U_ITEM.encode(), 'u.user': U_USER.encode()}
    with pytest.raises(DataError, match="u.data, line 2: rating 'True' is not a number"):
        load_movielens(gl_zip(tmp_path/'likes.zip', tables))


@pytest.mark.parametrize('value', ['NaN', 'nan', 'NA', 'null', 'N/A'])
def test_a_nan_rating_is_named(data_home, tmp_path, value):
    with pytest.raises(DataError, match=f"ratings.csv, line 3: rating '{value}' is not a number"):
        load_movielens(a_set(tmp_path, f"1,1,4.0,1\n2,1,{value},2\n"))


def test_an_empty_rating_is_still_a_missing_field(data_home, tmp_path):
    with pytest.raises(DataError, match="line 3: expected 4 fields .* found fewer or an empty one"):
        load_movielens(a_set(tmp_path, "1,1,4.0,1\n2,1,,2\n"))


@pytest.mark.parametrize('col', ['user', 'movie'])
def test_string_ids_are_refused_with_the_fix(col):
    df = pd.DataFrame(dict(user=[1, 2], movie=[1, 2], rating=[4., 5.])).assign(**{col: ['alice', 'bob']})
    fix = f"df['{col}'] = df['{col}'].astype('category').cat.codes + 1"
    with pytest.raises(DataError, match=re.escape(f"row 1: {col} 'alice' is not a number: number the ids first, {fix}")):
        split_random(df, valid_pct=0.)
    df[col] = df[col].astype('category').cat.codes + 1   # the fix, as the message gives it, works
    assert split_random(df, valid_pct=0.).n_users == 2


@pytest.mark.parametrize('note', ["PyPI mirror: recbole-1.2.1-py3-none-any.whl (sha256 …), recbole/dataset_example/ml-100k",
                                  "GroupLens, https://files.grouplens.org/datasets/movielens/ml-100k.zip (md5 …)"])
def test_a_copy_whose_source_claims_100k_but_holds_other_ratings_is_said(data_home, capsys, note):
    "Probe 3 #93: u.data cut short with MANIFEST.json written to match is not trusted as the fetched MovieLens 100k"
    import collabnb.sources as cs
    from test_cli import small_movielens
    cs._store(small_movielens(), data_home/'ml-100k', note)   # a hand-made manifest: sizes and hashes match the files
    ml = load_movielens()
    assert len(ml.ratings) == 260 and 'NOT MovieLens 100k: 260 ratings' in ml.source and 'NOT MovieLens 100k' in repr(ml)
    err = capsys.readouterr().err
    assert "holds 260 ratings, not MovieLens 100k's" in err and f"delete {data_home/'ml-100k'} to fetch" in err


def test_a_small_set_stored_as_itself_is_used_without_a_word(data_home, capsys):
    import collabnb.sources as cs
    from test_cli import small_movielens
    cs._store(small_movielens(), data_home/'ml-100k', 'a small test set')
    assert len(load_movielens().ratings) == 260 and capsys.readouterr().err == ''


def test_a_damaged_copy_that_cannot_be_replaced_says_it_is_damaged_and_why(data_home, monkeypatch):
    "Probe 3 #47: a line appended to u.data in a read-only data folder: the message names u.data, not only the permission"
    import errno
    import collabnb.sources as cs
    from test_cli import small_movielens
    cs._store(small_movielens(), data_home/'ml-100k', 'a small test set')
    with open(data_home/'ml-100k'/'u.data', 'a') as f: f.write("1\t2\t3\t4\n")
    def refused(path): raise PermissionError(errno.EACCES, 'Permission denied', str(path))
    monkeypatch.setattr(cs, '_fresh_dir', refused)   # the data folder cannot be written (as root, chmod would not say no)
    with pytest.raises(PermissionError, match=f"The stored MovieLens 100k is damaged \\({data_home/'ml-100k'/'u.data'} has "
                                              f".* bytes; it had .* when stored\\), so a fresh copy is needed, but "
                                              f"MovieLens 100k cannot be stored in {data_home}"):
        load_movielens()
