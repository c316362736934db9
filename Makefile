# SPDX-License-Identifier: GPL-2.0
#
# stratosphere top-level build.
#
# Everything that targets the guest kernels is compiled inside the cached
# Debian trixie root filesystem (selftests/vm/rootfs.sh), because those
# kernels need gcc-14, which the bookworm host cannot install. The host only
# runs QEMU and the host-side unit tests.
#
#   make              build stratos.ko for the stock 7.x kernel, and stratosctl
#   make modules-all  build stratos.ko for every test kernel (7.x, 6.12, debug)
#   make check        host unit tests + VM selftests; ends in "N passed, N failed"
#   make fuzz         the netlink fuzzer's full million messages (COUNT=N)
#   make demo         boot the VM, load the module, print 'stratosctl info'
#   make vm-shell     interactive shell in the VM (KERNEL=stock|6.12|debug)
#   make vm-run CMD='...'   run a command in the VM
#   make deps         install the host packages (Debian, as root)
#   make checkpatch   checkpatch.pl --strict on the module sources
#   make clean

VM := selftests/vm
IN_ROOT := $(VM)/in-root.sh
BUILD := build
KERNEL ?= stock
W ?= 1

# Kernel releases available in the root filesystem, resolved at run time so
# no minor version is written down anywhere.
rootfs = $(shell $(VM)/rootfs.sh)
krel_of = $(shell ls $(rootfs)/usr/lib/modules | grep '^$(1)' | sort -V | tail -n1)

MODULE_SRCS := Kbuild $(wildcard kmod/*.[ch] kmod/Kbuild) include/uapi/linux/stratos.h

.PHONY: all modules modules-all module-stock module-6.12 module-debug tools \
	bench-pagecache \
	bench-vcore check unit-test vm-test fuzz selftest-progs sched-bt bench-bt bench-bt-acct demo vm-shell vm-run deps checkpatch shellcheck clean \
	rootfs debug-kernel

all: module-stock tools sched-bt

modules: module-stock
modules-all: module-stock module-6.12 module-debug

rootfs:
	@$(VM)/rootfs.sh >/dev/null

debug-kernel:
	@$(VM)/debug-kernel.sh >/dev/null

# build_module(release, kernel build dir inside the root): the sources are
# copied per kernel, since kbuild writes its objects next to them.
define build_module
	@rm -rf $(BUILD)/$(1)/src && mkdir -p $(BUILD)/$(1)/src
	@cp -r Kbuild kmod include $(BUILD)/$(1)/src/
	@mkdir -p $(BUILD)/$(1)/src/sched_bt && cp sched_bt/scx_bt.h $(BUILD)/$(1)/src/sched_bt/
	@echo "  KMOD    stratos.ko for $(1)"
	@$(IN_ROOT) make -s -C $(2) M=/src/$(BUILD)/$(1)/src W=$(W) modules
	@cp $(BUILD)/$(1)/src/kmod/stratos.ko $(BUILD)/$(1)/stratos.ko
endef

module-stock: rootfs
	$(call build_module,$(call krel_of,7.),/usr/lib/modules/$(call krel_of,7.)/build)

module-6.12: rootfs
	$(call build_module,$(call krel_of,6.12.),/usr/lib/modules/$(call krel_of,6.12.)/build)

module-debug: debug-kernel
	$(eval DBG := $(shell $(VM)/debug-kernel.sh))
	$(eval DBG_REL := $(shell cat $(DBG)/include/config/kernel.release))
	$(call build_module,$(DBG_REL),/cache/$(notdir $(DBG)))

tools: rootfs
	@echo "  CC      stratosctl"
	@$(IN_ROOT) make -s -C /src/tools O=/src/$(BUILD)/tools

# scx_bt, the offline class's BPF scheduler (sched_bt/), for the 7.x kernel.
sched-bt: rootfs
	@echo "  BPF     scx_bt.bpf.o scx_floor.bpf.o"
	@$(IN_ROOT) make -s -C /src/sched_bt O=/src/$(BUILD)/sched_bt \
		KREL=$(call krel_of,7.)

# The offline-class benchmark (Documentation/sched_bt.rst), three boots of
# 2 vCPUs: the cyclictest table in QEMU's icount mode; the nginx/wrk table
# under multi-threaded TCG, where the vCPUs run side by side (under icount
# they take turns, and work one vCPU does for the other waits for the
# turn to end: Documentation/sched_bt-log.rst, "The emulator's round robin");
# the SMT overlap rows, multi-threaded too, with the vCPUs SMT siblings
# (bench-smt.sh says why). LOOPS (cyclictest loops, 5000), ROUNDS
# (runs of each cyclictest row, whose medians the table shows, 3) and SECS
# (seconds per wrk or trace run, 8) shorten it. Each table is printed
# even if its VM fails the kernel-log check (the vCPU stalls seen under
# icount), and the failure shows.
# The icount boot: idle=poll keeps idle vCPUs out of HLT, so guest time
# follows executed instructions alone (while every vCPU halts, host time
# passes into it); a 3 s RCU stall timeout bounds the emulator's vCPU
# stalls, whose rows bench.sh runs again.
BENCH_BT_APPEND := idle=poll rcupdate.rcu_cpu_stall_timeout=3
BENCH_BT_ARGS = BENCH_LOOPS=$(LOOPS) BENCH_ROUNDS=$(ROUNDS) BENCH_SECS=$(SECS)
bench-bt: module-stock tools sched-bt
	-@STRATOS_VM_APPEND='$(BENCH_BT_APPEND)' \
		$(VM)/run-vm.sh --kernel stock --cpus 2 --icount --name bench-bt \
		--timeout 3600 --quiet -- \
		'$(BENCH_BT_ARGS) BENCH_TABLES=latency selftests/sched_bt/bench.sh'
	@cat $(BUILD)/vm/bench-bt/result/output
	-@$(VM)/run-vm.sh --kernel stock --cpus 2 --name bench-bt-svc \
		--timeout 1800 --quiet -- \
		'$(BENCH_BT_ARGS) BENCH_TABLES=service selftests/sched_bt/bench.sh'
	@cat $(BUILD)/vm/bench-bt-svc/result/output
	-@STRATOS_VM_TRACE=ipi:ipi_send_cpu,irq_vectors:reschedule_entry \
		$(VM)/run-vm.sh --kernel stock --sockets 1 --threads 2 --cpus 2 \
		--name bench-bt-smt --timeout 1800 --quiet -- \
		'BENCH_SECS=$(SECS) selftests/sched_bt/bench-smt.sh'
	@cat $(BUILD)/vm/bench-bt-smt/result/output

# Who counts an expelled offline task's CPU time right: the kernel
# (schedstat, cpu.stat) or scx_bt (bt stats), against the work it did
# (selftests/sched_bt/bench-acct.sh; about 2 minutes).
bench-bt-acct: module-stock tools sched-bt
	-@$(VM)/run-vm.sh --kernel stock --sockets 1 --threads 2 --cpus 2 \
		--name bench-bt-acct --timeout 900 --quiet -- \
		'selftests/sched_bt/bench-acct.sh'
	@cat $(BUILD)/vm/bench-bt-acct/result/output

selftest-progs: rootfs
	@echo "  CC      selftests/netlink"
	@$(IN_ROOT) make -s -C /src/selftests/netlink O=/src/$(BUILD)/netlink
	@$(IN_ROOT) make -s -C /src/tools O=/src/$(BUILD)/tools fake-genl

# Host-side tests of the pure C logic and of the spec/header agreement.
unit-test:
	@$(MAKE) -s -C tools O=$(CURDIR)/$(BUILD)/host-tools unit-test
	@/usr/bin/python3 selftests/check-spec.py

# The VM selftests need every module, the tool and the test programs.
vm-test: modules-all tools sched-bt selftest-progs
	@selftests/run.sh

# The artefacts build side by side (one job per host CPU), then the tests.
check:
	@$(MAKE) -s -j$(shell nproc) --no-print-directory modules-all tools \
		sched-bt selftest-progs
	@selftests/check.sh

# The netlink fuzzer's full run: a million messages on the debug kernel.
fuzz: module-debug tools selftest-progs
	@$(VM)/run-vm.sh --kernel debug --name fuzz --timeout 7200 -- \
		'STRATOS_FUZZ_COUNT=$(or $(COUNT),1000000) selftests/suite.sh core/fuzz'

# Page-cache limits against the alternatives, one table
# (Documentation/pagecache.rst). LIMIT/FILE in MiB.
PC_DISK := $(BUILD)/pagecache/disk.img
bench-pagecache: module-stock tools
	@[ -f $(PC_DISK) ] || selftests/pagecache/mkdisk.sh $(PC_DISK) >/dev/null
	@$(VM)/run-vm.sh --kernel stock --cpus 2 --name pagecache-bench --quiet \
		--disk $(PC_DISK) --timeout 1800 -- \
		'selftests/pagecache/bench.sh $(or $(LIMIT),64) $(FILE)'
	@sed -n '/MiB limit/,$$p' $(BUILD)/vm/pagecache-bench/result/output

# Context-switch overhead of vcore accounting, in an icount VM whose two
# vCPUs are SMT siblings, then the accuracy figures of the vcore tests in
# an icount VM of two such cores (see Documentation/vcore.rst).
bench-vcore: module-stock tools
	@$(VM)/run-vm.sh --kernel stock --icount --sockets 1 --threads 2 --cpus 2 \
		--name vcore-bench --timeout 3000 --quiet -- \
		'ROUNDS=$(or $(ROUNDS),5) selftests/vcore/bench.sh'
	@cat $(BUILD)/vm/vcore-bench/result/output
	@$(VM)/run-vm.sh --kernel stock --icount-warp --sockets 2 --threads 2 --cpus 4 \
		--numa 2 --name vcore-figures --timeout 3000 --quiet -- \
		selftests/vcore/figures.sh
	@cat $(BUILD)/vm/vcore-figures/result/output

demo: all
	@$(VM)/run-vm.sh --kernel stock --name demo -- selftests/demo.sh

vm-shell: modules-all tools sched-bt
	@$(VM)/run-vm.sh --kernel $(KERNEL) --shell

vm-run: modules-all tools sched-bt
	@$(VM)/run-vm.sh --kernel $(KERNEL) -- '$(CMD)'

deps:
	@$(VM)/host-deps.sh

checkpatch: rootfs
	@$(IN_ROOT) /src/selftests/checkpatch.sh

# The shell scripts at shellcheck's warning level (selftests/.shellcheckrc).
# Not part of check: another shellcheck release may warn of new things.
SHELL_SOURCES = $(shell git ls-files '*.sh' .ci/run 2>/dev/null)
shellcheck:
	@shellcheck -x -S warning $(SHELL_SOURCES)

clean:
	rm -rf $(BUILD)
	$(MAKE) -s -C tools clean
