#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the percentage of FILE's pages resident in the page cache, from
mincore(2) on a private read mapping (the VM has no fincore).

Usage: pc_resident.py FILE
       pc_resident.py -i SECONDS FILE

With -i, sample every SECONDS until SIGTERM/SIGINT, then print
"min mean last samples" (percentages). "sampling" goes to stderr once it
runs. A reader that keeps re-reading FILE refills the cache within a
moment, so a single look after the fact misses what was lost meanwhile.
"""
import ctypes
import mmap
import os
import signal
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]

interval = None
args = sys.argv[1:]
if args[:1] == ["-i"]:
    interval = float(args[1])
    args = args[2:]

stop = False


def on_signal(signum, frame):
    global stop
    stop = True


with open(args[0], "rb") as f:
    size = os.fstat(f.fileno()).st_size
    if not size:
        print(0)
        sys.exit(0)
    # ACCESS_COPY gives a writable buffer ctypes can take the address of;
    # untouched private pages are the file's page-cache pages.
    mm = mmap.mmap(f.fileno(), size, access=mmap.ACCESS_COPY)
    page = mmap.PAGESIZE
    n = (size + page - 1) // page
    vec = (ctypes.c_ubyte * n)()
    addr = ctypes.addressof(ctypes.c_char.from_buffer(mm))

    def resident():
        if libc.mincore(ctypes.c_void_p(addr), size, vec) != 0:
            sys.exit("mincore: " + os.strerror(ctypes.get_errno()))
        return 100.0 * sum(v & 1 for v in vec) / n

    if interval is None:
        print("%.1f" % resident())
        sys.exit(0)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sys.stderr.write("sampling\n")
    sys.stderr.flush()
    pcts = []
    while not stop:
        pcts.append(resident())
        time.sleep(interval)
    pcts.append(resident())
    print("%.1f %.1f %.1f %d" % (min(pcts), sum(pcts) / len(pcts),
                                 pcts[-1], len(pcts)))
