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
    $(error linux-source-6.12 is missing: run scripts/deps.sh build as root)
  endif
endif

LIBBPF_A := $(TOOLS_DIR)/lib/libbpf.a
LIBBPF_INC := $(TOOLS_DIR)/include
BPFTOOL := $(TOOLS_DIR)/bin/bpftool
KERNEL_IMAGE := $(KERNEL_DIR)/bzImage
VMLINUX_BTF ?= $(KERNEL_DIR)/vmlinux

# --- where it installs (make install; the CLI is built with these paths) ------

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
POLICYDIR ?= $(PREFIX)/lib/oomkit/policies
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# systemd reads units in /usr/local/lib/systemd/system too; Debian's is /lib/systemd/system
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL ?= install

BPF_CFLAGS := -g -O2 --target=bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror \
	      -I. -Iinclude -Ibpf -I$(LIBBPF_INC)

# User space links the cached static libbpf, or with LIBBPF=system the
# distribution's shared one (pkg-config libbpf, 1.4 or newer: the struct_ops
# link API the CLI uses). Either way it sees the 6.12 UAPI headers that
# tools.sh installs (bookworm's are 6.1), copied to build/uapi/ without the
# cached libbpf's own headers beside them.
ifeq ($(LIBBPF),system)
  ifneq ($(TOOLS_DIR),)
    LIBBPF_SYSTEM := $(shell pkg-config --modversion libbpf 2>/dev/null)
    ifeq ($(LIBBPF_SYSTEM),)
      $(error LIBBPF=system: pkg-config finds no libbpf (install libbpf-dev 1.4 or newer, or build without LIBBPF=system))
    endif
    ifneq ($(shell pkg-config --atleast-version=1.4 libbpf && echo ok),ok)
      $(error LIBBPF=system: the system libbpf is $(LIBBPF_SYSTEM), oomkit needs 1.4 or newer (build without LIBBPF=system))
    endif
  endif
  UAPI_HDRS := $(addprefix build/uapi/linux/,bpf.h bpf_common.h btf.h)
  USER_LIBBPF_CFLAGS := -Ibuild/uapi $(shell pkg-config --cflags libbpf 2>/dev/null)
  USER_LIBBPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null)
else ifeq ($(or $(LIBBPF),cache),cache)
  USER_LIBBPF_CFLAGS := -I$(LIBBPF_INC)
  USER_LIBBPF_LIBS := $(LIBBPF_A) -lelf -lz
else
  $(error LIBBPF=$(LIBBPF): use LIBBPF=system (pkg-config libbpf) or leave it unset (the cached static libbpf))
endif
CFLAGS := -Wall -Wextra -O2 -g -Iinclude -Ibuild/skel $(USER_LIBBPF_CFLAGS) $(EXTRA_CFLAGS)
LDLIBS := $(USER_LIBBPF_LIBS) $(EXTRA_LDLIBS)

# --- sources ---------------------------------------------------------------

# build/<dir>/<name>.bpf.o for each <srcdir>/<name>.bpf.c
bpf_objs = $(patsubst $(1)/%.bpf.c,$(2)/%.bpf.o,$(wildcard $(1)/*.bpf.c))
skels = $(patsubst %.bpf.o,build/skel/%.skel.h,$(notdir $(1)))
objs = $(patsubst %.c,build/%.o,$(wildcard $(1)/*.c))

# Test suites: selftests/<suite>/*.c plus selftests/lib/*.c make one runner,
# build/selftests/<suite>_test; selftests/<suite>/progs/*.bpf.c go to
# build/selftests/<suite>/. scripts/check.sh runs host_test on the host,
# every other suite but abi2 in one VM boot (level 1), and abi2_test (the
# level-2 ABI suite), policies_test and cli_test in a boot of the level-2
# kernel.
SUITES := $(filter-out lib kernel,$(notdir $(patsubst %/,%,$(wildcard selftests/*/))))
suite_bin = build/selftests/$(1)_test

POLICY_OBJS := $(call bpf_objs,policies,build/policies)
SAMPLE_OBJS := $(call bpf_objs,samples,build/samples)
SUITE_BPF_OBJS := $(foreach d,$(SUITES),$(call bpf_objs,selftests/$(d)/progs,build/selftests/$(d)))
BPF_OBJS := $(POLICY_OBJS) $(SAMPLE_OBJS) $(SUITE_BPF_OBJS)
# Only test programs are driven through skeletons; the CLI opens policies itself.
SKELS := $(call skels,$(SUITE_BPF_OBJS))
BPF_DEPS := $(wildcard bpf/*.h include/*.h include/*/*.h) vmlinux.h

# loader/gen_*.c are build-time generators with their own main(), not CLI parts.
LOADER_OBJS := $(filter-out build/loader/gen_%,$(call objs,loader))
LIB_OBJS := $(call objs,selftests/lib)
USER_OBJS := $(call objs,loader) $(LIB_OBJS) $(foreach d,$(SUITES),$(call objs,selftests/$(d)))

PROGS := build/oomkit build/oomkit.8 $(foreach d,$(SUITES),$(call suite_bin,$(d)))

# --- top-level targets -----------------------------------------------------

.PHONY: all tools kernel man check deps demo bench clean help install deb stage FORCE

all: $(LIBBPF_A) $(BPFTOOL) $(BPF_OBJS) $(SKELS) $(PROGS)

tools: $(LIBBPF_A) $(BPFTOOL)

$(LIBBPF_A) $(BPFTOOL) &:
	$(Q)scripts/tools.sh

kernel:
	$(Q)scripts/deps.sh kernel
	$(Q)scripts/kernel.sh

# Each target installs what it needs (scripts/deps.sh PURPOSE...);
# make deps DEPS='build vm' installs only those.
DEPS ?= all
deps:
	$(Q)scripts/deps.sh $(DEPS)

check:
	$(Q)scripts/deps.sh build kernel vm
	$(Q)$(MAKE) all kernel stage
	$(Q)OOMKIT_ABI=2 scripts/kernel.sh >/dev/null
	$(Q)scripts/check.sh

demo bench:
	$(Q)scripts/deps.sh build kernel vm $@
	$(Q)$(MAKE) all kernel
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
	@echo '  kernel     build (or find) the cached test kernel and print its directory (OOMKIT_ABI=2: level 2)'
	@echo '  man        build/oomkit.8 from the CLI'"'"'s command table'
	@echo '  vmlinux.h  regenerate vmlinux.h from the test kernel (VMLINUX_BTF=<vmlinux> to override)'
	@echo '  check      deps + all + both kernels, then every suite (host, VM, level-2 VM); ends "N passed, N failed"'
	@echo '  install    PREFIX, DESTDIR, SYSCONFDIR, POLICYDIR, SYSTEMDUNITDIR; deb: the .deb; stage: into build/stage'
	@echo '  deps       install missing Debian packages, as root (DEPS='"'"'build kernel vm demo bench'"'"': only those)'
	@echo '  demo       run scripts/demo.sh'
	@echo '  bench      run scripts/bench.sh'
	@echo '  clean      remove build/ (the cache stays: rm -rf ~/.cache/oomkit to drop it)'
	@echo '  help       this list'
	@echo 'LIBBPF=system links user space with the distribution'"'"'s libbpf (pkg-config, >= 1.4)'

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

# build/skel/<name>.skel.h: struct <name> (dashes become underscores) and
# <name>__open() & co. Names must be unique across the BPF directories.
define skel_recipe
	$(call msg,GEN-SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call bpftool_q,gen skeleton $< name $(subst -,_,$*) >$@.tmp)
	$(Q)mv $@.tmp $@
endef

# $(1): source dir, $(2): object dir, $(3): what the objects also depend on
define bpf_rules
$(2)/%.bpf.o: $(1)/%.bpf.c $(3) | $$(BPFTOOL)
	$$(bpf_recipe)

build/skel/%.skel.h: $(2)/%.bpf.o | $$(BPFTOOL)
	$$(skel_recipe)
endef

$(eval $(call bpf_rules,policies,build/policies,$(BPF_DEPS)))
$(eval $(call bpf_rules,samples,build/samples,$(BPF_DEPS)))
# The host suite's objects carry their own types: no vmlinux.h needed.
$(foreach d,$(SUITES),$(eval $(call bpf_rules,selftests/$(d)/progs,build/selftests/$(d),\
	$(if $(filter host,$(d)),$(filter-out vmlinux.h,$(BPF_DEPS)),$(BPF_DEPS)))))

# --- user space --------------------------------------------------------------

# Skeletons are order-only for the first build; -MMD tracks them afterwards.
$(USER_OBJS): | $(LIBBPF_A) $(SKELS) $(UAPI_HDRS)

build/uapi/linux/%.h: $(LIBBPF_INC)/linux/%.h
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@

# The one definition of the CLI's paths; a stamp makes a change rebuild it.
LOADER_PATHS := -DOOMKIT_POLICY_DIR='"$(POLICYDIR)"' -DOOMKIT_SYSCONFDIR='"$(SYSCONFDIR)"'
build/loader/paths.stamp: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '$(LOADER_PATHS)' | cmp -s - $@ || echo '$(LOADER_PATHS)' >$@

build/loader/%.o: CFLAGS += $(LOADER_PATHS)
build/loader/%.o: loader/%.c build/loader/paths.stamp
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

build/selftests/%.o: selftests/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Iselftests/lib -MMD -MP -c $< -o $@

# The built-in policy table: regenerated each run, replaced only on change.
# gen-embedded.sh resolves each object's path: build them first.
build/loader/embedded.S: FORCE | $(POLICY_OBJS)
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

# oomkit.conf is read with libinih (Debian's libinih-dev: a static library).
# events --journal writes with libsystemd (libsystemd-dev; libsystemd0 at run time).
build/oomkit: LDLIBS += -linih -lsystemd
build/oomkit: $(LOADER_OBJS) build/loader/embedded.o $(LIBBPF_A)
	$(link_recipe)

# The man page comes from the command table that --help prints (loader/doc.c).
build/gen-man: build/loader/gen_man.o build/loader/doc.o
	$(link_recipe)

man: build/oomkit.8

build/oomkit.8: build/gen-man
	$(call msg,GEN,$@)
	$(Q)$< >$@.tmp
	$(Q)mv $@.tmp $@

# The CLI's VM tests compare the CLI with bpftool's view (the guest sees the
# host's path).
build/selftests/cli/%.o: CFLAGS += -DOOMKIT_BPFTOOL='"$(BPFTOOL)"'

# Their crash points come from an LD_PRELOAD shim around libc's syscall(),
# built only for them, so build/oomkit itself has no test hook.
build/selftests/cli/crash_at.so: selftests/cli/preload/crash_at.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -shared -fPIC -o $@ $< -ldl
$(call suite_bin,cli): build/selftests/cli/crash_at.so

define suite_rule
$(call suite_bin,$(1)): $(call objs,selftests/$(1)) $$(LIB_OBJS) $$(LIBBPF_A)
	$$(link_recipe)
endef
$(foreach d,$(SUITES),$(eval $(call suite_rule,$(d))))
# The host suite feeds loader/abi.c's probe BTF it builds (test_abi.c) and
# computes apply plans with loader/plan.c (test_apply.c).
$(call suite_bin,host): build/loader/abi.o build/loader/prog_run.o build/loader/cgpath.o build/loader/plan.o

-include $(wildcard build/*/*.d build/*/*/*.d)

# --- benchmark: make bench (scripts/bench.sh) -------------------------------
# The guest driver build/bench/oomkit-bench and its BPF clocks, built on
# demand by scripts/bench.sh (not part of 'all').
BENCH_BPF_OBJS := $(call bpf_objs,bench,build/bench)
BENCH_OBJS := $(filter-out %.bpf.o,$(call objs,bench))

$(eval $(call bpf_rules,bench,build/bench,$(BPF_DEPS) bench/oom_timing.h))

$(BENCH_OBJS): | $(LIBBPF_A) $(call skels,$(BENCH_BPF_OBJS)) $(UAPI_HDRS)

build/bench/%.o: bench/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Ibench -Iselftests/lib -MMD -MP -c $< -o $@

# The bench shares selftests/lib's cgroup, process and JSON helpers (not
# the runner: it has its own main()).
BENCH_LIB_OBJS := $(addprefix build/selftests/lib/,cgroup.o json.o proc.o)

build/bench/oomkit-bench: LDLIBS += -lm
build/bench/oomkit-bench: $(BENCH_OBJS) $(BENCH_LIB_OBJS) $(LIBBPF_A)
	$(link_recipe)

# --- install: make install [PREFIX=] [DESTDIR=] [SYSCONFDIR=] ------------------
# make stage: the same into build/stage, for the VM test that runs the
# installed unit's commands (selftests/cli/test_service.c).
# An existing oomkit.conf is kept: it is the admin's, the example is not.
# INSTALL_BIN/INSTALL_MAN: what 'make deb' installs instead (built for /usr).
INSTALL_BIN ?= build/oomkit
INSTALL_MAN ?= build/oomkit.8

stage: all
	$(Q)rm -rf build/stage
	$(Q)$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/build/stage

install: $(INSTALL_BIN) $(INSTALL_MAN)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(POLICYDIR) \
		$(DESTDIR)$(SYSCONFDIR)/oomkit/oomkit.conf.d $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR)
	$(Q)$(INSTALL) -m 0755 $(INSTALL_BIN) $(DESTDIR)$(SBINDIR)/oomkit
	$(Q)$(INSTALL) -m 0644 $(INSTALL_MAN) $(DESTDIR)$(MANDIR)/man8/oomkit.8
	$(Q)sed 's|/etc/oomkit|$(SYSCONFDIR)/oomkit|g' docs/oomkit.conf.5 \
		>$(DESTDIR)$(MANDIR)/man5/oomkit.conf.5
	$(Q)chmod 0644 $(DESTDIR)$(MANDIR)/man5/oomkit.conf.5
	$(Q)$(INSTALL) -m 0644 scripts/oomkit.bash-completion $(DESTDIR)$(BASHCOMPDIR)/oomkit
	$(Q)for u in oomkit oomkit-events; do \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
			systemd/$$u.service.in >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u.service && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.service || exit 1; \
	done
	$(Q)test -e $(DESTDIR)$(SYSCONFDIR)/oomkit/oomkit.conf || \
		$(INSTALL) -m 0644 samples/oomkit.conf $(DESTDIR)$(SYSCONFDIR)/oomkit/oomkit.conf

# --- make deb: build/oomkit_<version>_<arch>.deb from the install step -----------
# Debian's paths (/usr, /etc); its own objects under build/deb/, so that
# build/oomkit keeps the paths it was built with.
DEB_VERSION = $(shell sed -n 's/^\#define OOMKIT_VERSION[[:space:]]*"\(.*\)"/\1/p' loader/main.h)
DEB_ARCH = $(shell dpkg --print-architecture)
DEB_PATHS := -DOOMKIT_POLICY_DIR='"/usr/lib/oomkit/policies"' -DOOMKIT_SYSCONFDIR='"/etc"'
DEB_LOADER_OBJS := $(patsubst build/%,build/deb/%,$(LOADER_OBJS))

build/deb/loader/%.o: loader/%.c | $(LIBBPF_A)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(DEB_PATHS) -MMD -MP -c $< -o $@

build/deb/oomkit: LDLIBS += -linih -lsystemd
build/deb/oomkit: $(DEB_LOADER_OBJS) build/loader/embedded.o $(LIBBPF_A)
	$(link_recipe)

build/deb/gen-man: build/deb/loader/gen_man.o build/deb/loader/doc.o
	$(link_recipe)

build/deb/oomkit.8: build/deb/gen-man
	$(call msg,GEN,$@)
	$(Q)$< >$@.tmp
	$(Q)mv $@.tmp $@

deb: build/deb/oomkit build/deb/oomkit.8
	$(Q)rm -rf build/deb/root
	$(Q)$(MAKE) install PREFIX=/usr SBINDIR=/usr/sbin SYSCONFDIR=/etc \
		SYSTEMDUNITDIR=/lib/systemd/system \
		POLICYDIR=/usr/lib/oomkit/policies DESTDIR=$(CURDIR)/build/deb/root \
		INSTALL_BIN=build/deb/oomkit INSTALL_MAN=build/deb/oomkit.8
	$(Q)mkdir -p build/deb/root/DEBIAN
	$(Q)printf '%s\n' 'Package: oomkit' 'Version: $(DEB_VERSION)' \
		'Architecture: $(DEB_ARCH)' 'Maintainer: oomkit developers <root@localhost>' \
		'Depends: libc6, libelf1, zlib1g, libinih1, libsystemd0' 'Section: admin' 'Priority: optional' \
		'Description: BPF struct_ops OOM policies and their loader' \
		' oomkit loads BPF OOM policies into a kernel carrying the BPF OOM' \
		' series (bpf_oom_ops), pins them, shows them and streams their decisions.' \
		>build/deb/root/DEBIAN/control
	$(Q)echo /etc/oomkit/oomkit.conf >build/deb/root/DEBIAN/conffiles
	$(call msg,DPKG-DEB,build/oomkit_$(DEB_VERSION)_$(DEB_ARCH).deb)
	$(Q)dpkg-deb --root-owner-group -Zxz --build build/deb/root \
		build/oomkit_$(DEB_VERSION)_$(DEB_ARCH).deb >/dev/null
