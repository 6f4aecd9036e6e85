# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# vflow build: BPF objects -> skeletons -> engine library -> front-ends.
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
LDLIBS   := -lbpf -lelf -lz -lmicrohttpd -lyaml -lcrypt -lpthread -lm
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Iinclude -Wall -Wextra -Wno-unused-parameter $(if $(WERROR),-Werror)

# Sanitizer build used by the tests (ASan + UBSan, abort on the first report).
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

BPF_PROGS := syscall kvm seccomp_cost
APP_MAINS := user/vflowd.c user/vflowtop.c user/vflowdump.c
TOP_SRCS  := $(wildcard user/top_*.c)
LIB_SRCS  := $(filter-out $(APP_MAINS) $(TOP_SRCS),$(wildcard user/*.c))
LIB_OBJS  := $(patsubst user/%.c,$(OUT)/obj/%.o,$(LIB_SRCS))
SAN_OBJS  := $(patsubst user/%.c,$(OUT)/san/%.o,$(LIB_SRCS))
SKELS     := $(patsubst %,$(OUT)/%.skel.h,$(BPF_PROGS))
GEN_HDRS  := $(SKELS) $(OUT)/syscall_names.h
APPS      := $(OUT)/vflowd $(OUT)/vflowtop $(if $(wildcard user/vflowdump.c),$(OUT)/vflowdump)
SAN_APPS  := $(OUT)/san/vflowd $(OUT)/san/vflowtop $(if $(wildcard user/vflowdump.c),$(OUT)/san/vflowdump)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
BPF_TEST_SRCS := $(wildcard tests/bpf/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS)) \
	     $(patsubst tests/bpf/%.c,$(OUT)/tests/%,$(BPF_TEST_SRCS))
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(OUT)/tests/%,$(wildcard tests/helpers/*.c))
# Fuzz targets (libFuzzer): fuzz/fuzz_NAME.c against a clang-built library
FUZZ_CC   ?= clang
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_BINS := $(patsubst fuzz/%.c,$(OUT)/fuzz/%,$(wildcard fuzz/fuzz_*.c))
FUZZ_OBJS := $(patsubst user/%.c,$(OUT)/fuzz/obj/%.o,$(LIB_SRCS))
FUZZ_TIME ?= 600
BENCH_BINS := $(patsubst bench/%.c,$(OUT)/bench/%,$(filter-out %.bpf.c,$(wildcard bench/*.c)))
BENCH_BPF  := $(patsubst bench/%.bpf.c,$(OUT)/bench/%.skel.h,$(wildcard bench/*.bpf.c))

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
.PHONY: all deps run daemon test test-build bench clean vmlinux fuzz

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

test-build: $(APPS) $(SAN_APPS) $(UNIT_BINS) $(TEST_HELPERS) $(FUZZ_BINS)

# Every fuzz target for FUZZ_TIME seconds each (the suite runs them briefly).
fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory $(APPS) $(BENCH_BINS)
	$(Q)bench/syscall.sh

vmlinux:
	$(Q)scripts/gen-vmlinux.sh $(ARCH)

$(OUT) $(OUT)/obj $(OUT)/san $(OUT)/tests $(OUT)/bench $(OUT)/fuzz/obj:
	$(Q)mkdir -p $@

# BPF: clang -> bpftool gen object (links, strips DWARF) -> skeleton
$(OUT)/%.tmp.bpf.o: bpf/%.bpf.c include/vflow.h $(wildcard bpf/*.h) vmlinux/$(ARCH)/vmlinux.h | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.bpf.o: $(OUT)/%.tmp.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(OUT)/syscall_names.h: scripts/gen-syscall-names.sh | $(OUT)
	$(call msg,GEN,$@)
	$(Q)scripts/gen-syscall-names.sh > $@

# Engine library and front-ends. Each object depends on the headers it
# includes (-MMD); generated headers exist before the first compile
# (order-only), so a changed BPF program rebuilds only its skeleton's
# includers (the engine), not the whole library.
DEPFLAGS := -MMD -MP
$(OUT)/obj/%.o: user/%.c $(wildcard user/*.h) include/vflow.h | $(GEN_HDRS) $(OUT)/obj
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUT)/libvflow.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(OUT)/vflowd: $(OUT)/obj/vflowd.o $(OUT)/libvflow.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/vflowtop: $(OUT)/obj/vflowtop.o $(patsubst user/%.c,$(OUT)/obj/%.o,$(TOP_SRCS)) $(OUT)/libvflow.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -lncursesw -o $@

# Sanitizer variants for the tests
$(OUT)/san/%.o: user/%.c $(wildcard user/*.h) include/vflow.h | $(GEN_HDRS) $(OUT)/san
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(DEPFLAGS) -c $< -o $@

$(OUT)/san/libvflow.a: $(SAN_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(OUT)/san/vflowd: $(OUT)/san/vflowd.o $(OUT)/san/libvflow.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(LDLIBS) -o $@

$(OUT)/vflowdump: $(OUT)/obj/vflowdump.o $(OUT)/libvflow.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/san/vflowdump: $(OUT)/san/vflowdump.o $(OUT)/san/libvflow.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(LDLIBS) -o $@

$(OUT)/san/vflowtop: $(OUT)/san/vflowtop.o $(patsubst user/%.c,$(OUT)/san/%.o,$(TOP_SRCS)) $(OUT)/san/libvflow.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(LDLIBS) -lncursesw -o $@

$(OUT)/tests/test_%: tests/unit/test_%.c $(OUT)/san/libvflow.a | $(OUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $< $(OUT)/san/libvflow.a -lcmocka $(LDLIBS) -o $@

# BPF handler tests: the engine in test-run mode drives the real programs;
# test_bpf_load loads every program of every skeleton
$(OUT)/tests/test_%: tests/bpf/test_%.c $(OUT)/san/libvflow.a $(SKELS) | $(OUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $< $(OUT)/san/libvflow.a -lcmocka $(LDLIBS) -o $@

# The exporter's HTTP layer alone, for the HTTP tests: libmicrohttpd and
# GnuTLS do not link statically.
$(OUT)/tests/http_serve: tests/helpers/http_serve.c user/http.c user/webconfig.c $(wildcard user/*.h) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) tests/helpers/http_serve.c user/http.c user/webconfig.c -lmicrohttpd -lyaml -lcrypt -o $@

# Workload programs the integration tests run: plain builds, no sanitizers,
# so they make exactly the syscalls their source says.
$(OUT)/tests/%: tests/helpers/%.c $(wildcard tests/helpers/*.h) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -static $< -o $@

# Fuzz targets: the library again, built by clang with coverage for libFuzzer
$(OUT)/fuzz/obj/%.o: user/%.c $(wildcard user/*.h) include/vflow.h | $(GEN_HDRS) $(OUT)/fuzz/obj
	$(call msg,CC-FUZZ,$@)
	$(Q)$(FUZZ_CC) -std=gnu11 -Wall -Wextra -Iinclude -Iuser -I$(OUT) -DVFLOW_VERSION='"$(VERSION)"' \
		-DVFLOW_GIT_REV='"$(GIT_REV)"' $(FUZZ_FLAGS) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(OUT)/fuzz/libvflow.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(OUT)/fuzz/fuzz_%: fuzz/fuzz_%.c $(OUT)/fuzz/libvflow.a
	$(call msg,LINK,$@)
	$(Q)$(FUZZ_CC) -std=gnu11 -Wall -Wextra -Iinclude -Iuser -I$(OUT) $(FUZZ_FLAGS) -fsanitize=fuzzer \
		$< $(OUT)/fuzz/libvflow.a $(LDLIBS) -o $@

# Benchmark programs
$(OUT)/bench/%.tmp.bpf.o: bench/%.bpf.c include/vflow.h vmlinux/$(ARCH)/vmlinux.h | $(OUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bench/%.skel.h: $(OUT)/bench/%.tmp.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen object $(OUT)/bench/$*.bpf.o $< && $(BPFTOOL) gen skeleton $(OUT)/bench/$*.bpf.o name $(subst -,_,$*)_bpf > $@

$(OUT)/bench/%: bench/%.c $(BENCH_BPF) | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -I$(OUT)/bench $< $(LDLIBS) -o $@

# The includers of generated headers, also for objects built before -MMD
$(foreach d,$(OUT)/obj $(OUT)/san $(OUT)/fuzz/obj,$(d)/engine.o): $(SKELS)
$(foreach d,$(OUT)/obj $(OUT)/san $(OUT)/fuzz/obj,$(d)/syscalls.o): $(OUT)/syscall_names.h
-include $(wildcard $(OUT)/obj/*.d $(OUT)/san/*.d $(OUT)/fuzz/obj/*.d)

clean:
	$(call msg,CLEAN,$(OUT))
	$(Q)rm -rf $(OUT)
