"""Sphinx configuration of the drs release notes."""

extensions = ['reno.sphinxext']
project = 'drs Release Notes'
copyright = '2026, drs developers'
master_doc = 'index'
source_suffix = '.rst'
html_theme = 'alabaster'
exclude_patterns = []
