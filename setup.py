"""The optional native term counter (agenda/_scan.c); everything else is in pyproject.toml.

optional=True: without a C compiler the package installs without it, and agenda counts the
same terms with polars regexes instead.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("agenda._scan", ["agenda/_scan.c"], optional=True, extra_compile_args=["-O2"])])
