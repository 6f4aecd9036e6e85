# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# vflow build: BPF objects -> skeletons -> one library per layer of user/
# -> the programs.
# Quiet by default; `make V=1` shows the commands.

OUT      ?= build
ARCH     ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CLANG    ?= clang
BPFTOOL  ?= bpftool
CC       ?= cc
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

WARNINGS := -Wall -Wextra $(if $(WERROR),-Werror)
CFLAGS   ?= -g -O2
CFLAGS   += -std=gnu11 $(WARNINGS) -Iinclude -Iuser -I$(OUT) \
	    -DVFLOW_VERSION='"$(VERSION)"' -DVFLOW_GIT_REV='"$(GIT_REV)"'
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Iinclude -Ibpf -Wall -Wextra -Wno-unused-parameter $(if $(WERROR),-Werror)

# Sanitizer build used by the tests (ASan + UBSan, abort on the first report).
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

BPF_PROGS := syscall kvm seccomp_cost identity
SKELS     := $(patsubst %,$(OUT)/%.skel.h,$(BPF_PROGS))
GEN_HDRS  := $(SKELS) $(OUT)/syscall_names.h
# -MMD -MP: each object's headers, found by the compiler, in a .d beside it
DEPFLAGS  := -MMD -MP

# user/: one static library per layer (user/LAYERS, lowest first), and the
# programs, each linked with the layers it uses and only their libraries.
PROGRAMS   := vflowd vflowtop vflowdump
LIB_LAYERS := $(filter-out $(PROGRAMS),$(shell sed -e 's/\#.*//' user/LAYERS))
reverse     = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
# a layer's code calls only the layers below it: link the highest first
LINK_ORDER := $(strip $(call reverse,$(LIB_LAYERS)))
vflowd_LAYERS    := $(LINK_ORDER)
# container names from the runtimes (host/runtime_*.c): HTTP over a Unix
# socket and JSON; only the programs that watch live containers link them
RUNTIME_LDLIBS   := -lcurl -ljson-c
# trace.dat: libtracecmd and libtraceevent, for vflowd --import only
TRACECMD_CFLAGS  := $(shell pkg-config --cflags libtracecmd libtraceevent 2>/dev/null)
TRACECMD_LDLIBS  := -ltracecmd -ltraceevent
vflowd_LDLIBS    := -lbpf -lz -lmicrohttpd -lgnutls -lyaml -lcrypt $(RUNTIME_LDLIBS) $(TRACECMD_LDLIBS) -lpthread -lm
vflowtop_LAYERS  := serve source record engine report identity host core
vflowtop_LDLIBS  := -lbpf -lz $(RUNTIME_LDLIBS) -lpthread -lm -lncursesw
vflowdump_LAYERS := record report identity host core
vflowdump_LDLIBS := -lz -lm
# tests and fuzz targets link every layer
ALL_LDLIBS := -lbpf -lz -lmicrohttpd -lgnutls -lyaml -lcrypt $(RUNTIME_LDLIBS) $(TRACECMD_LDLIBS) -lpthread -lm
# $(call layer_libs,BUILD,LAYERS): the libraries of those layers in that build
layer_libs  = $(foreach l,$(2),$(1)/lib/libvflow_$(l).a)
# $(call objs_of,BUILD,FOLDER): the objects of user/FOLDER in that build
objs_of     = $(patsubst user/%.c,$(1)/obj/%.o,$(wildcard user/$(2)/*.c))
# the plain build, the sanitizer build the tests run, the fuzzing build
BUILDS     := $(OUT) $(OUT)/san $(OUT)/fuzz
APPS       := $(addprefix $(OUT)/,$(PROGRAMS))
SAN_APPS   := $(addprefix $(OUT)/san/,$(PROGRAMS))
SAN_LIBS   := $(call layer_libs,$(OUT)/san,$(LINK_ORDER))
FUZZ_LIBS  := $(call layer_libs,$(OUT)/fuzz,$(LINK_ORDER))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
BPF_TEST_SRCS := $(wildcard tests/bpf/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS)) \
	     $(patsubst tests/bpf/%.c,$(OUT)/tests/%,$(BPF_TEST_SRCS))
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(OUT)/tests/%,$(wildcard tests/helpers/*.c))
# programs the integration tests drive the layers with (sanitizer build)
TEST_DRIVERS := $(patsubst tests/drivers/%.c,$(OUT)/tests/%,$(wildcard tests/drivers/*.c))
# Fuzz targets (libFuzzer): fuzz/fuzz_NAME.c against the clang-built layers
FUZZ_CC   ?= clang
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -Iinclude -Iuser -I$(OUT) -DVFLOW_VERSION='"$(VERSION)"' \
	       -DVFLOW_GIT_REV='"$(GIT_REV)"' $(FUZZ_FLAGS)
FUZZ_BINS := $(patsubst fuzz/%.c,$(OUT)/fuzz/%,$(wildcard fuzz/fuzz_*.c))
FUZZ_TIME ?= 600
BENCH_BINS := $(patsubst bench/%.c,$(OUT)/bench/%,$(filter-out %.bpf.c,$(wildcard bench/*.c)))
BENCH_BPF  := $(patsubst bench/%.bpf.c,$(OUT)/bench/%.skel.h,$(wildcard bench/*.bpf.c))
# man pages (help2man, below): vflowd and vflowtop are administrators'
# tools (section 8), vflowdump reads dump files anywhere (section 1)
MAN_SECTION_vflowd    := 8
MAN_SECTION_vflowtop  := 8
MAN_SECTION_vflowdump := 1
MAN_PAGES := $(foreach p,$(PROGRAMS),$(OUT)/man/$(p).$(MAN_SECTION_$(p)))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# keep the generated objects and skeletons between builds
.SECONDARY:
.PHONY: all deps run daemon test test-build bench clean vmlinux fuzz \
	man install uninstall deb test-package

all: $(APPS)

deps:
	$(Q)scripts/deps.sh

# First README command: install what is missing, build, start vflowtop.
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)exec $(OUT)/vflowtop $(ARGS)

# The daemon instead (tables, JSON, the Prometheus exporter).
daemon: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)exec $(OUT)/vflowd $(ARGS)

# Second README command: every test, with the sanitizer build.
test: deps
	$(Q)$(MAKE) --no-print-directory WERROR=1 test-build
	$(Q)tests/run.sh

test-build: $(APPS) $(SAN_APPS) $(UNIT_BINS) $(TEST_HELPERS) $(TEST_DRIVERS) $(FUZZ_BINS) $(MAN_PAGES)

# Every fuzz target for FUZZ_TIME seconds each (the suite runs them briefly).
fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory $(APPS) $(BENCH_BINS)
	$(Q)bench/syscall.sh

vmlinux:
	$(Q)scripts/gen-vmlinux.sh $(ARCH)

$(OUT) $(OUT)/tests $(OUT)/bench $(OUT)/dep:
	$(Q)mkdir -p $@

# BPF: clang -> bpftool gen object (links, strips DWARF) -> skeleton
$(OUT)/%.tmp.bpf.o: bpf/%.bpf.c | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUT)/%.bpf.o: $(OUT)/%.tmp.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(OUT)/syscall_names.h: scripts/gen-syscall-names.sh | $(OUT)
	$(call msg,GEN,$@)
	$(Q)scripts/gen-syscall-names.sh > $@

# user/ objects, three builds. The generated headers come first (order
# only); after that each object's .d says which headers it depends on.
$(OUT)/obj/%.o: user/%.c | $(GEN_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

# Sanitizer build for the tests
$(OUT)/san/obj/%.o: user/%.c | $(GEN_HDRS)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -c $< -o $@

# Fuzzing build: clang with coverage for libFuzzer
$(OUT)/fuzz/obj/%.o: user/%.c | $(GEN_HDRS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DEPFLAGS) -c $< -o $@

# libtracecmd's headers include their siblings by their bare names: its
# reader, and the tests that build records, need its include folders
$(foreach b,$(OUT) $(OUT)/san,$(b)/obj/source/tracedat_import.o): CFLAGS += $(TRACECMD_CFLAGS)
$(OUT)/fuzz/obj/source/tracedat_import.o: FUZZ_CFLAGS += $(TRACECMD_CFLAGS)
$(OUT)/tests/test_tracedat_fields: CFLAGS += $(TRACECMD_CFLAGS)
$(OUT)/fuzz/fuzz_tracedat: FUZZ_CFLAGS += $(TRACECMD_CFLAGS)

# $(call layer_lib,BUILD,LAYER): the layer's library (rebuilt whole, so
# that an object whose source moved away leaves it)
define layer_lib
$(1)/lib/libvflow_$(2).a: $$(call objs_of,$(1),$(2))
	$$(call msg,AR,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^
endef
$(foreach b,$(BUILDS),$(foreach l,$(LIB_LAYERS),$(eval $(call layer_lib,$(b),$(l)))))

# $(call program,BUILD,PROGRAM,FLAGS): the program's objects, its layers, its libraries
define program
$(1)/$(2): $$(call objs_of,$(1),$(2)) $$(call layer_libs,$(1),$$($(2)_LAYERS))
	$$(call msg,LINK,$$@)
	$$(Q)$$(CC) $$(CFLAGS) $(3) $$(LDFLAGS) $$^ $$($(2)_LDLIBS) -o $$@
endef
$(foreach p,$(PROGRAMS),$(eval $(call program,$(OUT),$(p),)))
$(foreach p,$(PROGRAMS),$(eval $(call program,$(OUT)/san,$(p),$$(SAN_FLAGS))))

# a test's or fuzz target's .d goes to $(OUT)/dep, away from the programs the runners list
$(OUT)/tests/test_%: tests/unit/test_%.c $(SAN_LIBS) | $(OUT)/tests $(OUT)/dep $(GEN_HDRS)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -MF $(OUT)/dep/$(@F).d -MT $@ $< $(SAN_LIBS) -lcmocka $(ALL_LDLIBS) -o $@

# BPF handler tests: the engine in test-run mode drives the real programs
$(OUT)/tests/test_%: tests/bpf/test_%.c $(SAN_LIBS) | $(OUT)/tests $(OUT)/dep $(GEN_HDRS)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -MF $(OUT)/dep/$(@F).d -MT $@ $< $(SAN_LIBS) -lcmocka $(ALL_LDLIBS) -o $@

# Drivers: a layer's API run from the command line by an integration test
$(OUT)/tests/%: tests/drivers/%.c $(SAN_LIBS) | $(OUT)/tests $(OUT)/dep $(GEN_HDRS)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -MF $(OUT)/dep/$(@F).d -MT $@ $< $(SAN_LIBS) $(ALL_LDLIBS) -o $@

# The exporter's HTTP layer alone, for the HTTP tests: libmicrohttpd and
# GnuTLS do not link statically.
HTTP_SERVE_SRCS := tests/helpers/http_serve.c $(wildcard user/serve/http*.c user/serve/webconfig*.c) \
		   user/serve/webtls.c user/serve/tls_hello.c
$(OUT)/tests/http_serve: $(HTTP_SERVE_SRCS) $(wildcard user/serve/*.h) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(HTTP_SERVE_SRCS) -lmicrohttpd -lgnutls -lyaml -lcrypt -lpthread -o $@

# Workload programs the integration tests run: plain builds, no sanitizers,
# so they make exactly the syscalls their source says.
$(OUT)/tests/%: tests/helpers/%.c $(wildcard tests/helpers/*.h) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -static $< -o $@

$(OUT)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIBS) | $(OUT)/dep $(GEN_HDRS)
	$(call msg,LINK,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(DEPFLAGS) -MF $(OUT)/dep/$(@F).d -MT $@ \
		$< $(FUZZ_LIBS) $(ALL_LDLIBS) -o $@

# Benchmark programs
$(OUT)/bench/%.tmp.bpf.o: bench/%.bpf.c include/vflow.h vmlinux/$(ARCH)/vmlinux.h | $(OUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bench/%.skel.h: $(OUT)/bench/%.tmp.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen object $(OUT)/bench/$*.bpf.o $< && $(BPFTOOL) gen skeleton $(OUT)/bench/$*.bpf.o name $(subst -,_,$*)_bpf > $@

$(OUT)/bench/%: bench/%.c $(BENCH_BPF) | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -I$(OUT)/bench $< -lbpf -lpthread -lm -o $@

# --- Man pages ---------------------------------------------------------------
# help2man over each program's --help and --version, with the
# sections --help has no room for in man/PROGRAM.h2m.
man: $(MAN_PAGES)

define man_page
$(OUT)/man/$(1).$(MAN_SECTION_$(1)): $(OUT)/$(1) man/$(1).h2m scripts/gen-man.sh
	$$(call msg,MAN,$$@)
	$$(Q)scripts/gen-man.sh $(OUT)/$(1) $(MAN_SECTION_$(1)) man/$(1).h2m $$@
endef
$(foreach p,$(PROGRAMS),$(eval $(call man_page,$(p))))

# --- Installing --------------------------------------------------------------
# make install [DESTDIR=STAGING] [PREFIX=/usr/local]; make uninstall with the
# same variables removes what it put there. GNU directory variables, each
# overridable. vflowd and vflowtop are administrators' tools (they load BPF
# programs: section 8, sbin); vflowdump reads dump files anywhere (section 1,
# bin). Configuration goes to /etc whatever the prefix: vflowd reads its
# model and advice files from /etc/vflow (or $VFLOW_CONFIG_DIR), and the
# unit its options from /etc/default/vflowd.
PREFIX      ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
BINDIR      ?= $(EXEC_PREFIX)/bin
SBINDIR     ?= $(EXEC_PREFIX)/sbin
DATAROOTDIR ?= $(PREFIX)/share
DATADIR     ?= $(DATAROOTDIR)
MANDIR      ?= $(DATAROOTDIR)/man
DOCDIR      ?= $(DATAROOTDIR)/doc/vflow
SYSCONFDIR  ?= /etc
# A system package (PREFIX=/usr) uses the directories systemd and
# bash-completion name in their pkg-config files; any other prefix keeps
# to itself (/usr/local/lib/systemd/system is on systemd's unit path, and
# bash-completion looks under every $XDG_DATA_DIRS).
pkg_var = $(shell pkg-config --variable=$(1) $(2) 2>/dev/null)
SYSTEMD_UNITDIR ?= $(if $(filter /usr,$(PREFIX)),$(or $(call pkg_var,systemdsystemunitdir,systemd),/lib/systemd/system),$(PREFIX)/lib/systemd/system)
BASH_COMPLETIONS_DIR ?= $(if $(filter /usr,$(PREFIX)),$(or $(call pkg_var,completionsdir,bash-completion),/usr/share/bash-completion/completions),$(DATAROOTDIR)/bash-completion/completions)

# scripts/install.sh holds the one list of what goes where, for both
INSTALL_DIRS = DESTDIR='$(DESTDIR)' OUT='$(OUT)' BINDIR='$(BINDIR)' SBINDIR='$(SBINDIR)' \
	       DATADIR='$(DATADIR)' MANDIR='$(MANDIR)' DOCDIR='$(DOCDIR)' SYSCONFDIR='$(SYSCONFDIR)' \
	       SYSTEMD_UNITDIR='$(SYSTEMD_UNITDIR)' BASH_COMPLETIONS_DIR='$(BASH_COMPLETIONS_DIR)'

install: $(APPS) $(MAN_PAGES)
	$(Q)$(INSTALL_DIRS) scripts/install.sh install

uninstall:
	$(Q)$(INSTALL_DIRS) scripts/install.sh uninstall

# The Debian package (debian/), built from a copy of the tracked files in
# $(OUT)/deb, where the .deb lands; lintian checks it.
deb:
	$(Q)scripts/build-deb.sh $(OUT)/deb

# The package and the image, tested for real (tests/package/, slower than
# make test: .ci/run runs both): the .deb installed with apt into a
# throwaway Debian root and purged, the image built FROM a debootstrapped
# base and run. docs/PACKAGING.md.
test-package:
	$(Q)scripts/deps.sh package
	$(Q)$(MAKE) --no-print-directory deb $(OUT)/tests/sysloop
	$(Q)tests/run.sh $(sort $(wildcard tests/package/*.sh))

clean:
	$(call msg,CLEAN,$(OUT))
	$(Q)rm -rf $(OUT)

# the headers each object was built from (absent before the first build)
-include $(wildcard $(OUT)/*.d $(OUT)/dep/*.d \
		    $(foreach b,$(BUILDS),$(b)/obj/*/*.d))
