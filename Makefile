# SPDX-License-Identifier: ISC
#
# nvtd - plain GNU make.
#
#   make                  build ./nvtd
#   make check            every test (unit, integration); installs test
#                         packages first when run as root
#   make run              build and serve telnet on 127.0.0.1:2323
#   make SANITIZE=address,undefined check
#   make CC=clang
#   make fuzz FUZZ_SECONDS=60
#   make lint             mandoc and systemd-analyze on man/ and systemd/
#   make install DESTDIR=... PREFIX=/usr

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
PAMDIR		?= /etc/pam.d
SYSTEMDDIR	?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)

CC		?= cc
SANITIZE	?=
FUZZ_SECONDS	?= 60

comma		:= ,
# Each compiler and sanitizer combination builds in its own directory.
O		:= build/$(notdir $(CC))$(if $(SANITIZE),-$(subst $(comma),-,$(SANITIZE)))

PKGS		:= libsystemd libbsd-overlay libbsd-ctor pam
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)

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
		   -fPIE -D_GNU_SOURCE -Idaemon $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS	:= $(OPT) -pie -Wl,-z,relro,-z,now $(LDFLAGS)

SRCS		:= $(wildcard daemon/*.c)
OBJS		:= $(SRCS:%.c=$(O)/%.o)
# Everything but main(), for the unit tests and fuzz targets.
LIB_OBJS	:= $(filter-out $(O)/daemon/main.o,$(OBJS))

.PHONY: all clean deps check check-unit check-integration run fuzz lint \
	install uninstall
.DELETE_ON_ERROR:

all: nvtd

nvtd: $(O)/nvtd
	cp $< $@

$(O)/nvtd: $(OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(OBJS:.o=.d)

clean:
	rm -rf build nvtd
