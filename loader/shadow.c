// SPDX-License-Identifier: GPL-2.0
/* Shadow mode (bpf/shadow.bpf.h): --shadow, and the hooks that see the kernel's kills. */
#include <string.h>
#include <bpf/libbpf.h>

#include "oomkit/intf.h"
#include "main.h"
#include "policy.h"
#include "shadow.h"
#include "tunables.h"

#define SHADOW_TUNABLE "shadow"

int shadow_request(struct policy *p, const char *step)
{
	char set[] = SHADOW_TUNABLE "=1", *sets[] = { set };

	if (!p->has_oom)
		return usage_err(
			"can't %s '%s' in shadow: it chooses no victim (a PSI policy "
			"declares OOMs); shadow the OOM policy it works with",
			step, p->name);
	/* observe kills nothing anyway; an object built before shadow existed */
	if (!policy_meta(p, OOMKIT_META_TUNABLE, SHADOW_TUNABLE))
		return usage_err(
			"can't %s '%s' in shadow: it has no shadow mode (an observing "
			"policy, or an object built without it: rebuild it against "
			"oomkit's bpf/ headers)",
			step, p->name);
	return policy_apply_sets(p, sets, 1);
}

bool shadow_on(const struct policy *p)
{
	char buf[16];

	return !tunable_format(p, SHADOW_TUNABLE, buf, sizeof(buf)) &&
	       !strcmp(buf, "true");
}

bool shadow_is_hook(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	return !strcmp(sec, "tp_btf/mark_victim") ||
	       !strcmp(sec, "fexit/out_of_memory");
}
