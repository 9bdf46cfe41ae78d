"""Sphinx configuration of the course's website; `python docs/build.py` stages the notebooks and runs Sphinx with it.

The notebooks are rendered from their stored outputs (myst-nb, never executed); maths is typeset
by MathJax 3 served from the site itself (sphinx-mathjax-offline), so the site works offline.
"""
from configparser import ConfigParser
from pathlib import Path

_cfg = ConfigParser(delimiters=['='])
_cfg.read(Path(__file__).resolve().parents[1]/'settings.ini', encoding='utf-8')
_cfg = _cfg['DEFAULT']

project = _cfg['lib_name']
author = _cfg['author']
copyright = _cfg['copyright']
release = _cfg['version']

root_doc = 'index'  # nbs/index.ipynb, the home page
extensions = ['myst_nb', 'sphinx.ext.mathjax', 'sphinx-mathjax-offline']
exclude_patterns = ['_build', '**.ipynb_checkpoints']
templates_path = [str(Path(__file__).parent/'_templates')]
html_static_path = [str(Path(__file__).parent/'_static')]
html_css_files = ['collabnb.css']

# Notebooks: the stored outputs, as committed; markdown outputs (nbdev's show_doc) parsed as MyST,
# so their parameter tables, headings and links render
nb_execution_mode = 'off'
nb_render_markdown_format = 'myst'
nb_merge_streams = True
myst_enable_extensions = ['dollarmath', 'amsmath', 'attrs_inline', 'colon_fence']
myst_heading_anchors = 3
suppress_warnings = ['myst.header', 'mystnb.unknown_mime_type']

# MathJax 3, local: sphinx-mathjax-offline copies its files into _static/mathjax and points mathjax_path there
mathjax3_config = {'tex': {'inlineMath': [['\\(', '\\)']], 'displayMath': [['\\[', '\\]']]}}

html_theme = 'sphinx_book_theme'
html_title = project
html_favicon = str(Path(__file__).parent/'_static'/'favicon.svg')
html_context = {'default_mode': 'light'}  # the theme complains in the console when it has none
html_last_updated_fmt = None
html_copy_source = False   # the notebooks are offered as .ipynb downloads instead
html_show_sourcelink = False
html_theme_options = {
    'home_page_in_toc': True,
    'show_navbar_depth': 1,
    'show_toc_level': 2,
    'use_download_button': False,
    'use_fullscreen_button': False,
    'use_repository_button': False,
    'navigation_with_keys': False,
}
