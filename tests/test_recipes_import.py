"The recipe registry is on the CLI's train path: importing it must stay light."
import subprocess, sys


def test_recipes_import_is_light():
    code = ("import sys, collabnb.recipes, collabnb.search; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('fastai', 'optuna', 'sklearn') "
            "or m == 'matplotlib.pyplot'))")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == '[]', r.stdout


def test_recipe_api_is_kept():
    "Other lessons and the CLI call `recipe(name, data)`, `fit_settings`, `recipe_run`, `benchmark`, `bench_table`"
    from collabnb.recipes import MODELS, recipe, fit_settings, recipe_settings, recipe_run, book_run, benchmark, bench_table
    assert MODELS == ('bias', 'dot', 'net')
    for name in MODELS:
        kw = fit_settings(name)
        assert {'epochs', 'lr', 'bs', 'wd', 'wd_mode'} <= set(kw), kw
        assert recipe_settings(name)['model'] in ('DotProductBias', 'DotProduct', 'EmbeddingNet')
