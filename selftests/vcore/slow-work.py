#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# An EMULATED slow CPU class for the vcore tests. The VM's vCPUs all run
# at the same real speed, so this workload makes each work unit cost
# SLOW_SCALE times more loop iterations when it is allowed only on the
# CPUs listed in SLOW_CPUS: its work per CPU-second is then what a CPU
# that much slower would do. It runs for $STRATOS_CALIBRATE_SECONDS of
# CPU time (or argv[1]) and prints the units it completed and the CPU
# seconds it counted them in, the protocol of 'stratosctl vcore calibrate
# workload' (Python's start-up, which varies, is left out of the score). With WALL_SECONDS set it runs
# for that much wall time instead, for throughput under a limit, after
# WARM_SECONDS (default 0) of uncounted work while the limit settles.
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
    wall = os.environ.get("WALL_SECONDS")
    clock = time.monotonic if wall else time.process_time
    if wall:
        work(iters, clock() + float(os.environ.get("WARM_SECONDS", "0")))
        print(work(iters, clock() + float(wall), clock))
        return
    start = clock()
    units = work(iters, start + seconds, clock)
    print(units, "%.6f" % (clock() - start))


def work(iters, end, clock=time.monotonic):
    """Do work units until clock() reaches end; return how many."""
    units = 0
    while clock() < end:
        x = 0
        for i in range(int(iters)):
            x ^= i
        units += 1
    return units


if __name__ == "__main__":
    main()
