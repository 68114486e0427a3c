// SPDX-License-Identifier: GPL-2.0
/* bpf_psi_ops whose init makes many triggers: on a list of cgroups, then N more on one; events record their cgroup id. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define MSEC	  1000u
#define SEC_US	  1000000u
#define MAX_CGIDS 32
#define E2BIG	  7

/* In (set before attach: init runs during it) */
__u64 cgids[MAX_CGIDS]; /* one trigger each, in this order */
__u32 nr_cgids;
__u64 loop_cgid; /* then nr_loop triggers here */
__u32 nr_loop;
__u32 resource = PSI_MEM;

/* Out */
__u32 created; /* calls that returned 0 */
int first_err; /* the first error, returned by init */
__u64 events;
__u64 event_cgid = ~0ULL; /* t->cgroup_id of the last event */

SEC("struct_ops.s/init")
int BPF_PROG(many_init, struct bpf_psi *bpf_psi)
{
	__u32 i, n = nr_cgids;
	int err;

	if (n > MAX_CGIDS)
		n = MAX_CGIDS;
	bpf_for(i, 0, n) {
		err = bpf_psi_create_trigger(bpf_psi,
					     cgids[i & (MAX_CGIDS - 1)],
					     resource, 100 * MSEC, 1 * SEC_US);
		if (err) {
			first_err = err;
			return err;
		}
		created++;
	}
	bpf_for(i, 0, nr_loop) {
		err = bpf_psi_create_trigger(bpf_psi, loop_cgid, resource,
					     100 * MSEC, 1 * SEC_US);
		if (err) {
			first_err = err;
			return err;
		}
		created++;
	}
	return 0;
}

SEC("struct_ops.s/handle_psi_event")
void BPF_PROG(many_event, struct psi_trigger *t)
{
	event_cgid = t->cgroup_id;
	events++;
}

SEC(".struct_ops.link")
struct bpf_psi_ops psi_many_ops = {
	.init = (void *)many_init,
	.handle_psi_event = (void *)many_event,
};
