#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# An EMULATED slow CPU class for the vcore tests. The VM's vCPUs all run
# at the same real speed, so this workload makes each work unit cost
# SLOW_SCALE times more loop iterations when it is allowed only on the
# CPUs listed in SLOW_CPUS: its work per CPU-second is then what a CPU
# that much slower would do. It runs for $STRATOS_CALIBRATE_SECONDS of
# CPU time (or argv[1]) and prints the units it completed, the protocol
# of 'stratosctl vcore calibrate workload'.
import os
import sys
import time


def cpu_list(text):
    cpus = set()
    for part in filter(None, text.split(",")):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def main():
    seconds = float(os.environ.get("STRATOS_CALIBRATE_SECONDS",
                                   sys.argv[1] if len(sys.argv) > 1 else 1))
    slow = cpu_list(os.environ.get("SLOW_CPUS", ""))
    scale = float(os.environ.get("SLOW_SCALE", "2"))
    allowed = os.sched_getaffinity(0)
    iters = 2000 * (scale if allowed and allowed <= slow else 1)
    units = 0
    end = time.process_time() + seconds
    while time.process_time() < end:
        x = 0
        for i in range(int(iters)):
            x ^= i
        units += 1
    print(units)


if __name__ == "__main__":
    main()
