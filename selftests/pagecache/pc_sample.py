#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sample memory.stat of cgroups until SIGTERM/SIGINT, then print, per
cgroup, "DIR max_file max_anon min_anon samples" (bytes).

Usage: pc_sample.py [-i SECONDS] CGDIR...
"sampling" goes to stderr once it runs.
A shell loop under TCG samples too slowly to catch an overshoot; this one
reads each file every couple of milliseconds.
"""
import signal
import sys
import time

interval = 0.002
args = sys.argv[1:]
if args[:1] == ["-i"]:
    interval = float(args[1])
    args = args[2:]

stop = False


def on_signal(signum, frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)

stats = {d: [0, 0, None, 0] for d in args}
files = {d: open(d + "/memory.stat", "rb", buffering=0) for d in args}
# Tell the caller that sampling runs (python starts slowly under TCG).
sys.stderr.write("sampling\n")
sys.stderr.flush()
while not stop:
    for d, f in files.items():
        try:
            f.seek(0)
            data = f.read(8192)
        except OSError:
            continue
        file = anon = None
        for line in data.split(b"\n")[:4]:
            k, _, v = line.partition(b" ")
            if k == b"file":
                file = int(v)
            elif k == b"anon":
                anon = int(v)
        s = stats[d]
        if file is not None:
            s[0] = max(s[0], file)
        if anon is not None:
            s[1] = max(s[1], anon)
            s[2] = anon if s[2] is None else min(s[2], anon)
        s[3] += 1
    time.sleep(interval)

for d, s in stats.items():
    print(d, s[0], s[1], s[2] or 0, s[3])
