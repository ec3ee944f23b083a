"""The optional native passes (agenda/engine/_scan.c, see agenda.engine.scan); everything else is in pyproject.toml.

optional=True: without a C compiler the package installs without them, and polars does the same
work with the same results.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[Extension("agenda.engine._scan", ["agenda/engine/_scan.c"], optional=True, extra_compile_args=["-O2"])]
)
