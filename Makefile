# SPDX-License-Identifier: Apache-2.0
# Thin wrapper over CMake/CTest. The quick start is `make run` and `make check`.
#   make        build (build/)
#   make run    the main job: the demo (scripts/run-demo.sh)
#   make check  all tests: fuzz smoke runs, a Release (-O3) build of the programs, the suite
#               under ASan+UBSan, then the plain suite
#   make bench  benchmarks (bench/), not tests
#   make fuzz   long libFuzzer runs (FUZZ_SECONDS per harness, default 300)
#   make format / format-check   clang-format
# run/check install missing Debian packages when run as root (scripts/deps.sh).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan
RELEASE_BUILD ?= build-release
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
CTEST_FLAGS ?= --output-on-failure -j$(JOBS)
SOURCES = $(shell git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'tools/*.c' 'bench/*.c' 2>/dev/null)

.PHONY: all build deps-build deps-run deps-check run check check-asan check-plain check-fuzz \
	check-release \
	bench fuzz format format-check clean

all: build

deps-build:
	@scripts/deps.sh build
deps-run:
	@scripts/deps.sh run
deps-check:
	@scripts/deps.sh check

build: deps-build
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

run: deps-run build
	scripts/run-demo.sh $(BUILD)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMM_ASAN=ON -DMM_UBSAN=ON >/dev/null

check-asan: $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_FLAGS) -LE browser

check-fuzz:
	scripts/fuzz.sh $(FUZZ_BUILD) smoke

# -O3 inlines more and GCC then warns about things -O2 does not see; under
# -Werror such a warning would break a packager's Release build. The programs
# only: the tests run in the other two builds.
check-release:
	cmake -S . -B $(RELEASE_BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(RELEASE_BUILD) -j$(JOBS) --target mamori-sensor mamori-center mamori

check-plain: build
	cd $(BUILD) && ctest $(CTEST_FLAGS)

# The plain suite runs last so its CTest summary is the closing line.
check: deps-check format-check check-fuzz check-release check-asan check-plain

bench: deps-check build
	scripts/bench.sh $(BUILD)

fuzz: deps-check
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_BUILD) long

format:
	clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run --Werror $(SOURCES) || \
		{ echo "clang-format: run 'make format'"; exit 1; }

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(RELEASE_BUILD)
