# SPDX-License-Identifier: ISC
#
# nvtd - plain GNU make.
#
#   make                  build ./nvtd
#   make check            every test (unit, integration); installs test
#                         packages first when run as root
#   make check-systemd    the units under a real systemd, booted in a
#                         container (as root; see tests/systemd/README.md)
#   make run              build and serve telnet on 127.0.0.1:2323
#   make SANITIZE=address,undefined check
#   make CC=clang
#   make fuzz FUZZ_SECONDS=60
#   make lint             mandoc and systemd-analyze on man/ and systemd/
#   make bench            encoder speed; nvtd against the pty and
#                         inetutils telnetd (as root, with an account:
#                         BENCH_USER=... BENCH_PASSWORD=..., or
#                         BENCH_CREATE_USER=1 for a throwaway one)
#   make capture          real telnet clients' opening bytes
#   make install DESTDIR=... PREFIX=/usr
#   make dist             build/nvtd-VERSION.tar.gz, HEAD's tree for release
#   make deps             check (as root: install) the build packages;
#                         deps-check, deps-fuzz and deps-systemd for the
#                         other purposes

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
PAMDIR		?= /etc/pam.d
SYSUSERSDIR	?= $(shell pkg-config --variable=sysusersdir systemd 2>/dev/null || echo /usr/lib/sysusers.d)
SYSTEMDDIR	?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)

CC		?= cc
SANITIZE	?=
FUZZ_SECONDS	?= 60

comma		:= ,
# The version is the file VERSION.  Built from a git checkout, nvtd says
# which commit too: "0.1.0 (git 197b951)", "-dirty" after it when the
# tree has changes.  Without .git (a make dist tarball), or without a
# git that answers, it says the VERSION alone.
VERSION		:= $(shell cat VERSION)
# make V=1 shows the commands.
V		?= 0
Q		:= $(if $(filter 0,$(V)),@)
# Each compiler and sanitizer combination builds in its own directory.
O		:= build/$(notdir $(CC))$(if $(SANITIZE),-$(subst $(comma),-,$(SANITIZE)))

PKGS		:= libsystemd libbsd-overlay libbsd-ctor pam libseccomp
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS	:= $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS	:= $(shell pkg-config --libs cmocka 2>/dev/null)

WARNINGS	:= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
		   -Wcast-align -Wstrict-prototypes -Wmissing-prototypes \
		   -Wmissing-declarations -Wold-style-definition \
		   -Wwrite-strings -Wformat=2 -Wformat-security -Wundef \
		   -Wvla -Wimplicit-fallthrough -Wswitch-enum -Wnull-dereference

ifneq ($(SANITIZE),)
OPT		:= -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) \
		   -fno-sanitize-recover=all
else
OPT		:= -O2 -g -D_FORTIFY_SOURCE=2
endif

CFLAGS		?=
LDFLAGS		?=
ALL_CFLAGS	:= -std=gnu11 $(OPT) $(WARNINGS) -fstack-protector-strong \
		   -fPIE -D_GNU_SOURCE -Idaemon -I$(O) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS	:= $(OPT) -pie -Wl,-z,relro,-z,now $(LDFLAGS)

SRCS		:= $(wildcard daemon/*.c)
OBJS		:= $(SRCS:%.c=$(O)/%.o)
# Everything but main(), for the unit tests.
LIB_OBJS	:= $(filter-out $(O)/daemon/main.o,$(OBJS))

# Each tests/unit/test_*.c is one cmocka program, run from the top
# directory with no arguments.
UNIT_TESTS	:= $(patsubst %.c,$(O)/%,$(wildcard tests/unit/test_*.c))
TRANSCRIPTS	:= tests/unit/transcripts

# The fuzz targets are clang only, in a directory of their own:
# fuzz_telnet (the engine) and fuzz_preauth (the connection, the line
# editor and the PAM conversation before login, with a fake PAM).
FUZZ_CC		:= clang
FUZZ_O		:= build/clang-fuzzer-address-undefined
FUZZ_CFLAGS	:= -std=gnu11 -O1 -g -fno-omit-frame-pointer \
		   -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=all $(WARNINGS) -D_GNU_SOURCE \
		   -Idaemon -Itests/fuzz
FUZZ_FLAGS	:= -max_len=4096 -timeout=10 -print_final_stats=1
# What the pre-auth target links: the daemon's code before login, and
# libbsd, but not libpam (the target brings its own).
PREAUTH_SRCS	:= daemon/conn.c daemon/preauth.c daemon/auth.c daemon/line.c \
		   daemon/msg.c \
		   daemon/telnet.c daemon/env.c daemon/log.c daemon/trace.c
PREAUTH_LIBS	:= $(shell pkg-config --libs libbsd-overlay libbsd-ctor \
		   2>/dev/null)

# Man pages, PAM file and units, whichever exist yet.  A unit may be
# written NAME.in; in every unit @SBINDIR@, and the directory of an
# Exec*= path to nvtd, become the SBINDIR given at install time.
MANPAGES	:= $(wildcard man/*.[1-8])
UNIT_SRCS	:= $(wildcard systemd/*.socket systemd/*.service systemd/*.in)
UNITS		:= $(sort $(patsubst %.in,%,$(notdir $(UNIT_SRCS))))
PAMFILE		:= $(wildcard pam/nvtd)

.PHONY: all clean deps deps-build deps-check deps-fuzz deps-systemd check \
	check-unit check-integration check-systemd check-systemd-run run \
	run-serve fuzz \
	fuzz-run bench capture lint install uninstall dist FORCE
.DELETE_ON_ERROR:
.SECONDARY:

# ./nvtd is the plain build; a sanitizer build stays in its directory.
BIN		:= $(if $(SANITIZE),$(O)/nvtd,nvtd)

# $(O)/nvtd by name too: with .SECONDARY, a missing intermediate would
# not be rebuilt while ./nvtd looks up to date (make CC=clang).
all: $(O)/nvtd $(BIN)

nvtd: $(O)/nvtd
	$(Q)cp $< $@

$(O)/nvtd: $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# $(O)/version.h defines NVTD_VERSION.  It is written at every make and
# replaced only when the version changes, which rebuilds what uses it.
$(O)/daemon/options.o $(O)/daemon/listen.o: $(O)/version.h

$(O)/version.h: FORCE
	@mkdir -p $(@D)
	$(Q)v='$(VERSION)'; test -n "$$v" || { echo "no VERSION" >&2; exit 1; }; \
	if [ -e .git ] && g=$$(git describe --always --dirty 2>/dev/null); \
	then v="$$v (git $$g)"; fi; \
	printf '#define NVTD_VERSION\t"%s"\n' "$$v" > $@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; \
	else mv -f $@.tmp $@; echo "  GEN     $@ ($$v)"; fi

$(O)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/fuzz $(CMOCKA_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/tests/unit/test_%: $(O)/tests/unit/test_%.o $(LIB_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PKG_LIBS)

$(O)/tests/fuzz/replay: $(O)/tests/fuzz/replay.o \
	$(O)/tests/fuzz/fuzz_telnet.o $(O)/daemon/telnet.o
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^

$(O)/tests/fuzz/replay_preauth: $(O)/tests/fuzz/replay.o \
	$(O)/tests/fuzz/fuzz_preauth.o $(PREAUTH_SRCS:%.c=$(O)/%.o)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PREAUTH_LIBS)

# The messages' parsers (fuzz_msg): msg.c and what it checks with.
MSG_SRCS	:= daemon/msg.c daemon/env.c daemon/telnet.c
$(O)/tests/fuzz/replay_msg: $(O)/tests/fuzz/replay.o \
	$(O)/tests/fuzz/fuzz_msg.o $(MSG_SRCS:%.c=$(O)/%.o)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PREAUTH_LIBS)

$(O)/tests/bench/%: $(O)/tests/bench/%.o $(O)/daemon/telnet.o
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The integration tests' failure injection (tests/inject/inject.c), an
# LD_PRELOAD library built without sanitizers: it only wraps calls.
INJECT_LIB	:= $(O)/tests/inject/libinject.so

$(INJECT_LIB): tests/inject/inject.c
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) -std=gnu11 -O2 -g $(WARNINGS) -fPIC -shared -D_GNU_SOURCE \
	    -o $@ $< -ldl -lpam

# The pty limit sets up its pty with nvtd's own code.
$(O)/tests/bench/bench_pty: $(O)/tests/bench/bench_pty.o $(LIB_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Real clients' opening bytes, as transcript cases to review.
capture: $(O)/tests/tools/capture
	tests/tools/capture-clients $(O)/tests/tools/capture

$(O)/tests/tools/capture: $(O)/tests/tools/capture.o $(O)/daemon/telnet.o
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

-include $(OBJS:.o=.d) $(wildcard $(O)/tests/*/*.d $(FUZZ_O)/*.d)

# Debian packages for a purpose (build, check, fuzz): .ci/deps checks
# them and, as root, installs what is missing.
deps: deps-build

deps-build deps-check deps-fuzz deps-systemd:
	@.ci/deps $(@:deps-%=%)

# The packages come first; make runs again so that pkg-config sees them.
check: deps-check
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory check-integration

# Every cmocka program, then every fuzz input ever saved (findings, the
# kept corpora) and the seed corpus, through the fuzz targets' checks.
check-unit: $(UNIT_TESTS) $(O)/tests/fuzz/replay \
	$(O)/tests/fuzz/replay_preauth $(O)/tests/fuzz/replay_msg
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done
	@rm -rf $(O)/seed && mkdir -p $(O)/seed
	@$(O)/tests/unit/test_transcript --corpus $(O)/seed $(TRANSCRIPTS)
	$(O)/tests/fuzz/replay tests/fuzz/replay tests/fuzz/corpus $(O)/seed
	$(O)/tests/fuzz/replay_preauth tests/fuzz/preauth
	$(O)/tests/fuzz/replay_msg tests/fuzz/msg

# The integration suite is tests/integration/run, once it exists.
check-integration: all $(INJECT_LIB)
	@if [ -e tests/integration/run ]; then \
		NVTD=$(CURDIR)/$(O)/nvtd O=$(O) \
		    NVTD_INJECT_LIB=$(CURDIR)/$(INJECT_LIB) \
		    tests/integration/run; \
	else \
		echo "check-integration: no tests/integration/run yet"; \
	fi

# This host's OS booted in a container with systemd as PID 1, nvtd
# installed into it from a DESTDIR install here, and the units tested
# with real logins (tests/systemd/README.md).  Fails, never skips, where
# the container cannot boot.
SYSTEMD_DEST	:= $(O)/systemd-dest

check-systemd: deps-systemd
	@$(MAKE) --no-print-directory check-systemd-run

check-systemd-run: all
	@rm -rf $(SYSTEMD_DEST)
	@$(MAKE) --no-print-directory install PREFIX=/usr \
	    DESTDIR=$(CURDIR)/$(SYSTEMD_DEST) >/dev/null
	NVTD_SYSTEMD_LOGS=$(CURDIR)/$(O)/systemd-test \
	    tests/systemd/run $(SYSTEMD_DEST)

fuzz: deps-fuzz
	@$(MAKE) --no-print-directory fuzz-run

# Each target runs FUZZ_SECONDS.  fuzz_telnet's seeds are the
# transcripts' inputs and tests/fuzz/corpus (kept from long runs);
# fuzz_preauth's are tests/fuzz/preauth (seeds, kept corpus, findings).
# Crashes land in $(FUZZ_O)/NAME-crash-* and belong in tests/fuzz/replay/
# (fuzz_telnet) or tests/fuzz/preauth/ (fuzz_preauth) once understood.
fuzz-run: $(FUZZ_O)/fuzz_telnet $(FUZZ_O)/fuzz_preauth $(FUZZ_O)/fuzz_msg \
	$(O)/tests/unit/test_transcript
	@rm -rf $(FUZZ_O)/seed && mkdir -p $(FUZZ_O)/seed \
	    $(FUZZ_O)/corpus $(FUZZ_O)/corpus-preauth $(FUZZ_O)/corpus-msg
	@$(O)/tests/unit/test_transcript --corpus $(FUZZ_O)/seed \
	    $(TRANSCRIPTS)
	$(FUZZ_O)/fuzz_telnet $(FUZZ_FLAGS) \
	    -artifact_prefix=$(FUZZ_O)/fuzz_telnet- \
	    -max_total_time=$(FUZZ_SECONDS) $(FUZZ_O)/corpus \
	    $(FUZZ_O)/seed tests/fuzz/corpus tests/fuzz/replay
	$(FUZZ_O)/fuzz_preauth $(FUZZ_FLAGS) \
	    -artifact_prefix=$(FUZZ_O)/fuzz_preauth- \
	    -max_total_time=$(FUZZ_SECONDS) $(FUZZ_O)/corpus-preauth \
	    tests/fuzz/preauth
	$(FUZZ_O)/fuzz_msg $(FUZZ_FLAGS) -max_len=$(MSG_FUZZ_LEN) \
	    -artifact_prefix=$(FUZZ_O)/fuzz_msg- \
	    -max_total_time=$(FUZZ_SECONDS) $(FUZZ_O)/corpus-msg \
	    tests/fuzz/msg

$(FUZZ_O)/fuzz_telnet: tests/fuzz/fuzz_telnet.c daemon/telnet.c \
	daemon/telnet.h tests/fuzz/fuzz_input.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_telnet.c \
	    daemon/telnet.c

$(FUZZ_O)/fuzz_preauth: tests/fuzz/fuzz_preauth.c $(PREAUTH_SRCS) \
	$(wildcard daemon/*.h) tests/fuzz/fuzz_input.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -o $@ \
	    tests/fuzz/fuzz_preauth.c $(PREAUTH_SRCS) $(PREAUTH_LIBS)

# A datagram may be as long as a STATE: 1 + MSG_MAX.
MSG_FUZZ_LEN	:= 16385
$(FUZZ_O)/fuzz_msg: tests/fuzz/fuzz_msg.c $(MSG_SRCS) $(wildcard daemon/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -o $@ \
	    tests/fuzz/fuzz_msg.c $(MSG_SRCS) $(PREAUTH_LIBS)

# The encoder alone, then sessions side by side (tests/bench/run says
# what it measures and what it needs).
BENCH_BINS	:= $(addprefix $(O)/tests/bench/,bench_encode bench_pty \
		   bench_echo)
bench: all $(BENCH_BINS)
	$(O)/tests/bench/bench_encode
	@NVTD=$(CURDIR)/$(BIN) O=$(O) tests/bench/run

# Units as installed, in directory $(1), with Exec paths pointing into
# SBINDIR $(2): @SBINDIR@, and the directory of an Exec*=.../nvtd.
EXEC_NVTD	:= ^\(Exec[A-Za-z]*=[-@:+!|]*\)/[^ ]*/nvtd\( \|$$\)
define stage_units
	@rm -rf $(1) && mkdir -p $(1)
	@for f in $(UNIT_SRCS); do \
		n=$${f##*/}; n=$${n%.in}; \
		sed -e 's%@SBINDIR@%$(2)%g' \
		    -e 's%$(EXEC_NVTD)%\1$(2)/nvtd\2%' \
		    $$f > $(1)/$$n || exit 1; \
	done
endef

# Any output from mandoc or systemd-analyze is a failure.  The units'
# Documentation=man:nvtd(8) must resolve to our page: it is staged in a
# MANPATH of its own.
lint: all
	$(call stage_units,$(O)/lint-units,$(CURDIR))
	@rm -rf $(O)/lint-man && mkdir -p $(O)/lint-man/man8 && \
	    cp $(MANPAGES) $(O)/lint-man/man8/
	@out=$$( { \
		if [ -n "$(MANPAGES)" ]; then \
			mandoc -Tlint -Wwarning $(MANPAGES); \
		fi; \
		if [ -n "$(UNITS)" ]; then \
			MANPATH=$(CURDIR)/$(O)/lint-man systemd-analyze \
			    verify $(addprefix $(O)/lint-units/,$(UNITS)); \
		fi; \
	} 2>&1 ); \
	if [ -n "$$out" ]; then printf '%s\n' "$$out"; exit 1; fi; \
	echo "lint: $(words $(MANPAGES)) man page(s)," \
	    "$(words $(UNITS)) unit(s) clean"

install: all
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 nvtd $(DESTDIR)$(SBINDIR)/nvtd
	@set -e; for f in $(MANPAGES); do \
		d=$(DESTDIR)$(MANDIR)/man$${f##*.}; \
		echo "install -m 0644 $$f $$d"; \
		install -d $$d; install -m 0644 $$f $$d; \
	done
ifneq ($(PAMFILE),)
	install -d $(DESTDIR)$(PAMDIR)
	install -m 0644 $(PAMFILE) $(DESTDIR)$(PAMDIR)/nvtd
endif
ifneq ($(UNITS),)
	$(call stage_units,$(O)/units,$(SBINDIR))
	install -d $(DESTDIR)$(SYSTEMDDIR)
	install -m 0644 $(addprefix $(O)/units/,$(UNITS)) \
	    $(DESTDIR)$(SYSTEMDDIR)
endif
	install -d $(DESTDIR)$(SYSUSERSDIR)
	install -m 0644 systemd/nvtd.sysusers $(DESTDIR)$(SYSUSERSDIR)/nvtd.conf
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		$(call privsep_user); \
	fi

# The pre-auth child's user (nvtd --privsep-user), when it is missing:
# from the sysusers.d file, or with useradd where systemd-sysusers is not.
privsep_user = id nvtd >/dev/null 2>&1 || { \
	echo "creating the system user nvtd (privilege separation)"; \
	if command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(CURDIR)/systemd/nvtd.sysusers; \
	else \
		useradd --system --no-create-home --home-dir /run/nvtd \
		    --shell /usr/sbin/nologin nvtd; \
	fi && id nvtd >/dev/null; }

# A release tarball of HEAD (committed changes only), which builds without
# git.  The man page's .Os carries the version: dist refuses a mismatch.
DIST		:= nvtd-$(VERSION)
dist:
	@[ -e .git ] || { echo "dist: not a git checkout" >&2; exit 1; }
	@grep -qx '\.Os nvtd $(VERSION)' man/nvtd.8 || { \
		echo "dist: man/nvtd.8 must say .Os nvtd $(VERSION)" >&2; \
		exit 1; }
	@git diff --quiet HEAD -- 2>/dev/null || \
	    echo "dist: uncommitted changes are not in the tarball" >&2
	@mkdir -p build
	git archive --format=tar.gz --prefix=$(DIST)/ \
	    -o build/$(DIST).tar.gz HEAD

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/nvtd
	@for f in $(MANPAGES); do \
		echo "rm -f $(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}"; \
		rm -f $(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}; \
	done
ifneq ($(PAMFILE),)
	rm -f $(DESTDIR)$(PAMDIR)/nvtd
endif
ifneq ($(UNITS),)
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDDIR)/,$(UNITS))
endif
	rm -f $(DESTDIR)$(SYSUSERSDIR)/nvtd.conf

clean:
	rm -rf build nvtd

# Serve telnet on 127.0.0.1:$(RUN_PORT) in the foreground, with the
# system's PAM: the nvtd service when /etc/pam.d/nvtd exists, else login.
# Not as root, nvtd can only log in the invoking user, through the PAM
# service "other" (the nvtd and login stacks need root for pam_loginuid).
RUN_PORT	?= 2323
# The packages come first (as root: installed); make runs again so that
# pkg-config sees them.
run: deps-build
	@$(MAKE) --no-print-directory run-serve

run-serve: nvtd
	@if [ "$$(id -u)" = 0 ]; then \
		$(call privsep_user) || exit 1; \
		if [ -e $(PAMDIR)/nvtd ]; then svc=nvtd; else svc=login; \
		echo "no $(PAMDIR)/nvtd (make install puts it there):" \
		    "using the PAM service login"; fi; \
	else \
		svc=other; \
		echo "not running as root: only $$(id -un) can log in" \
		    "(PAM service other)"; \
	fi; \
	echo "nvtd on 127.0.0.1:$(RUN_PORT); connect with:" \
	    "telnet 127.0.0.1 $(RUN_PORT)   (Ctrl-C here stops it)"; \
	exec ./nvtd -d -s $$svc -l 127.0.0.1:$(RUN_PORT)
