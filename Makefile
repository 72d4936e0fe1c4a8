# The README's two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# `make install GPU=1`: the CUDA 12.8 build of torch from PyTorch's wheel index and onnxruntime-gpu
# (the `gpu` extra) instead of onnxruntime (the `cpu` extra). The venv remembers the choice, so a
# later `make run` or `make test` keeps it; `make install GPU=0` goes back.
GPU ?= $(shell cat $(VENV)/.gpu 2>/dev/null || echo 0)
CUDA ?= cu128
TORCH_CUDA_INDEX ?= https://download.pytorch.org/whl/$(CUDA)
TORCH_PIN := $(shell grep -o '"torch==[^"]*"' pyproject.toml | tr -d '"')
ifeq ($(GPU),1)
  ONNX_EXTRA := gpu
  OTHER_ONNX := onnxruntime
else
  ONNX_EXTRA := cpu
  OTHER_ONNX := onnxruntime-gpu
endif
STAMP := $(VENV)/.installed-$(ONNX_EXTRA)
JS_STAMP := js/node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-postgres browser clean vendor extension

install: $(STAMP)

# Re-runs only when pyproject.toml changes, so `make run` and `make test` start fast.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# onnxruntime and onnxruntime-gpu write the same folder: the other one goes first.
	$(BIN)/python -m pip uninstall --quiet --yes $(OTHER_ONNX) 2>/dev/null || true
ifeq ($(GPU),1)
	$(BIN)/python -m pip install --quiet "$(TORCH_PIN)+$(CUDA)" --extra-index-url $(TORCH_CUDA_INDEX)
endif
	$(BIN)/python -m pip install --quiet -e ".[dev,$(ONNX_EXTRA)]"
	$(BIN)/python -m pip install --quiet --no-deps $$($(BIN)/python -c \
	  "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['tool']['safeface']['install-without-deps']))")
	rm -f $(VENV)/.installed*
	echo $(GPU) > $(VENV)/.gpu
	touch $@

# Debian's Chromium for the browser tests (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Debian's chromium (apt-get install chromium) for the browser tests."; fi; }

# The browser libraries in static/vendor/, from js/package-lock.json (`npm ci`: the exact versions,
# checked against their integrity hashes). The copies are committed, so `make run` and `make test`
# need no npm; tests/faceapi/test_vendored.py checks them against VENDORED.sha256.
NOBLE_HASHES := sha2.js _md.js _u64.js utils.js LICENSE
vendor: $(JS_STAMP)
	rm -rf static/vendor/noble-hashes && mkdir -p static/vendor/noble-hashes
	for name in $(NOBLE_HASHES); do cp js/node_modules/@noble/hashes/$$name static/vendor/noble-hashes/; done
	cd static/vendor && sha256sum noble-hashes/* > VENDORED.sha256

# The browser extension's packages (extension/ plus static/js/hashing.js, faces.js and the vendored
# SHA-256), one zip per browser and an unpacked copy, in build/extension/; the same sources give
# the same bytes. SERVER=https://faces.example.org makes it ask that server by default. The site
# serves the same packages, stamped with its own address, at /api/extension/.
extension: install
	$(BIN)/python -m faceapi.extension --out build/extension $(if $(SERVER),--server $(SERVER))

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	SAFEFACE_HTTPS=$${SAFEFACE_HTTPS:-false} HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start -f Procfile

# js/node_modules: the exact versions js/package-lock.json pins (Mozilla's addons-linter, which the
# tests run on the Firefox package; the vendored hashing library).
$(JS_STAMP): js/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the extension's checks (apt-get install npm)"; exit 1; }
	cd js && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

test: install browser $(JS_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache
