# Two commands for a fresh machine: `make run` regenerates every result offline, `make test` runs the tests.
# Both first build .venv from requirements.lock (exact versions, verified by hash); nothing else is downloaded.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
CORES ?= 2

.PHONY: install run test dag report lint lock clean snapshot slurm-test neighbourhoods

$(INSTALLED): requirements.lock pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --editable .
	touch $(INSTALLED)

install: $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/snakemake --profile workflow/profiles/default --cores $(CORES)

test: $(INSTALLED)
	$(BIN)/pytest

dag: $(INSTALLED)
	$(BIN)/snakemake --rulegraph > results/rulegraph.dot
	@echo "wrote results/rulegraph.dot (render with: dot -Tsvg results/rulegraph.dot > rulegraph.svg)"

report: $(INSTALLED)
	$(BIN)/snakemake --profile workflow/profiles/default --cores $(CORES) --report results/report.html

# A one-node SLURM cluster on this machine runs a scenario through the SLURM executor; its outputs must equal a
# local run's (needs root: installs slurm-wlm and munge with apt when missing; about 10 minutes on 2 cores).
slurm-test: $(INSTALLED)
	bash workflow/slurm/slurm_test.sh

# The neighbourhood scale (about 13,000 buurten, 999 and 9,999 permutations) with benchmarks of its heavy jobs.
neighbourhoods: $(INSTALLED)
	$(BIN)/snakemake neighbourhoods --profile workflow/profiles/default --cores $(CORES) \
		--configfile config/scenarios/neighbourhoods.yaml

lint: $(INSTALLED)
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile rules/

# Refresh data/ from the publishers' services (needs the network; see README "Online acquisition"): downloads
# everything first, then replaces the refreshable files and rewrites data/SHA256SUMS and data/SOURCES.md. Review
# the diff, then commit data/ together with resources/snapshot_provenance/.
snapshot: $(INSTALLED)
	$(BIN)/python -m afgehaakt.acquisition.refresh --configfile config/config.yaml

# Re-resolve requirements.in into requirements.lock (needs the uv tool; run by maintainers, not by users).
lock:
	uv pip compile requirements.in --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
		--generate-hashes --output-file requirements.lock

clean:
	rm -rf results/* logs .snakemake
	touch results/.gitkeep
