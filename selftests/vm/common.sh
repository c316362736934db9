# SPDX-License-Identifier: GPL-2.0
# Shared settings for the VM scripts. Sourced, not run.

# Expensive artefacts (root filesystem, debug kernel) live outside the work
# tree so that a fresh clone on a warm machine reuses them; each is keyed by
# the hash of its recipe.
: "${STRATOS_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/stratosphere}"
export STRATOS_CACHE

log() { echo "stratos-vm: $*" >&2; }
die() { echo "stratos-vm: error: $*" >&2; exit 1; }

need_host_tool() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' is not installed; run 'make deps' (or selftests/vm/host-deps.sh) as root"
}

# What fails a run when the guest's kernel log shows it: warnings, oopses,
# the debug kernel's detectors, stalls and lockups (an extended regex).
# shellcheck disable=SC2034 # for the scripts that source this
KLOG_BAD='BUG:|WARNING:|Oops|KASAN|refcount_t:|list_(add|del) corruption|self-detected stall|detected stalls on CPUs|rcu: INFO:|soft lockup|hard LOCKUP|hung_task|blocked for more than|circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|sleeping function called|Kernel panic|general protection fault|UBSAN'
