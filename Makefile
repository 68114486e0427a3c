# SPDX-License-Identifier: GPL-2.0
# oomkit's only build entry: BPF policies, the oomkit CLI, the test suites, the test kernel.
#
# Kernel-tools style: quiet by default, V=1 prints full commands. Every output
# goes under build/; libbpf, bpftool and the test kernel are cached under
# ${XDG_CACHE_HOME:-~/.cache}/oomkit/ (see scripts/tools.sh, scripts/kernel.sh).

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:

ifeq ($(V),1)
  Q :=
  msg =
else
  Q := @
  msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
  MAKEFLAGS += --no-print-directory
endif

# --- toolchain -------------------------------------------------------------

ifeq ($(origin CC),default)
  CC := gcc
endif
CLANG ?= clang-19

NO_TOOLS_GOALS := help clean deps check
ifneq ($(filter-out $(NO_TOOLS_GOALS),$(or $(MAKECMDGOALS),all)),)
  TOOLS_DIR := $(shell scripts/tools.sh --path)
  KERNEL_DIR := $(shell scripts/kernel.sh --path)
  ifeq ($(TOOLS_DIR),)
    $(error linux-source-6.12 is missing: run scripts/deps.sh as root)
  endif
endif

LIBBPF_A := $(TOOLS_DIR)/lib/libbpf.a
LIBBPF_INC := $(TOOLS_DIR)/include
BPFTOOL := $(TOOLS_DIR)/bin/bpftool
KERNEL_IMAGE := $(KERNEL_DIR)/bzImage
VMLINUX_BTF ?= $(KERNEL_DIR)/vmlinux

BPF_CFLAGS := -g -O2 --target=bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror \
	      -I. -Iinclude -Ibpf -I$(LIBBPF_INC)
CFLAGS := -Wall -Wextra -O2 -g -Iinclude -Ibuild/skel -I$(LIBBPF_INC) $(EXTRA_CFLAGS)
LDLIBS := $(LIBBPF_A) -lelf -lz $(EXTRA_LDLIBS)

# --- sources ---------------------------------------------------------------

# build/<dir>/<name>.bpf.o for each <srcdir>/<name>.bpf.c
bpf_objs = $(patsubst $(1)/%.bpf.c,$(2)/%.bpf.o,$(wildcard $(1)/*.bpf.c))
skels = $(patsubst %.bpf.o,build/skel/%.skel.h,$(notdir $(1)))
objs = $(patsubst %.c,build/%.o,$(wildcard $(1)/*.c))

POLICY_OBJS := $(call bpf_objs,policies,build/policies)
ABI_BPF_OBJS := $(call bpf_objs,selftests/abi/progs,build/selftests/abi)
PT_BPF_OBJS := $(call bpf_objs,selftests/policies/progs,build/selftests/policies)
HOST_BPF_OBJS := $(call bpf_objs,selftests/host/progs,build/selftests/host)
BPF_OBJS := $(POLICY_OBJS) $(ABI_BPF_OBJS) $(PT_BPF_OBJS) $(HOST_BPF_OBJS)
SKELS := $(call skels,$(BPF_OBJS))
BPF_DEPS := $(wildcard bpf/*.h include/*.h include/*/*.h) vmlinux.h

# loader/gen_*.c are build-time generators with their own main(), not CLI parts.
LOADER_OBJS := $(filter-out build/loader/gen_%,$(call objs,loader))
LIB_OBJS := $(call objs,selftests/lib)
ABI_OBJS := $(call objs,selftests/abi)
PT_OBJS := $(call objs,selftests/policies)
HOST_OBJS := $(call objs,selftests/host)
USER_OBJS := $(call objs,loader) $(LIB_OBJS) $(ABI_OBJS) $(PT_OBJS) $(HOST_OBJS)

# A program is built once its directory has sources.
PROGS := $(if $(LOADER_OBJS),build/oomkit) \
	 $(if $(wildcard loader/gen_man.c),build/oomkit.8) \
	 $(if $(ABI_OBJS),build/selftests/abi_test) \
	 $(if $(PT_OBJS),build/selftests/policy_test) \
	 $(if $(HOST_OBJS),build/selftests/host_test)

# --- top-level targets -----------------------------------------------------

.PHONY: all tools kernel check deps demo bench clean help FORCE

all: $(LIBBPF_A) $(BPFTOOL) $(BPF_OBJS) $(SKELS) $(PROGS)

tools: $(LIBBPF_A) $(BPFTOOL)

$(LIBBPF_A) $(BPFTOOL) &:
	$(Q)scripts/tools.sh

kernel:
	$(Q)scripts/kernel.sh

deps:
	$(Q)scripts/deps.sh

check:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) all kernel
	$(Q)scripts/check.sh

demo bench: all kernel
	$(Q)test -x scripts/$@.sh || { echo "scripts/$@.sh does not exist yet" >&2; exit 1; }
	$(Q)scripts/$@.sh

clean:
	$(call msg,CLEAN,build/)
	$(Q)rm -rf build

# vmlinux.h is committed: it is only regenerated when asked for by name, from
# the cached test kernel (or VMLINUX_BTF=<vmlinux>).
ifneq ($(filter vmlinux.h,$(MAKECMDGOALS)),)
.PHONY: vmlinux.h
vmlinux.h: $(BPFTOOL)
	$(Q)$(if $(filter file,$(origin VMLINUX_BTF)),scripts/kernel.sh >/dev/null)
	$(call msg,GEN,$@ from $(VMLINUX_BTF))
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c >$@.tmp
	$(Q)mv $@.tmp $@
else
vmlinux.h:
	@test -f $@ || { echo "vmlinux.h is missing: 'make vmlinux.h' generates it" \
		"from the test kernel" >&2; exit 1; }
endif

help:
	@echo 'oomkit build targets (V=1 shows full commands):'
	@echo '  all        (default) libbpf/bpftool, BPF objects, skeletons, build/oomkit, test binaries'
	@echo '  tools      libbpf and bpftool from linux-source-6.12, into the cache'
	@echo '  kernel     build (or find) the cached test kernel and print its directory'
	@echo '  vmlinux.h  regenerate vmlinux.h from the test kernel (VMLINUX_BTF=<vmlinux> to override)'
	@echo '  check      deps + all + kernel, then every suite (host and VM); ends "N passed, N failed"'
	@echo '  deps       install missing Debian packages (scripts/deps.sh, as root)'
	@echo '  demo       run scripts/demo.sh'
	@echo '  bench      run scripts/bench.sh'
	@echo '  clean      remove build/ (the cache stays: rm -rf ~/.cache/oomkit to drop it)'
	@echo '  help       this list'

# --- BPF objects and skeletons ---------------------------------------------

# bpftool repeats libbpf's note that it skips .oomkit.meta (the CLI's section,
# see bpf/meta.bpf.h): run it with that one line filtered from stderr.
bpftool_q = $(BPFTOOL) $(1) 2>$@.err || { cat $@.err >&2; exit 1; }; \
	grep -v 'skipping unrecognized data section.*\.oomkit\.meta' $@.err >&2; rm -f $@.err

# Compile with BTF, then let bpftool's static linker produce the final object
# (it keeps .BTF/.BTF.ext and drops the DWARF), as libbpf-bootstrap does.
define bpf_recipe
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -MF $(@:.o=.d) -MT $@ -c $< -o $(@:.bpf.o=.tmp.bpf.o)
	$(call msg,GEN-OBJ,$@)
	$(Q)$(call bpftool_q,gen object $@ $(@:.bpf.o=.tmp.bpf.o))
endef

build/policies/%.bpf.o: policies/%.bpf.c $(BPF_DEPS) | $(BPFTOOL)
	$(bpf_recipe)

build/selftests/abi/%.bpf.o: selftests/abi/progs/%.bpf.c $(BPF_DEPS) | $(BPFTOOL)
	$(bpf_recipe)

build/selftests/policies/%.bpf.o: selftests/policies/progs/%.bpf.c $(BPF_DEPS) | $(BPFTOOL)
	$(bpf_recipe)

# The host suite's objects carry their own types: no vmlinux.h needed.
build/selftests/host/%.bpf.o: selftests/host/progs/%.bpf.c $(filter-out vmlinux.h,$(BPF_DEPS)) | $(BPFTOOL)
	$(bpf_recipe)

# build/skel/<name>.skel.h: struct <name> (dashes become underscores) and
# <name>__open() & co. Names must be unique across the BPF directories.
define skel_recipe
	$(call msg,GEN-SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call bpftool_q,gen skeleton $< name $(subst -,_,$*) >$@.tmp)
	$(Q)mv $@.tmp $@
endef

build/skel/%.skel.h: build/policies/%.bpf.o | $(BPFTOOL)
	$(skel_recipe)

build/skel/%.skel.h: build/selftests/abi/%.bpf.o | $(BPFTOOL)
	$(skel_recipe)

build/skel/%.skel.h: build/selftests/policies/%.bpf.o | $(BPFTOOL)
	$(skel_recipe)

build/skel/%.skel.h: build/selftests/host/%.bpf.o | $(BPFTOOL)
	$(skel_recipe)

# --- user space --------------------------------------------------------------

# Skeletons are order-only for the first build; -MMD tracks them afterwards.
$(USER_OBJS): | $(LIBBPF_A) $(SKELS)

build/loader/%.o: loader/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

build/selftests/%.o: selftests/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Iselftests/lib -MMD -MP -c $< -o $@

# The built-in policy table: regenerated each run, replaced only on change.
build/loader/embedded.S: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)scripts/gen-embedded.sh $(POLICY_OBJS) >$@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm $@.tmp; else \
		printf '  %-8s %s\n' GEN $@; mv $@.tmp $@; fi

build/loader/embedded.o: build/loader/embedded.S $(POLICY_OBJS)
	$(call msg,AS,$@)
	$(Q)$(CC) -c $< -o $@

define link_recipe
	$(call msg,LINK,$@)
	$(Q)$(CC) -o $@ $(filter %.o,$^) $(LDLIBS)
endef

build/oomkit: $(LOADER_OBJS) build/loader/embedded.o $(LIBBPF_A)
	$(link_recipe)

# The man page comes from the command table that --help prints (loader/doc.c).
build/gen-man: build/loader/gen_man.o build/loader/doc.o
	$(link_recipe)

build/oomkit.8: build/gen-man
	$(call msg,GEN,$@)
	$(Q)$< >$@.tmp
	$(Q)mv $@.tmp $@

build/selftests/abi_test: $(ABI_OBJS) $(LIB_OBJS) $(LIBBPF_A)
	$(link_recipe)

build/selftests/policy_test: $(PT_OBJS) $(LIB_OBJS) $(LIBBPF_A)
	$(link_recipe)

build/selftests/host_test: $(HOST_OBJS) $(LIB_OBJS) $(LIBBPF_A)
	$(link_recipe)

-include $(wildcard build/*/*.d build/*/*/*.d)

# --- oomkit CLI additions (CLI engineer: loader/, selftests/host/, selftests/cli/, samples/) ---
# Kept in one block so the build owner can fold it in.
#
# The loader and its tests need the 6.12 UAPI <linux/bpf.h> (BPF_F_LINK,
# bpf_link_info.struct_ops); Debian's linux-libc-dev 6.1 lacks both.
ifneq ($(TOOLS_DIR),)
  LINUX_UAPI_INC := $(shell scripts/linux-src.sh)/tools/include/uapi
endif
build/loader/%.o build/selftests/host/%.o build/selftests/cli/%.o: CFLAGS += -I$(LINUX_UAPI_INC)
# The VM tests compare the CLI with bpftool's view; the guest sees the host's path.
build/selftests/cli/%.o: CFLAGS += -DOOMKIT_BPFTOOL='"$(BPFTOOL)"'

.PHONY: man
man: build/oomkit.8

# The sample drop-in policy, built like the policies but not embedded.
SAMPLE_OBJS := $(call bpf_objs,samples,build/samples)
build/samples/%.bpf.o: samples/%.bpf.c $(BPF_DEPS) | $(BPFTOOL)
	$(bpf_recipe)

# BPF objects the CLI's VM tests feed to the loader (bad ones on purpose).
CLI_BPF_OBJS := $(call bpf_objs,selftests/cli/progs,build/selftests/cli)
build/selftests/cli/%.bpf.o: selftests/cli/progs/%.bpf.c $(BPF_DEPS) | $(BPFTOOL)
	$(bpf_recipe)

# The VM suite for the CLI: scripts/check.sh runs every build/selftests/*_vmtest.
CLI_OBJS := $(call objs,selftests/cli)
build/selftests/cli_vmtest: $(CLI_OBJS) $(LIB_OBJS) $(LIBBPF_A)
	$(link_recipe)
$(CLI_OBJS): | $(LIBBPF_A)
# The host suite shares the CLI test helpers (selftests/cli/cli.c).
build/selftests/host_test: build/selftests/cli/cli.o

all: $(SAMPLE_OBJS) $(CLI_BPF_OBJS) $(if $(CLI_OBJS),build/selftests/cli_vmtest)
# --- end of CLI additions ---
