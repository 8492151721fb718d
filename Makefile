# wca-scheduler — see README.md.  `make` builds build/wca-scheduler.
#
# Two builds share the sources: the normal one (build/) and an
# AddressSanitizer + UndefinedBehaviorSanitizer one (build/san/) that
# `make test` runs the whole suite under as well.

VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CC        ?= cc
PREFIX    ?= /usr/local
DESTDIR   ?=
PYTHON    ?= python3

WARN      := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wpointer-arith -Wformat=2
CPPFLAGS  += -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
             -DWCA_VERSION='"$(VERSION)"' -DWCA_GIT_REV='"$(GIT_REV)"'
CFLAGS    ?= -O2 -g
CFLAGS    += $(WARN) -fno-strict-aliasing
INIH_LIBS := $(shell pkg-config --libs inih 2>/dev/null || echo -linih)
LDLIBS    += $(INIH_LIBS) -lm

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer

SRCS      := $(wildcard src/*.c src/algo/*.c)
OBJS      := $(SRCS:%.c=build/obj/%.o)
SAN_OBJS  := $(SRCS:%.c=build/san/%.o)
TEST_SRCS := $(wildcard test/unit/test_*.c)
TESTS     := $(TEST_SRCS:test/unit/%.c=build/test/%)
SAN_TESTS := $(TEST_SRCS:test/unit/%.c=build/san/test/%)
BIN       := build/wca-scheduler
SAN_BIN   := build/san/wca-scheduler
CONF      := conf/wca-scheduler.ini

.PHONY: all run test unit e2e bench clean install deps check-deps
all: check-deps $(BIN)

# Point at the install line instead of a wall of missing-header errors.
check-deps:
	@test -f /usr/include/ini.h -a -f /usr/include/jsmn.h || { \
	  echo "missing build dependencies; run: sudo vendor/deps.sh" >&2; exit 1; }

$(BIN): build/obj/main.o $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(SAN_BIN): build/san/main.o $(SAN_OBJS)
	$(CC) $(CPPFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

build/test/%: test/unit/%.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itest/unit $(CFLAGS) -o $@ $< $(OBJS) $(LDLIBS)

build/san/test/%: test/unit/%.c $(SAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itest/unit $(WARN) $(SAN_FLAGS) -o $@ $< $(SAN_OBJS) $(LDLIBS)

# `make run`: install what is missing (Debian), build, serve the example.
run: deps all
	$(BIN) -c $(CONF)

deps:
	@vendor/deps.sh

# The whole suite twice: the normal build, then ASan + UBSan.
test: deps check-deps $(BIN) $(TESTS) $(SAN_BIN) $(SAN_TESTS)
	@test/run.sh

unit: $(TESTS)
	@for t in $(TESTS); do $$t || exit 1; done

bench: deps $(BIN)
	@bench/run.sh

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/wca-scheduler
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/wca-scheduler
	test -e $(DESTDIR)/etc/wca-scheduler/wca-scheduler.ini || \
	  install -m 0644 $(CONF) $(DESTDIR)/etc/wca-scheduler/wca-scheduler.ini

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(SAN_OBJS:.o=.d) build/obj/main.d build/san/main.d
