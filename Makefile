# Gridline: `make run` serves the demo, `make test` checks everything.
SHELL := /bin/bash
CARGO ?= cargo
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test fmt-check clippy calendar-check pg-up python-deps browser-deps deploy-deps mail-sink bench fuzz-api build clean deny unused-deps

## run: build, migrate, seed the demo on first start, serve on http://127.0.0.1:8080 (SQLite in ./data)
run:
	$(CARGO) run --release -p gridline -- serve --demo

## test: formatting, lints, the calendar cross-check, every suite on SQLite and PostgreSQL,
## the pages in headless Chromium
test: fmt-check clippy calendar-check python-deps browser-deps deploy-deps pg-up
	@if command -v cargo-nextest >/dev/null 2>&1; then \
		GRIDLINE_TEST_PG=$(PG_URL) $(CARGO) nextest run --workspace --no-fail-fast; \
	else \
		GRIDLINE_TEST_PG=$(PG_URL) $(CARGO) test --workspace --no-fail-fast; \
	fi

fmt-check:
	$(CARGO) fmt --all --check

## deny: licences, duplicate crates (each reasoned in deny.toml) and sources (CI runs it;
## RustSec advisories are not checked: their database lives on GitHub, out of reach here)
deny:
	@command -v cargo-deny >/dev/null 2>&1 || $(CARGO) install --locked cargo-deny
	$(CARGO) deny check bans licenses sources

## unused-deps: dependencies declared but used by no code (CI runs it)
unused-deps:
	@command -v cargo-machete >/dev/null 2>&1 || $(CARGO) install --locked cargo-machete
	cargo machete

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## python-deps: chinesecalendar (the calendar cross-check) and aiosmtpd (the tests' SMTP server)
python-deps:
	@python3 -c 'import chinese_calendar, aiosmtpd' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check chinesecalendar aiosmtpd

## browser-deps: Debian's Chromium, its WebDriver, a CJK font (the page tests and their
## screenshots) and poppler's pdfinfo/pdftotext (the printed bulletin is read back)
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 \
		|| ! command -v pdftotext >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'cjk'; then \
		echo "installing chromium, chromium-driver, fonts-noto-cjk, poppler-utils"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk poppler-utils; \
	fi

## deploy-deps: nginx and systemd-analyze, which check the files in deploy/
deploy-deps:
	@if ! command -v nginx >/dev/null 2>&1 || ! command -v systemd-analyze >/dev/null 2>&1 \
		|| ! command -v openssl >/dev/null 2>&1; then \
		echo "installing nginx-light, systemd, openssl"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light systemd openssl; \
	fi

calendar-check: python-deps
	python3 tests/calendar_check.py

## pg-up: start the local PostgreSQL cluster if it is not answering
pg-up:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		echo "starting PostgreSQL"; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
		for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi
	@pg_isready -h 127.0.0.1 -p 5432

## mail-sink: a local SMTP server on 127.0.0.1:2525 (the development default) that keeps every
## message `make run` sends as data/mail/NNNNNN.eml
mail-sink: python-deps
	python3 tests/smtp_sink.py --port 2525 --dir data/mail

## bench: seeds 10k, 100k and 1M tickets on SQLite and PostgreSQL and measures; BENCH_ARGS=--quick for 10k only
bench: pg-up
	$(CARGO) build --release -p gridline -p gridline-bench
	target/release/gridline-bench $(BENCH_ARGS)

## fuzz-api: schemathesis against the OpenAPI document, as each role (not part of `make test`)
fuzz-api:
	$(CARGO) build -p gridline
	MAX_EXAMPLES=$${MAX_EXAMPLES:-25} tests/fuzz_api.sh

build:
	$(CARGO) build --workspace --all-targets

clean:
	rm -rf data
