// SPDX-License-Identifier: GPL-2.0
/*
 * scx_floor: the least a sched_ext scheduler in partial mode does, for the
 * benchmark only (make bench-bt, the "floor" rows).
 *
 * One global FIFO queue, the kernel's default idle CPU selection and slice,
 * no other callback. Loaded instead of scx_bt beside the same offline hogs,
 * it shows what any partial-mode scheduler costs online work on this kernel
 * (the class walk on every pick while ext tasks are counted, the ext
 * class's own paths), so that the rest of scx_bt's figures is what scx_bt
 * itself does. It has none of scx_bt's guarantees: no guard against
 * starvation, no SMT rule, no placement help, no statistics.
 */
/* bpftool emits anonymous forward declarations that clang warns about. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wmissing-declarations"
#include "vmlinux.h"
#pragma clang diagnostic pop
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice,
			u64 enq_flags) __ksym;

SEC("struct_ops/floor_enqueue")
void BPF_PROG(floor_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SEC(".struct_ops.link")
struct sched_ext_ops floor_ops = {
	.enqueue	= (void *)floor_enqueue,
	.flags		= SCX_OPS_SWITCH_PARTIAL,
	.name		= "floor",
};
