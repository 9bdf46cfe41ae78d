"What `collabnb.interpret` answers when asked about movies by title or id (issue 24, cause 6), and its refusals."
import re
import numpy as np, pandas as pd
import pytest, torch
from collabnb.readers import MovieLens
from collabnb.data import split_random
from collabnb.models import DotProductBias, SigmoidRange
from collabnb.interpret import find_movie, similar, predict, recommend, bias_table, movie_pca
from collabnb.titles import AmbiguousMovie

TITLES = {50: 'Star Wars (1977)', 187: 'Godfather: Part II, The (1974)', 218: 'Cape Fear (1991)',
          330: '187 (1997)', 673: 'Cape Fear (1962)', 246: 'Chasing Amy (1997)', 268: 'Chasing Amy (1997)',
          1: 'Toy Story (1995)'}
COUNTS = {50: 30, 187: 20, 218: 17, 330: 4, 673: 8, 246: 12, 268: 25, 1: 22}   # ratings of each movie


@pytest.fixture(scope='module')
def data():
    "Movies named like MovieLens' own, rated by 40 users; every movie rated by distinct users"
    rng = np.random.default_rng(0)
    rows = [(u, m, int(rng.integers(1, 6))) for m, n in COUNTS.items() for u in rng.choice(40, n, replace=False) + 1]
    ratings = pd.DataFrame(rows, columns=['user', 'movie', 'rating']).assign(timestamp=0)
    movies = pd.DataFrame(dict(movie=list(TITLES), title=list(TITLES.values()), year=1990, genres='Drama'))
    return split_random(MovieLens(ratings, movies, None, 'a test set'), valid_pct=0.2, seed=0)


@pytest.fixture(scope='module')
def model(data):
    torch.manual_seed(0)
    return DotProductBias(data.n_users, data.n_movies, n_factors=4, head=SigmoidRange(0, 5.5))


def test_a_title_of_two_films_is_never_settled_silently(data):
    with pytest.raises(AmbiguousMovie) as e: find_movie(data, 'Cape Fear')
    msg = str(e.value)
    assert 'movie 218, Cape Fear (1991), 17 ratings; movie 673, Cape Fear (1962), 8 ratings' in msg
    assert "give the title with its year ('Cape Fear (1991)' or 'Cape Fear (1962)') or the movie id (218 or 673)" in msg
    assert [c[0] for c in e.value.candidates] == [218, 673]
    assert isinstance(e.value, ValueError)            # the CLI reports ValueErrors as messages, exit 2


def test_the_year_or_the_id_chooses(data):
    assert find_movie(data, 'Cape Fear (1962)') == 673
    assert find_movie(data, 'cape fear (1991)') == 218
    assert find_movie(data, 673) == 673


def test_one_title_under_two_ids_asks_for_the_id(data):
    with pytest.raises(AmbiguousMovie, match=re.escape('To choose, give the movie id (268 or 246)')):
        find_movie(data, 'Chasing Amy (1997)')


def test_a_number_may_be_an_id_or_a_title(data):
    assert find_movie(data, 187) == 187                # an int is an id
    assert find_movie(data, '187 (1997)') == 330       # a title with its year is the title
    with pytest.raises(AmbiguousMovie) as e: find_movie(data, '187')
    assert [(c[0], c[3]) for c in e.value.candidates] == [(187, 'id'), (330, 'title')]
    assert "'Godfather: Part II, The (1974)' or '187 (1997)'" in str(e.value)
    assert find_movie(data, '50') == 50                # digits that are no title: the id


def test_characters_that_are_not_digits_get_a_clear_message(data):
    for q in ('²', '٣'):                               # str.isdigit() says True for both; int() refuses '²'
        with pytest.raises(KeyError) as e: find_movie(data, q)
        assert f"no movie titled {q!r}" in e.value.args[0] and 'invalid literal' not in e.value.args[0]
    with pytest.raises(KeyError, match="no movie has the id or the title '-1': the ids run from 1 to 673"):
        find_movie(data, '-1')
    with pytest.raises(KeyError, match='movie id 99999 is not in the data'): find_movie(data, 99999)
    with pytest.raises(ValueError, match='the movie is empty'): find_movie(data, ' ')
    with pytest.raises(TypeError, match='got the float 50.0'): find_movie(data, 50.0)


def test_similar_says_when_the_floor_leaves_nothing(data, model):
    with pytest.raises(ValueError) as e: similar(model, data, 'Star Wars', min_ratings=100_000)
    assert str(e.value) == ("no movie but Star Wars (1977) itself has 100,000 ratings or more "
                            "(the most-rated has 25): lower min_ratings")
    assert len(similar(model, data, 'Star Wars', min_ratings=20)) == 3   # fewer than n pass: those
    with pytest.raises(ValueError, match='min_ratings must be a whole number of at least 0, got -1'):
        similar(model, data, 50, min_ratings=-1)


def test_similar_and_predict_refuse_an_ambiguous_title(data, model):
    with pytest.raises(AmbiguousMovie): similar(model, data, 'Cape Fear')
    with pytest.raises(AmbiguousMovie): predict(model, data, 1, 'Cape Fear')
    assert predict(model, data, 1, 'Cape Fear (1962)') == predict(model, data, 1, 673)


def test_sizes_and_unknowns_are_named(data, model):
    with pytest.raises(KeyError, match='99999'): predict(model, data, user=99999, movie=1)
    with pytest.raises(KeyError, match='Star Warz'): predict(model, data, user=1, movie='Star Warz')
    with pytest.raises(ValueError, match='n must be a whole number of at least 1, got -3'): recommend(model, data, 1, n=-3)
    with pytest.raises(KeyError, match='99999'): recommend(model, data, 99999)
    small = DotProductBias(data.n_users - 1, data.n_movies, 4)
    with pytest.raises(ValueError, match=f'the model has {data.n_users - 1} user rows but the data has {data.n_users} users'):
        recommend(small, data, 1)
    wrong = DotProductBias(data.n_users, data.n_movies - 1, 4)
    for f in (lambda: similar(wrong, data, 50), lambda: movie_pca(wrong, data, top=3), lambda: bias_table(wrong, data)):
        with pytest.raises(ValueError, match=f'{data.n_movies - 1} movie rows'): f()


def test_a_failed_map_leaves_no_figure(data, model):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from collabnb.moviemap import movie_map
    bare = split_random(data.ml.ratings, valid_pct=0.2, seed=0)
    before = plt.get_fignums()
    with pytest.raises(ValueError, match='without a movie table'): movie_map(model, bare, n=3, genres=('Drama',))
    assert plt.get_fignums() == before
