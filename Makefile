# writ: the two commands of the README, and the targets behind them.
#   make dev    install what is missing, build, start `writ server -dev`
#   make test   install what is missing, build, run every suite, print "N passed, N failed"

.PHONY: all deps build release dev test test-asan asan fuzz bench format check clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake --preset dev >/dev/null
	@cmake --build build/dev

release: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release

dev: release
	build/release/writ server -dev

test: build
	@scripts/test.sh build/dev

asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build build/asan

test-asan: asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		scripts/test.sh build/asan

fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build build/fuzz

bench: release
	@bench/run.sh build/release
	@bench/rego.sh build/release
	@bench/decision.sh build/release
	@bench/nginx_authz.sh build/release

format:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

check:
	@scripts/checksrc.sh

clean:
	rm -rf build
