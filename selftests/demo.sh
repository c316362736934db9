#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, run inside the VM by 'make demo': load stratos.ko, show what it
# reports about this kernel, and put a cgroup under its management.
set -euo pipefail
. /src/selftests/lib.sh

echo "== loading $STRATOS_BUILD/stratos.ko"
insmod "$STRATOS_BUILD/stratos.ko"
echo "== stratosctl info"
stratosctl info
echo "== stratosctl cgroup set /demo/batch class offline weight 50"
mkdir -p /sys/fs/cgroup/demo/batch
stratosctl cgroup set /demo/batch class offline weight 50
stratosctl cgroup list
echo "== removing the cgroup removes its entry"
rmdir /sys/fs/cgroup/demo/batch /sys/fs/cgroup/demo
sleep 0.5
stratosctl cgroup list
rmmod stratos
echo "== done"
