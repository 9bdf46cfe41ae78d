"Fixtures: a temporary data folder, tiny MovieLens files in both source formats, and a network that is switched off."
import hashlib, io, zipfile
from pathlib import Path
import pytest
import collabnb.sources as cd

# Three users, three movies, five ratings: GroupLens' layout...
U_DATA = "1\t1\t5\t881250949\n1\t2\t3\t881250950\n2\t1\t4\t881250951\n3\t3\t1\t881250952\n3\t2\t2\t881250953\n"
FLAGS = {1: "0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0", 2: "0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|1|0|0",
         3: "0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0"}
TITLES = {1: ("Toy Story", 1995), 2: ("GoldenEye", 1995), 3: ("Kolya", 1996)}
U_ITEM = ''.join(f"{m}|{t} ({y})|01-Jan-{y}||http://x|{FLAGS[m]}\n" for m, (t, y) in TITLES.items())
U_USER = "1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|32067\n"

# ...and recbole's
RB_INTER = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n" + U_DATA
RB_ITEM = ("item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
           "1\tToy Story\t1995\tAnimation Children's Comedy\n2\tGoldenEye\t1995\tAction Adventure Thriller\n3\tKolya\t1996\tDrama\n")
RB_USER = "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n" + U_USER.replace('|', '\t')


def make_zip(path: Path, files: dict) -> Path:
    with zipfile.ZipFile(path, 'w') as z:
        for name, text in files.items(): z.writestr(name, text)
    return path


def digest(path: Path, algo: str) -> str: return hashlib.new(algo, Path(path).read_bytes()).hexdigest()


@pytest.fixture
def grouplens_zip(tmp_path):
    return make_zip(tmp_path/'ml-100k.zip', {'ml-100k/u.data': U_DATA, 'ml-100k/u.item': U_ITEM, 'ml-100k/u.user': U_USER})


@pytest.fixture
def recbole_wheel(tmp_path):
    rb = 'recbole/dataset_example/ml-100k/ml-100k'
    (tmp_path/'whl').mkdir()
    return make_zip(tmp_path/'whl'/'recbole-1.2.1-py3-none-any.whl',
                    {f'{rb}.inter': RB_INTER, f'{rb}.item': RB_ITEM, f'{rb}.user': RB_USER, 'recbole/__init__.py': ''})


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    "An empty data folder in COLLABNB_DATA"
    d = tmp_path/'data'
    monkeypatch.setenv('COLLABNB_DATA', str(d))
    return d


@pytest.fixture
def offline(monkeypatch):
    "GroupLens refuses connections (a closed port on this machine); pip cannot reach PyPI"
    monkeypatch.setattr(cd, 'GROUPLENS_URL', 'http://127.0.0.1:9/ml-100k.zip')
    def no_pip(spec, dest, timeout=cd.TIMEOUT): raise OSError(f"pip download {spec} failed: network is unreachable")
    monkeypatch.setattr(cd, '_pip_download', no_pip)


def serve_grouplens(monkeypatch, zip_path: Path, md5: str = None):
    "Point the GroupLens source at a local zip, pinning its MD5 (or `md5`)"
    monkeypatch.setattr(cd, 'GROUPLENS_URL', zip_path.as_uri())
    monkeypatch.setattr(cd, 'GROUPLENS_MD5', md5 or digest(zip_path, 'md5'))


def serve_pypi(monkeypatch, wheel: Path, sha256: str = None):
    "Make the PyPI mirror hand out `wheel`, pinning its SHA-256 (or `sha256`)"
    def fake_pip(spec, dest, timeout=cd.TIMEOUT):
        out = Path(dest)/wheel.name
        out.write_bytes(wheel.read_bytes())
        return out
    monkeypatch.setattr(cd, '_pip_download', fake_pip)
    monkeypatch.setattr(cd, 'RECBOLE_SHA256', sha256 or digest(wheel, 'sha256'))


def leftovers(folder: Path) -> list:
    "Everything in the data folder but a complete ml-100k"
    return sorted(p.name for p in Path(folder).iterdir() if p.name != 'ml-100k') if Path(folder).exists() else []
