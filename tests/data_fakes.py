"The data tests' network, simulated: GroupLens and the PyPI mirror served from local files, or unreachable; and the real MovieLens 100k's bytes."
import hashlib, os
from pathlib import Path
import pytest
import collabnb.sources as cs


def digest(path: Path, algo: str) -> str: return hashlib.new(algo, Path(path).read_bytes()).hexdigest()


@pytest.fixture
def offline(monkeypatch):
    "GroupLens refuses connections (a closed port on this machine); pip cannot reach PyPI"
    monkeypatch.setattr(cs, 'GROUPLENS_URL', 'http://127.0.0.1:9/ml-100k.zip')
    def no_pip(spec, dest, timeout=cs.TIMEOUT): raise OSError(f"pip download {spec} failed: network is unreachable")
    monkeypatch.setattr(cs, '_pip_download', no_pip)


def serve_grouplens(monkeypatch, zip_path: Path, md5: str = None):
    "Point the GroupLens source at a local zip, pinning its MD5 (or `md5`)"
    monkeypatch.setattr(cs, 'GROUPLENS_URL', zip_path.as_uri())
    monkeypatch.setattr(cs, 'GROUPLENS_MD5', md5 or digest(zip_path, 'md5'))


def serve_pypi(monkeypatch, wheel: Path, sha256: str = None):
    "Make the PyPI mirror hand out `wheel`, pinning its SHA-256 (or `sha256`)"
    def fake_pip(spec, dest, timeout=cs.TIMEOUT):
        out = Path(dest)/wheel.name
        out.write_bytes(wheel.read_bytes())
        return out
    monkeypatch.setattr(cs, '_pip_download', fake_pip)
    monkeypatch.setattr(cs, 'RECBOLE_SHA256', sha256 or digest(wheel, 'sha256'))


@pytest.fixture(scope='session')
def real_tables() -> dict:
    "The bytes of the real MovieLens 100k's u.data, u.item, u.user, from the project's own data folder (fetched there if need be)"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv('COLLABNB_DATA', raising=False)
        cs.movielens_100k(verbose=False)
        folder = cs.data_dir()/'ml-100k'
        return {f: (folder/f).read_bytes() for f in cs.ML_FILES}


def kept(folder: Path) -> list:
    "The copies moved aside beside `folder` (`ml-100k.kept-…`)"
    return sorted(p for p in folder.parent.iterdir() if p.name.startswith(folder.name + '.kept-'))
