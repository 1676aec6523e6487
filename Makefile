# Thin wrapper over the CMake build (in the manner of neovim's): the targets a person types.
# `make demo` and `make test` install missing packages first, so each is the only command needed.
MAKEFLAGS += --no-print-directory
BUILD      ?= build
TEST_BUILD ?= build-asan
BENCH_BUILD ?= build-bench
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE      ?= cmake

.PHONY: all deps build test demo bench fuzz screenshots golden install clean format

all: build

deps:
	@bash scripts/deps.sh

build:
	@$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@$(CMAKE) --build $(BUILD) -j $(JOBS)

# The optimized build too: `make demo` uses it, and -O2 finds warnings that -O0 does not.
test: deps build
	@$(CMAKE) -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMM_SANITIZE=ON >/dev/null
	@$(CMAKE) --build $(TEST_BUILD) -j $(JOBS)
	@cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

demo: deps build
	@$(BUILD)/mmadmin --demo

bench: deps
	@$(CMAKE) -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DMM_TESTS=OFF >/dev/null
	@$(CMAKE) --build $(BENCH_BUILD) -j $(JOBS)
	@bash scripts/bench.sh $(BENCH_BUILD)

# libFuzzer over every outside parser (clang): FUZZ_SECONDS each (make test runs 20 s each).
fuzz: deps
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} bash tests/fuzz/run.sh

screenshots: deps build
	@bash scripts/screenshots.sh $(BUILD)

# Rewrites the golden screens of tests/tui/golden after a deliberate change (read the diff).
golden: build
	@MM_GOLDEN_UPDATE=1 MMADMIN=$(BUILD)/mmadmin MMSIM=$(BUILD)/mmsim MM_SOURCE_DIR=$(CURDIR) \
		bash tests/tui/test_golden.sh

install: build
	@$(CMAKE) --install $(BUILD)

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(BENCH_BUILD) build-fuzz
