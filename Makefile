# Two commands do everything on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.10 2>/dev/null || ls $(HOME)/.pyenv/versions/3.10*/bin/python3.10 2>/dev/null | tail -n 1)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL_STAMP := var/models/.trained
# The platform's rated-review history (docs/data-formats.md); here, the shared real reviews.
HISTORY_EXPORT ?= ../shared/corpora/platform_reviews.tsv

WEB_STAMP := web/node_modules/.installed

.PHONY: setup train run test eval eval-chat model bench bench-chat lint lock clean system-deps browser-deps haproxy-deps \
	web-deps node-deps pdf-deps report

setup: $(STAMP) $(WEB_STAMP)

# The dashboard's chart library (Apache ECharts) from the npm registry, at the exact version and
# integrity hash web/package-lock.json records (npm ci refuses a mismatch), into the git-ignored
# web/node_modules that the web server serves as /static/vendor/ and the report renders with.
web-deps: $(WEB_STAMP)

$(WEB_STAMP): web/package.json web/package-lock.json | node-deps
	cd web && npm ci --ignore-scripts --no-audit --no-fund
	touch $(WEB_STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -n "$(PYTHON)" || { echo "Python 3.10 not found: install it (pyenv install 3.10) and retry"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q pip==24.0
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	$(BIN)/pip check
	touch $(STAMP)

# Retrain only when training data, domain or config changed.
train: setup
	$(BIN)/outreach bot train

run: setup
	$(BIN)/outreach run

# The same demo on the scaled set-up (docs/operations.md#scaled-set-up): PostgreSQL at
# 127.0.0.1:5432 (database outreach_scaled, created if missing; OUTREACH_DATABASE_URL overrides),
# Redis at 127.0.0.1:6379 (OUTREACH_REDIS_URL), OUTREACH_RASA_REPLICAS, OUTREACH_ACTION_SERVERS
# and OUTREACH_SCHEDULER_WORKERS (default 2 each); HAProxy in front, supervisord over all.
run-scaled: setup haproxy-deps
	$(BIN)/outreach run-scaled

# What the tests need from Debian.
system-deps: browser-deps haproxy-deps node-deps pdf-deps

# Node.js and npm: install the chart library and render the report's charts as SVG.
node-deps:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  apt-get update && apt-get install -y nodejs npm; fi

# pdftotext (poppler-utils): the report test reads the PDF's text.
pdf-deps:
	@if ! command -v pdftotext >/dev/null; then apt-get update && apt-get install -y poppler-utils; fi

# The browser tests: headless Chromium and a Chinese font.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi micro hei"; then \
	  apt-get update && apt-get install -y chromium fonts-wqy-microhei; fi

# The scaled set-up's load balancer (deploy/haproxy.cfg.template); supervisord starts it, not systemd.
haproxy-deps:
	@if [ ! -x /usr/sbin/haproxy ]; then apt-get update && apt-get install -y haproxy; fi

# The tests that start the real servers need the trained Rasa model; the others do not: they run
# beside the training and those tests (the machine's second core), their output shown at the end.
# With PYTEST_ARGS (a selection), one pytest run after the training.
# The browser tests of the web pages run after them too: the session without servers is the longer
# of the two, so the pages' browser start-ups are moved to the other core.
SERVER_TESTS := tests/e2e tests/faults tests/scaled tests/bot/test_rasa.py tests/bot/test_graph_runner.py tests/bot/test_rule_states.py \
	tests/security/test_fuzz.py tests/security/test_local_files.py \
	tests/web/test_chat_buttons_browser.py tests/web/test_dashboard_browser.py tests/web/test_leads_browser.py \
	tests/reports/test_weekly_report.py
# Restarts the PostgreSQL server itself: run alone, after both sessions, whose connections it would cut.
PG_RESTART_TEST := tests/faults/test_faults.py::test_a_postgresql_restart_mid_payouts_loses_and_doubles_nothing_and_the_scheduler_carries_on
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider

test: setup system-deps
	$(BIN)/ruff check .
ifeq ($(strip $(PYTEST_ARGS)),)
	@mkdir -p var; \
	  $(PYTEST) --durations=12 $(addprefix --ignore=,$(SERVER_TESTS)) > var/test-without-servers.log 2>&1 & \
	  without=$$!; \
	  $(BIN)/outreach bot train && $(PYTEST) --durations=12 $(SERVER_TESTS) --deselect $(PG_RESTART_TEST); \
	  servers=$$?; \
	  wait $$without; without_rc=$$?; \
	  $(PYTEST) $(PG_RESTART_TEST); restart=$$?; \
	  echo "--- the tests without servers (var/test-without-servers.log) ---"; cat var/test-without-servers.log; \
	  echo "tests with servers: exit $$servers; tests without servers: exit $$without_rc;" \
	    "the PostgreSQL restart: exit $$restart"; \
	  test $$servers -eq 0 -a $$without_rc -eq 0 -a $$restart -eq 0
else
	$(BIN)/outreach bot train
	$(PYTEST) $(PYTEST_ARGS)
endif

# Diagnosis accuracy of the model in use on the held-back real reviews (hurt versus ok, with the
# plain baseline and calibration), the labelled real reviews (twelve labels), the written held-back
# set and multi-problem messages, and Rasa's NLU cross-validation; a precision-recall chart goes to
# var/eval/. Exits non-zero when a target is missed.
eval: setup
	$(BIN)/outreach eval --export $(HISTORY_EXPORT) --rasa-folds 3

# The conversation corpus (tests/conversations/, docs/conversation-corpus.md) played through the
# real Rasa, action and web servers: success rate by kind of conversation (target 95 %) and each
# failure with its transcript. Prints the figure, never fails on it. Narrow it down with
# EVAL_CHAT_ARGS="--kind shares --quiet" or "--id terse-crab-three-dead". A held-out set
# (tests/conversations/heldout*/, never tuned on): EVAL_CHAT_ARGS="--set heldout-fresh5";
# --set all for every set.
eval-chat: setup
	$(BIN)/outreach bot train
	$(BIN)/python -m tests.support.eval_chat $(EVAL_CHAT_ARGS)

# Rebuild the shipped diagnosis model from the history export and the labelled examples in data/
# (a test checks that the committed model is what this builds).
model: setup
	$(BIN)/outreach model train --export $(HISTORY_EXPORT) --out outreach/diagnosis/shipped

# Bulk triage throughput (texts/s per core) on a generated corpus of 1 million texts.
bench: setup
	$(BIN)/python bench/triage.py

# Simulated buyers chatting with the embedded and scaled set-ups and a plain Rasa bot, at
# concurrency 1, 10 and 50 (docs/performance.md). Quick smoke run: make bench-chat BENCH_ARGS=--quick
bench-chat: setup haproxy-deps
	$(BIN)/outreach bot train
	$(BIN)/python bench/chat_load.py $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check .

# Re-resolve the full dependency set after changing pyproject.toml.
lock:
	rm -rf /tmp/outreach-lock && $(PYTHON) -m venv /tmp/outreach-lock
	/tmp/outreach-lock/bin/pip install -q pip==24.0 && /tmp/outreach-lock/bin/pip install -q -e '.[dev]'
	(echo "# Full resolved dependency set for Python 3.10, applied as constraints by 'make setup'."; \
	 echo "# Regenerate with 'make lock' after changing pyproject.toml."; \
	 /tmp/outreach-lock/bin/pip freeze --exclude-editable) | sort -f > requirements.lock

# The weekly report for the last 7 days (docs/metrics.md#weekly-report): PDF and HTML under var/reports/.
report: setup
	$(BIN)/outreach report weekly --out var/reports/weekly.pdf
	$(BIN)/outreach report weekly --out var/reports/weekly.html

clean:
	rm -rf var/ .pytest_cache web/node_modules
