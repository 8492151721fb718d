# wca-scheduler — see README.md.  `make` builds build/wca-scheduler.
#
# Two builds share the sources: the normal one (build/) and an
# AddressSanitizer + UndefinedBehaviorSanitizer one (build/san/) that
# `make test` runs the whole suite under as well.

VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV   := $(shell git describe --always --dirty --abbrev=7 2>/dev/null || echo unknown)

CC        ?= cc
PREFIX    ?= /usr/local
DESTDIR   ?=
PYTHON    ?= python3

WARN      := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wpointer-arith -Wformat=2 \
             -ffp-contract=off
# (-ffp-contract=off: Trimaran's numbers are plain IEEE doubles with no
# fused multiply-add; load-aware.md 1.1.)
CPPFLAGS  += -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CFLAGS    ?= -O2 -g
CFLAGS    += $(WARN) -fno-strict-aliasing
INIH_LIBS := $(shell pkg-config --libs inih 2>/dev/null || echo -linih)
LDLIBS    += $(INIH_LIBS) -lbearssl -lm

# The release binary: fully static against musl, with Debian's libinih.a
# and libbearssl.a (spec: ../shared/spec/c-stack.md).  musl-gcc must not
# see glibc's headers, so the third-party headers are reached through
# links; src/compat/ supplies the glibc fortify checks libbearssl.a calls.
MUSL_CC   ?= musl-gcc
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
STATIC_CFLAGS := -O2 -std=c11 $(WARN) -ffunction-sections -fdata-sections \
		 -fno-asynchronous-unwind-tables -fno-unwind-tables
# BearSSL: Debian's libbearssl.a, or, once `make vendor-src` (or
# `make release`) has built it, the same Debian source rebuilt for musl at
# -O3 (vendor/fetch-debian-src.sh): Debian builds it -Os, which leaves
# full handshakes short of 1000/s (bench/RESULTS.md, issue 5).
VENDOR_BEARSSL := build/vendor/bearssl.a
BEARSSL_A ?= $(if $(wildcard $(VENDOR_BEARSSL)),$(VENDOR_BEARSSL),/usr/lib/$(MULTIARCH)/libbearssl.a)
STATIC_LIBS := /usr/lib/$(MULTIARCH)/libinih.a $(BEARSSL_A) -lm

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer

# build/gen/version.c is rewritten only when the version or revision
# changes, so a commit relinks the binary without recompiling everything.
SRCS      := $(wildcard src/*.c src/algo/*.c) build/gen/version.c
COMPAT    := src/compat/fortify_chk.c
OBJS      := $(subst build/obj/build/,build/obj/,$(SRCS:%.c=build/obj/%.o))
SAN_OBJS  := $(subst build/san/build/,build/san/,$(SRCS:%.c=build/san/%.o))
TEST_SRCS := $(wildcard test/unit/test_*.c)
TESTS     := $(TEST_SRCS:test/unit/%.c=build/test/%)
SAN_TESTS := $(TEST_SRCS:test/unit/%.c=build/san/test/%)
STATIC_OBJS := $(subst build/static/build/,build/static/,$(SRCS:%.c=build/static/%.o)) \
	       $(COMPAT:%.c=build/static/%.o)
# libFuzzer builds (see `make fuzz` below).
FUZZ_CC     ?= clang
FUZZ_FLAGS  := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
FUZZ_NAMES  := http extender promtext ini pem tls snapshot
FUZZ_OBJS   := $(subst build/fuzz/build/,build/fuzz/,$(SRCS:%.c=build/fuzz/%.o))
FUZZ_BINS   := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
BIN       := build/wca-scheduler
STATIC_BIN := build/static/wca-scheduler
SAN_BIN   := build/san/wca-scheduler
CONF      := conf/wca-scheduler.ini

.PHONY: all static release run test unit e2e bench fuzz fuzz-build soak clean install deps check-deps vendor-src FORCE
all: check-deps $(BIN)

# Point at the install line instead of a wall of missing-header errors.
check-deps:
	@test -f /usr/include/ini.h -a -f /usr/include/jsmn.h -a \
	  -f /usr/include/bearssl.h || { \
	  echo "missing build dependencies; run: sudo vendor/deps.sh" >&2; exit 1; }

$(BIN): build/obj/main.o $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

static: $(STATIC_BIN)

$(STATIC_BIN): build/static/main.o $(STATIC_OBJS) $(BEARSSL_A)
	$(MUSL_CC) -static -s -Wl,--gc-sections -o $@ $(filter-out $(BEARSSL_A),$^) $(STATIC_LIBS)

# The release binary as shipped: BearSSL rebuilt from Debian's source
# package (needs the Debian archive), then `make static` with it.
release: vendor-src
	$(MAKE) static BEARSSL_A=$(VENDOR_BEARSSL)

build/static/inc/.stamp: Makefile
	@mkdir -p $(dir $@)
	ln -sf /usr/include/ini.h /usr/include/jsmn.h /usr/include/bearssl.h \
	    /usr/include/bearssl $(dir $@)
	@touch $@

build/static/gen/%.o: build/gen/%.c build/static/inc/.stamp
	@mkdir -p $(dir $@)
	$(MUSL_CC) -Iinclude -Ibuild/static/inc -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(STATIC_CFLAGS) -c -o $@ $<

# Code that runs at start-up, on a reload, per scrape or for an
# operator's GET or command, never per scheduling call: built for size.
# With no unwind tables (a C program that never unwinds: 44 KB of
# .eh_frame), that keeps the release binary under 500 KB.
STATIC_COLD := config.o storeview.o notify.o decisions.o stats.o capture.o \
	       snapshot.o offline.o simulate.o x509.o scrape.o router.o
$(addprefix build/static/src/,$(STATIC_COLD)) build/static/main.o \
    build/static/src/algo/params.o build/static/src/algo/registry.o: STATIC_OPT := -Os

build/static/%.o: %.c build/static/inc/.stamp
	@mkdir -p $(dir $@)
	$(MUSL_CC) -Iinclude -Ibuild/static/inc -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(STATIC_CFLAGS) $(STATIC_OPT) -MMD -MP -c -o $@ $<

$(SAN_BIN): build/san/main.o $(SAN_OBJS)
	$(CC) $(CPPFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/gen/version.c: FORCE
	@mkdir -p $(dir $@)
	@printf '#include "version.h"\nconst char wca_version[] = "%s";\nconst char wca_revision[] = "%s";\n' \
	  '$(VERSION)' '$(GIT_REV)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

build/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/san/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(SAN_FLAGS) -c -o $@ $<

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

# test_decisions counts the allocations the code under test makes.
TEST_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
build/test/test_decisions build/san/test/test_decisions: TEST_LDFLAGS := $(TEST_WRAP)

build/test/%: test/unit/%.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itest/unit $(CFLAGS) -o $@ $< $(OBJS) $(TEST_LDFLAGS) $(LDLIBS)

build/san/test/%: test/unit/%.c $(SAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itest/unit $(WARN) $(SAN_FLAGS) -o $@ $< $(SAN_OBJS) $(TEST_LDFLAGS) $(LDLIBS)

# `make run`: install what is missing (Debian), build, serve the example.
run: deps all
	$(BIN) -c $(CONF) $$([ "$$(id -u)" -eq 0 ] && echo --allow-root)

deps:
	@vendor/deps.sh

vendor-src:
	vendor/fetch-debian-src.sh

# The whole suite twice, on the normal build and under ASan + UBSan, and
# the end-to-end tests once more on the static release binary.
test: deps check-deps $(BIN) $(TESTS) $(SAN_BIN) $(SAN_TESTS) $(STATIC_BIN) $(FUZZ_BINS)
	@test/run.sh

# The chaos soak (test/soak/soak.py, docs/robustness.md): SOAK_SECONDS of
# valid and hostile traffic against the static build, then
# SOAK_VALGRIND_SECONDS of it under valgrind.  `make test` runs 60 s.
SOAK_SECONDS ?= 600
SOAK_VALGRIND_SECONDS ?= 30
soak: deps check-deps $(BIN) $(STATIC_BIN)
	@SOAK_SECONDS=$(SOAK_SECONDS) SOAK_VALGRIND_SECONDS=$(SOAK_VALGRIND_SECONDS) \
	    python3 test/soak/soak.py

unit: $(TESTS)
	@for t in $(TESTS); do $$t || exit 1; done

# Load tests the release binary; decode_bench links the dev objects.
BENCHES := build/bench/decode_bench build/bench/promtext_bench \
	    build/bench/nodestore_bench
bench: deps $(STATIC_BIN) $(BENCHES)
	@WCA_BIN=$(STATIC_BIN) bench/run.sh

build/bench/%: bench/%.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ibench $(CFLAGS) -o $@ $< $(OBJS) $(LDLIBS)

# libFuzzer harnesses (test/fuzz/README.md): every source built again
# with clang, the fuzzer's coverage hooks, ASan and UBSan.  `make fuzz`
# runs each harness FUZZ_SECONDS (default 60).

fuzz-build: deps check-deps $(FUZZ_BINS)

# Objects only the harnesses' pattern rule names: keep them (make would
# delete them as intermediate files and rebuild all of them next time).
.SECONDARY: $(FUZZ_OBJS)

fuzz: fuzz-build
	@test/fuzz/run.sh

build/fuzz/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

# The INI harness leaves certificate files to the PEM harness: loading the
# system CA bundle for every https:// source would make it 50 inputs/s.
build/fuzz/fuzz_ini: FUZZ_LDFLAGS := -Wl,--wrap=tls_creds_load -Wl,--wrap=tls_client_creds_load

build/fuzz/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/fuzz.h $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -Itest/fuzz $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(FUZZ_LDFLAGS) $(LDLIBS) -ldl

# The binary, the man page, the systemd unit (its paths follow PREFIX) and,
# unless one is there, the example configuration.
UNITDIR   ?= $(PREFIX)/lib/systemd/system
MANDIR    ?= $(PREFIX)/share/man
install: $(STATIC_BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/wca-scheduler \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(STATIC_BIN) $(DESTDIR)$(PREFIX)/bin/wca-scheduler
	install -m 0644 docs/wca-scheduler.8 $(DESTDIR)$(MANDIR)/man8/wca-scheduler.8
	sed 's|/usr/local/bin/|$(PREFIX)/bin/|g' contrib/systemd/wca-scheduler.service \
	  >$(DESTDIR)$(UNITDIR)/wca-scheduler.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/wca-scheduler.service
	test -e $(DESTDIR)/etc/wca-scheduler/wca-scheduler.ini || \
	  install -m 0644 $(CONF) $(DESTDIR)/etc/wca-scheduler/wca-scheduler.ini

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(SAN_OBJS:.o=.d) $(STATIC_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d) build/obj/main.d \
  build/san/main.d build/static/main.d
