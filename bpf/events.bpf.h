/* SPDX-License-Identifier: GPL-2.0 */
/* Decision records: built in a per-CPU scratch slot, copied to the ring buffer oomkit_events. */
#ifndef __OOMKIT_EVENTS_BPF_H
#define __OOMKIT_EVENTS_BPF_H

#define OOMKIT_EVENTS_BYTES (256 * 1024)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, OOMKIT_EVENTS_BYTES);
} oomkit_events SEC(".maps");

/*
 * A record is filled while the decision is being made, across sleeping
 * kfuncs, so it lives in a map slot rather than on the 512-byte stack or
 * in a ring buffer reservation that would stall the reader. One slot per
 * CPU: OOM handlers are serialized by the kernel's oom_lock, and handlers
 * that may overlap (PSI work) fill their record only after they slept.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct oomkit_event);
} oomkit_scratch SEC(".maps");

/* A zeroed record for @policy (a NUL-terminated name shorter than OOMKIT_NAME_LEN). */
static __always_inline struct oomkit_event *
oomkit_event_begin(const char *policy, u32 trigger)
{
	struct oomkit_event *ev;
	u32 key = 0;

	ev = bpf_map_lookup_elem(&oomkit_scratch, &key);
	if (!ev)
		return NULL;
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->trigger = trigger;
	bpf_probe_read_kernel_str(ev->policy, sizeof(ev->policy), policy);
	return ev;
}

/* Stamps and sends @ev; a full ring buffer costs the record, counted as events_dropped. */
static __always_inline void oomkit_event_submit(struct oomkit_event *ev)
{
	ev->ts_ns = bpf_ktime_get_boot_ns();
	if (bpf_ringbuf_output(&oomkit_events, ev, sizeof(*ev), 0))
		oomkit_stat_inc(OOMKIT_STAT_EVENTS_DROPPED);
}

/* Sizes in reasons are "12.3 MiB": the integer and tenth parts. */
#define OOMKIT_MIB(bytes)      ((bytes) >> 20)
#define OOMKIT_MIB_10TH(bytes) ((((bytes) & ((1ULL << 20) - 1)) * 10) >> 20)

/**
 * oomkit_reason - format @ev->reason with bpf_snprintf()
 * @ev: the record
 * @fmt: a string literal (bpf_snprintf wants it in read-only data)
 *
 * Arguments are integers; sizes go through OOMKIT_MIB()/OOMKIT_MIB_10TH().
 */
#define oomkit_reason(ev, fmt, args...) \
	BPF_SNPRINTF((ev)->reason, sizeof((ev)->reason), fmt, ##args)

#endif /* __OOMKIT_EVENTS_BPF_H */
