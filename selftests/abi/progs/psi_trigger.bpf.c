// SPDX-License-Identifier: GPL-2.0
/* bpf_psi_ops: triggers made in init, their events, cgroup-free notices, argument checks, failing init. */
#include "abi.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define MSEC   1000u
#define SEC_US 1000000u

/* In (all set before attach: init runs during it) */
bool fail_init;
bool check_args;
__u64 event_cgid; /* PSI_MEM some 100 ms / 1 s trigger here */
__u64 free_cgid;  /* PSI_IO some 100 ms / 1 s trigger here */
__u64 valid_cgid; /* for the argument checks */
__u64 unknown_cgid;

/* Out */
__u64 init_calls;
int event_trigger_ret = 1000;
int free_trigger_ret = 1000;
int thr_over_win_ret = 1000;
int win_over_max_ret = 1000;
int thr_zero_ret = 1000;
int unknown_cgid_ret = 1000;
int valid_ret = 1000;
int win_max_ret = 1000;
int full_ret = 1000;

__u64 events;
__u64 event_hits; /* events of the trigger on event_cgid */
__u64 other_events;
__u64 free_calls;
__u64 free_hits;	  /* handle_cgroup_free(free_cgid) */
__u64 free_target_events; /* events for free_cgid: must stay 0 */

SEC("struct_ops.s/init")
int BPF_PROG(psi_init, struct bpf_psi *bpf_psi)
{
	init_calls++;
	if (fail_init)
		return -EINVAL;

	if (event_cgid)
		event_trigger_ret = bpf_psi_create_trigger(
			bpf_psi, event_cgid, PSI_MEM, 100 * MSEC, 1 * SEC_US);
	if (free_cgid)
		free_trigger_ret = bpf_psi_create_trigger(
			bpf_psi, free_cgid, PSI_IO, 100 * MSEC, 1 * SEC_US);
	if (check_args) {
		thr_over_win_ret = bpf_psi_create_trigger(
			bpf_psi, valid_cgid, PSI_MEM, 2 * SEC_US, 1 * SEC_US);
		win_over_max_ret = bpf_psi_create_trigger(
			bpf_psi, valid_cgid, PSI_MEM, 100 * MSEC, 11 * SEC_US);
		thr_zero_ret = bpf_psi_create_trigger(bpf_psi, valid_cgid,
						      PSI_MEM, 0, 1 * SEC_US);
		unknown_cgid_ret = bpf_psi_create_trigger(
			bpf_psi, unknown_cgid, PSI_MEM, 100 * MSEC, 1 * SEC_US);
		/* The controls: the same calls with valid arguments succeed. */
		valid_ret = bpf_psi_create_trigger(bpf_psi, valid_cgid, PSI_MEM,
						   100 * MSEC, 1 * SEC_US);
		win_max_ret = bpf_psi_create_trigger(
			bpf_psi, valid_cgid, PSI_MEM, 100 * MSEC, 10 * SEC_US);
		full_ret = bpf_psi_create_trigger(bpf_psi, valid_cgid,
						  PSI_MEM | ABI_PSI_FULL,
						  100 * MSEC, 1 * SEC_US);
	}
	return 0;
}

SEC("struct_ops.s/handle_psi_event")
void BPF_PROG(psi_event, struct psi_trigger *t)
{
	__u64 id = t->cgroup_id;

	events++;
	if (event_cgid && id == event_cgid)
		event_hits++;
	else if (free_cgid && id == free_cgid)
		free_target_events++;
	else
		other_events++;
}

SEC("struct_ops/handle_cgroup_free")
void BPF_PROG(psi_cgroup_free, u64 cgroup_id)
{
	free_calls++;
	if (free_cgid && cgroup_id == free_cgid)
		free_hits++;
}

SEC(".struct_ops.link")
struct bpf_psi_ops psi_trigger_ops = {
	.init = (void *)psi_init,
	.handle_psi_event = (void *)psi_event,
	.handle_cgroup_free = (void *)psi_cgroup_free,
};
