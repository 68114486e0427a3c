/* SPDX-License-Identifier: GPL-2.0 */
/* The only header a policy includes: kernel types, libbpf's BPF headers, the oomkit library. */
#ifndef __OOMKIT_BPF_H
#define __OOMKIT_BPF_H

/*
 * Our hand-written declarations in kfuncs.bpf.h are the reference; a
 * vmlinux.h from a newer pahole would otherwise bring its own prototypes.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "oomkit/intf.h"
#include "kfuncs.bpf.h"

/* errno values the library returns (no libc headers on the BPF side). */
#define ENOENT 2
#define ESRCH  3
#define E2BIG  7
#define ENOMEM 12
#define ERANGE 34
#define EBUSY  16
#define EINVAL 22

#include "meta.bpf.h"
#include "knobs.bpf.h"
#include "stats.bpf.h"
#include "events.bpf.h"
#include "abi.bpf.h"
#include "memcg.bpf.h"
#include "tasks.bpf.h"
#include "victims.bpf.h"
#include "shadow.bpf.h"
#include "health.bpf.h"
#include "walk.bpf.h"
#include "notice.bpf.h"
#include "kill.bpf.h"
#include "decide.bpf.h"

#endif /* __OOMKIT_BPF_H */
