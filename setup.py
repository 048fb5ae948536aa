"""The optional C extension of rules/batch.py (everything else is in pyproject.toml).

rules._stepone builds the first search's text in one pass; where it cannot be compiled (no C
compiler or Python headers), the install goes on without it and rules/batch.py does the same work
in Python, with the same results, more slowly.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("rules._stepone", ["rules/_stepone.c"], optional=True)])
