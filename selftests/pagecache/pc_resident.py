#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the percentage of FILE's pages resident in the page cache, from
mincore(2) on a private read mapping (the VM has no fincore).

Usage: pc_resident.py FILE
"""
import ctypes
import mmap
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]

with open(sys.argv[1], "rb") as f:
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
    if libc.mincore(ctypes.c_void_p(addr), size, vec) != 0:
        sys.exit("mincore: " + os.strerror(ctypes.get_errno()))
    resident = sum(v & 1 for v in vec)
    del addr
    print("%.1f" % (100.0 * resident / n))
