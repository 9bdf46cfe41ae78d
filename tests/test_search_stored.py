"Every recorded search is stored, and was run with the space, start and budget the library describes now."
import json
import pytest
from collabnb.evidence import results_dir
from collabnb.recipes import SEARCHED, space_of, start_of, _file


def _encoded(x):
    "`x` as `stored` keeps it: tuples become lists"
    return json.loads(json.dumps(x))


@pytest.mark.parametrize('name', list(SEARCHED))
def test_search_is_stored_with_the_current_space(name):
    path = results_dir()/f'{_file(name)}.json'
    assert path.exists(), f"no stored search for {name!r}: run searched({name!r}) and commit {path.name}"
    doc = json.loads(path.read_text())['result']
    assert doc['recipe'] == name
    assert doc['space'] == _encoded(space_of(name)), f"{name}: the space changed since the search ran; search again"
    assert doc['start'] == _encoded(start_of(name)), f"{name}: the first trial changed since the search ran"
    assert doc['n_trials'] == 40 and len(doc['cpu_seconds']) == 40


@pytest.mark.parametrize('name', list(SEARCHED))
def test_report_is_stored(name):
    path = results_dir()/f'{_file(name)}.seeds.json'
    assert path.exists(), f"no stored report over seeds 0-4 for {name!r}: run reported({name!r})"
    assert json.loads(path.read_text())['result']['__evidence__']['seeds'] == [0, 1, 2, 3, 4]
