# Two commands for a fresh machine: `make run` and `make test`.
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
# Each mutant's test session copies this migrated database instead of migrating its own, into
# memory where the machine has a RAM disk.
MUTANTS_TEMPLATE := $(CURDIR)/mutants/template.sqlite3
# Some of them only, by name or pattern: make mutants MUTANTS='deliveries.package.*'
MUTANTS ?=
# What each mutant did, kept in git between runs: a run takes longer than a sitting, so each
# resumes where the last stopped, and tries a mutant again only when its function has changed
# (mutmut compares each function's hash) or when it is named in MUTANTS.
MUTATION_RESULTS := mutation-results
# Copies each module's results in mutants/ that is newer than the kept one. Which tests reach
# which function (mutmut-stats.json, megabytes) is not kept: each run works it out again.
KEEP_MUTATION_RESULTS = test ! -d mutants || (cd mutants && find . -name '*.meta' | while read -r file; do \
	kept="$(CURDIR)/$(MUTATION_RESULTS)/$$file"; \
	if [ ! -e "$$kept" ] || [ "$$file" -nt "$$kept" ]; then mkdir -p "$$(dirname "$$kept")" && cp -p "$$file" "$$kept"; fi; \
	done)
MUTANTS_TMPDIR := $(shell test -d /dev/shm && echo /dev/shm || echo $${TMPDIR:-/tmp})
# The first interpreter that is really 3.12 or newer (pyenv shims exist for versions they cannot run).
PYTHON := $(shell for p in python3.13 python3.12 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: run test mutants mutants-afresh lint format check messages compiled-messages clean

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is required; install it and run make again."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Local settings for development, made once from the documented example and then left alone.
.env:
	cp .env.example $@

# GNU gettext's msgfmt when the machine has it, otherwise Babel from requirements.txt.
compiled-messages: $(VENV)/.installed | .env
	@if command -v msgfmt >/dev/null 2>&1; then $(PY) manage.py compilemessages --verbosity 0 --ignore '.venv'; \
	else $(VENV)/bin/pybabel compile --domain django --directory locale --statistics; fi

run: compiled-messages | .env
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py create_demo_admin
	@echo "Serving on http://127.0.0.1:8000/ (admin: http://127.0.0.1:8000/admin/)"
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed-dev compiled-messages | .env
	$(PY) -m pytest $(PYTEST_ARGS)

# Mutation testing of the signing, counting and delivery code (docs/testing.md). It takes
# hours, so neither `make test` nor CI runs it. Always on SQLite, in a fresh copy of the project,
# resuming from $(MUTATION_RESULTS); `make mutants-afresh` forgets those first.
mutants: $(VENV)/.installed-dev compiled-messages
	$(KEEP_MUTATION_RESULTS)
	rm -rf mutants
	mkdir mutants
	env -u CACHE_URL DJANGO_DEBUG=on DATABASE_URL=sqlite:///$(MUTANTS_TEMPLATE) \
		$(PY) manage.py migrate --no-input --verbosity 0
	test ! -d $(MUTATION_RESULTS) || cp -pR $(MUTATION_RESULTS)/. mutants/
	env -u DATABASE_URL -u CACHE_URL DJANGO_DEBUG=on TEST_DATABASE_TEMPLATE=$(MUTANTS_TEMPLATE) \
		TEST_REDIS_URL=redis://127.0.0.1:6379/8 TMPDIR=$(MUTANTS_TMPDIR) $(VENV)/bin/mutmut run --max-children 2 $(MUTANTS); \
		status=$$?; $(KEEP_MUTATION_RESULTS); exit $$status
	$(VENV)/bin/mutmut results

mutants-afresh:
	rm -rf mutants $(MUTATION_RESULTS)
	$(MAKE) mutants

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: $(VENV)/.installed
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Refresh the translation catalogues after changing interface strings.
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale ko --locale zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache mutants
