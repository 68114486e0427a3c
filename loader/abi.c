// SPDX-License-Identifier: GPL-2.0
/* The BPF OOM kernel ABI as the loader sees it: level probe, map kinds, attach, names, run order. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "abi.h"
#include "cgpath.h"
#include "main.h"
#include "prog_run.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* The kernel's value type of a struct_ops map is "bpf_struct_ops_<type>". */
#define VALUE_PREFIX "bpf_struct_ops_"
#define OOM_OPS	     "bpf_oom_ops"
#define PSI_OPS	     "bpf_psi_ops"
/* bpf/abi.bpf.h's CO-RE flavor of the level-2 bpf_oom_ops */
#define OOM_VARIANT_L2 "___l2"
/* and its level-2 PSI programs: <prefix>_<what>___l2 */
#define PROG_VARIANT_L2 "___l2"
#define LVL(n)		(1u << (n))

static const struct {
	enum abi_kind kind;
	const char *type;
} kinds[] = {
	{ ABI_KIND_OOM, OOM_OPS },
	{ ABI_KIND_PSI, PSI_OPS },
};

/* The BTF that kernel-abi.md (level 1) and kernel-abi-level2.md (level 2) name. */
static const struct abi_feature features[] = {
	{ ABI_FEAT_STRUCT, OOM_OPS, "struct_ops", LVL(1) | LVL(2) },
	{ ABI_FEAT_STRUCT, PSI_OPS, "struct_ops", LVL(1) },
	{ ABI_FEAT_FIELD, "oom_control.bpf_memory_freed", "fields",
	  LVL(1) | LVL(2) },
	{ ABI_FEAT_FIELD, "oom_control.bpf_policy_name", "fields", LVL(1) },
	{ ABI_FEAT_FIELD, "oom_control.bpf_handler_name", "fields", LVL(2) },
	{ ABI_FEAT_KFUNC, "bpf_oom_kill_process", "kfuncs", LVL(1) | LVL(2) },
	{ ABI_FEAT_KFUNC, "bpf_out_of_memory", "kfuncs", LVL(1) | LVL(2) },
	{ ABI_FEAT_KFUNC, "bpf_task_is_oom_victim", "kfuncs", LVL(1) | LVL(2) },
	{ ABI_FEAT_KFUNC, "bpf_psi_create_trigger", "kfuncs", LVL(1) },
	{ ABI_FEAT_KFUNC, "bpf_get_mem_cgroup", "kfuncs", LVL(1) | LVL(2) },
	{ ABI_FEAT_KFUNC, "bpf_put_mem_cgroup", "kfuncs", LVL(1) | LVL(2) },
	{ ABI_FEAT_KFUNC, "bpf_get_root_mem_cgroup", "kfuncs",
	  LVL(1) | LVL(2) },
	{ ABI_FEAT_KFUNC, "bpf_mem_cgroup_usage", "kfuncs", LVL(1) | LVL(2) },
	{ ABI_FEAT_KFUNC, "bpf_mem_cgroup_page_state", "kfuncs",
	  LVL(1) | LVL(2) },
	{ ABI_FEAT_KFUNC, "bpf_mem_cgroup_vm_events", "kfuncs",
	  LVL(1) | LVL(2) },
	{ ABI_FEAT_KFUNC, "bpf_mem_cgroup_memory_events", "kfuncs",
	  LVL(1) | LVL(2) },
	{ ABI_FEAT_KFUNC, "bpf_mem_cgroup_flush_stats", "kfuncs",
	  LVL(1) | LVL(2) },
};

/* --- the level, from BTF ---------------------------------------------------- */

static const struct btf_type *find_struct(const struct btf *btf,
					  const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

	return id < 0 ? NULL : btf__type_by_id(btf, id);
}

static const struct btf_member *
find_member(const struct btf *btf, const struct btf_type *t, const char *name)
{
	const struct btf_member *m = btf_members(t);
	int i;

	for (i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return m;
	return NULL;
}

/* @id through typedefs and modifiers, NULL for void or a broken id. */
static const struct btf_type *resolved(const struct btf *btf, __u32 id)
{
	int rid = btf__resolve_type(btf, id);

	return rid <= 0 ? NULL : btf__type_by_id(btf, rid);
}

/* True if type @id is a pointer to struct @name. */
static bool is_ptr_to(const struct btf *btf, __u32 id, const char *name)
{
	const struct btf_type *t = resolved(btf, id);

	if (!t || !btf_is_ptr(t))
		return false;
	t = resolved(btf, t->type);
	return t && btf_is_struct(t) &&
	       !strcmp(btf__name_by_offset(btf, t->name_off), name);
}

/* The prototype a function-pointer member points to. */
static const struct btf_type *member_proto(const struct btf *btf,
					   const struct btf_member *m)
{
	const struct btf_type *t = resolved(btf, m->type);

	if (!t || !btf_is_ptr(t))
		return NULL;
	t = resolved(btf, t->type);
	return t && btf_is_func_proto(t) ? t : NULL;
}

/*
 * kernel-abi-level2.md §9: the shape of struct bpf_oom_ops and of its
 * handler tells the levels apart. The argument count alone would not: the
 * series' v2 and v3 handlers also take two (a struct bpf_oom_ctx * first,
 * or a struct bpf_struct_ops_link * second), and oomkit speaks neither, so
 * the types are checked. bpf_psi_ops is gone at level 2: its presence next
 * to a level-2 bpf_oom_ops is a mix no revision had.
 */
void abi_probe_btf(const struct btf *btf, struct abi_probe *out)
{
	const struct btf_member *handler;
	const struct btf_type *ops, *proto;
	const struct btf_param *args;
	int nr_members, nr_args;

	memset(out, 0, sizeof(*out));
	out->has_psi = find_struct(btf, PSI_OPS) != NULL;
	ops = find_struct(btf, OOM_OPS);
	if (!ops) {
		snprintf(out->why, sizeof(out->why),
			 "the kernel's BTF has no struct " OOM_OPS
			 " (no BPF OOM series in this kernel)");
		return;
	}
	out->has_oom = true;
	handler = find_member(btf, ops, "handle_out_of_memory");
	proto = handler ? member_proto(btf, handler) : NULL;
	if (!proto || !find_member(btf, ops, "name")) {
		snprintf(
			out->why, sizeof(out->why),
			"struct " OOM_OPS " has no handle_out_of_memory() "
			"or no name: a revision of the series oomkit does not know");
		return;
	}
	nr_members = btf_vlen(ops);
	nr_args = btf_vlen(proto);
	args = btf_params(proto);
	if (nr_args < 1 || !is_ptr_to(btf, args[0].type, "oom_control")) {
		snprintf(
			out->why, sizeof(out->why),
			"handle_out_of_memory()'s first argument is not "
			"a struct oom_control * (a v2/v3 revision of the series, which oomkit does "
			"not speak)");
		return;
	}
	if (nr_members == 3 && find_member(btf, ops, "bpf_oom") &&
	    nr_args == 1) {
		out->level = ABI_LEVEL_1;
		return;
	}
	if (nr_members == 2 && nr_args == 2 &&
	    is_ptr_to(btf, args[1].type, "cgroup")) {
		if (out->has_psi) {
			snprintf(out->why, sizeof(out->why),
				 "struct " OOM_OPS " is level 2's but "
				 "struct " PSI_OPS
				 ", which level 2 removed, is there: a mix of "
				 "levels oomkit does not know");
			return;
		}
		out->level = ABI_LEVEL_2;
		return;
	}
	if (nr_args == 2 && !is_ptr_to(btf, args[1].type, "cgroup")) {
		snprintf(
			out->why, sizeof(out->why),
			"handle_out_of_memory()'s second argument is "
			"not a struct cgroup * (a v2/v3 revision of the series, which oomkit does "
			"not speak)");
		return;
	}
	snprintf(
		out->why, sizeof(out->why),
		"struct " OOM_OPS " has %d members and "
		"handle_out_of_memory() %d arguments: neither level 1 (3 with bpf_oom, 1) "
		"nor level 2 (2, 2)",
		nr_members, nr_args);
}

static struct btf *vmlinux;
static int vmlinux_err;

const struct btf *abi_vmlinux_btf(void)
{
	/* ~5 MB parsed once: feature, the kernel check and show all read it */
	if (!vmlinux && !vmlinux_err) {
		vmlinux = btf__load_vmlinux_btf();
		if (!vmlinux)
			vmlinux_err = errno ? -errno : -ENOENT;
	}
	if (!vmlinux)
		errno = -vmlinux_err;
	return vmlinux;
}

int abi_kernel(const struct abi_probe **out)
{
	static struct abi_probe probe;
	static bool probed;
	const struct btf *btf = abi_vmlinux_btf();

	if (!btf)
		return -errno;
	if (!probed) {
		abi_probe_btf(btf, &probe);
		probed = true;
	}
	*out = &probe;
	return 0;
}

const char *abi_level_name(enum abi_level level)
{
	switch (level) {
	case ABI_LEVEL_1:
		return "level 1";
	case ABI_LEVEL_2:
		return "level 2";
	default:
		return "none";
	}
}

/* --- map kinds -------------------------------------------------------------- */

/* A struct's name without a CO-RE flavor suffix: "bpf_oom_ops___l2" -> "bpf_oom_ops" */
static size_t essential_len(const char *name)
{
	const char *flavor = strstr(name, "___");

	return flavor ? (size_t)(flavor - name) : strlen(name);
}

const char *abi_map_name(const struct bpf_map *map, char *buf, size_t len)
{
	const char *name = bpf_map__name(map);

	snprintf(buf, len, "%.*s", (int)essential_len(name), name);
	return buf;
}

/* The level an object's OOM map is built for: its type's flavor names it. */
static enum abi_level map_variant(const struct bpf_object *obj,
				  const struct bpf_map *map)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t;
	const char *name;

	t = btf ? btf__type_by_id(btf, bpf_map__btf_value_type_id(map)) : NULL;
	name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	if (!name)
		return ABI_NONE;
	return strcmp(name + essential_len(name), OOM_VARIANT_L2) ?
		       ABI_LEVEL_1 :
		       ABI_LEVEL_2;
}

static enum abi_kind kind_of(const struct btf *btf, __u32 id, bool kernel)
{
	const struct btf_type *t;
	const char *name;
	size_t i, len;

	if (!btf || !id)
		return ABI_KIND_OTHER;
	t = btf__type_by_id(btf, id);
	name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	if (!name)
		return ABI_KIND_OTHER;
	/* the object's BTF names the struct itself, the kernel's its value wrapper */
	if (kernel) {
		if (strncmp(name, VALUE_PREFIX, strlen(VALUE_PREFIX)))
			return ABI_KIND_OTHER;
		name += strlen(VALUE_PREFIX);
	}
	len = essential_len(name);
	for (i = 0; i < ARRAY_LEN(kinds); i++)
		if (strlen(kinds[i].type) == len &&
		    !strncmp(name, kinds[i].type, len))
			return kinds[i].kind;
	return ABI_KIND_OTHER;
}

enum abi_kind abi_map_kind(const struct bpf_object *obj,
			   const struct bpf_map *map,
			   const struct bpf_map_info *info)
{
	if (obj && map) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			return ABI_KIND_OTHER;
		/* the variant of another level, left out by abi_select_variant() */
		if (!bpf_map__autocreate(map))
			return ABI_KIND_OTHER;
		return kind_of(bpf_object__btf(obj),
			       bpf_map__btf_value_type_id(map), false);
	}
	if (info && info->type == BPF_MAP_TYPE_STRUCT_OPS)
		return kind_of(abi_vmlinux_btf(),
			       info->btf_vmlinux_value_type_id, true);
	return ABI_KIND_OTHER;
}

static bool is_oom_map(const struct bpf_object *obj, const struct bpf_map *map)
{
	return bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS &&
	       kind_of(bpf_object__btf(obj), bpf_map__btf_value_type_id(map),
		       false) == ABI_KIND_OOM;
}

static bool is_psi_map(const struct bpf_object *obj, const struct bpf_map *map)
{
	return bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS &&
	       kind_of(bpf_object__btf(obj), bpf_map__btf_value_type_id(map),
		       false) == ABI_KIND_PSI;
}

/* bpf/abi.bpf.h's level-2 PSI programs, by their names' suffix. */
static bool is_l2_prog(const struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);
	size_t len = strlen(name), sfx = strlen(PROG_VARIANT_L2);

	return len > sfx && !strcmp(name + len - sfx, PROG_VARIANT_L2);
}

/*
 * Level 2 has no bpf_psi_ops: a PSI policy built with bpf/abi.bpf.h
 * carries level-2 programs beside its bpf_psi_ops map (abi.bpf.h says
 * what they do). At level 2 the map, and so its programs, is left out;
 * elsewhere the level-2 programs are (a tp_btf/psi_avgs_work program
 * does not even load on level 1). An object with a bpf_psi_ops map but
 * no level-2 programs is refused at level 2.
 */
static int select_psi_variant(struct bpf_object *obj, enum abi_level want,
			      char *why, size_t len)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	bool l2 = false, psi = false;
	int err;

	bpf_object__for_each_program(prog, obj) {
		if (!is_l2_prog(prog))
			continue;
		l2 = true;
		if (want == ABI_LEVEL_2)
			continue;
		err = bpf_program__set_autoload(prog, false);
		if (err) {
			snprintf(
				why, len,
				"can't leave out program '%s' of ABI level 2: %s",
				bpf_program__name(prog), strerror(-err));
			return err;
		}
	}
	if (want != ABI_LEVEL_2)
		return 0;
	bpf_object__for_each_map(map, obj) {
		if (!is_psi_map(obj, map))
			continue;
		psi = true;
		if (!l2)
			continue;
		err = bpf_map__set_autocreate(map, false);
		if (err) {
			snprintf(why, len,
				 "can't leave out map '%s' of ABI level 1: %s",
				 bpf_map__name(map), strerror(-err));
			return err;
		}
	}
	if (psi && !l2) {
		snprintf(
			why, len,
			"this kernel has no " PSI_OPS
			" (ABI level 2 replaced it with the psi_avgs_work "
			"tracepoint) and the object has no level-2 PSI programs: it was built "
			"against an older bpf/abi.bpf.h; rebuild it");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * An object built with bpf/abi.bpf.h carries an OOM map per level (the
 * level-2 one of type bpf_oom_ops___l2); one built against an older header
 * only level 1's. Keep the running kernel's; a kernel of no known level
 * (a build host, the host suite) keeps level 1's, so checks and listings
 * see the object as before. libbpf (1.4 and later) loads a struct_ops
 * program only if a map it sits in is created, so leaving out the map
 * leaves out its handler, whose level-2 BTF would not verify on level 1.
 * The PSI side: select_psi_variant().
 */
int abi_select_variant(struct bpf_object *obj, char *why, size_t len)
{
	const struct abi_probe *k;
	enum abi_level want = ABI_LEVEL_1;
	bool have = false, other = false;
	struct bpf_map *map;
	int err;

	if (!abi_kernel(&k) && k->level == ABI_LEVEL_2)
		want = ABI_LEVEL_2;
	err = select_psi_variant(obj, want, why, len);
	if (err)
		return err;
	bpf_object__for_each_map(map, obj) {
		if (!is_oom_map(obj, map))
			continue;
		if (map_variant(obj, map) == want)
			have = true;
		else
			other = true;
	}
	if (!other)
		return 0;
	if (!have) {
		snprintf(
			why, len,
			"it has no %s for ABI level %d, this kernel's: it was built "
			"against an older bpf/abi.bpf.h; rebuild it",
			OOM_OPS, want);
		return -EOPNOTSUPP;
	}
	bpf_object__for_each_map(map, obj) {
		if (!is_oom_map(obj, map) || map_variant(obj, map) == want)
			continue;
		err = bpf_map__set_autocreate(map, false);
		if (err) {
			snprintf(
				why, len,
				"can't leave out map '%s' of the other ABI level: %s",
				bpf_map__name(map), strerror(-err));
			return err;
		}
	}
	return 0;
}

enum abi_prog_role abi_prog_role(const struct bpf_program *prog)
{
	/* left out by abi_select_variant(): not this kernel's level */
	if (!is_l2_prog(prog) || !bpf_program__autoload(prog))
		return ABI_PROG_NONE;
	switch (bpf_program__type(prog)) {
	case BPF_PROG_TYPE_SYSCALL:
		return ABI_PROG_PSI_INIT;
	case BPF_PROG_TYPE_TRACING:
		return ABI_PROG_PSI_TRACE;
	default:
		return ABI_PROG_NONE;
	}
}

int abi_run_init(const struct bpf_program *prog, const char **hint)
{
	int err, ret;

	*hint = "";
	err = prog_run(bpf_program__fd(prog), NULL, 0, &ret);
	if (err) {
		*hint = " (running it with BPF_PROG_RUN)";
		return err;
	}
	/* the init's own refusal, as level 1's bpf_psi_ops init would refuse the attach */
	if (ret < 0) {
		*hint = " (the policy's init refused)";
		return ret;
	}
	return 0;
}

const char *abi_kind_name(enum abi_kind kind)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(kinds); i++)
		if (kinds[i].kind == kind)
			return kinds[i].type;
	return "?";
}

int abi_check_kind(enum abi_kind kind, char *why, size_t len)
{
	const struct abi_probe *k;
	int err;

	err = abi_kernel(&k);
	if (err) {
		snprintf(
			why, len,
			"can't read the kernel's BTF (/sys/kernel/btf/vmlinux): %s",
			strerror(-err));
		return err;
	}
	switch (kind) {
	case ABI_KIND_OOM:
		if (k->level != ABI_NONE)
			return 0;
		if (!k->has_oom)
			snprintf(why, len,
				 "this kernel has no " OOM_OPS
				 " (needs the BPF OOM "
				 "series; see 'oomkit feature')");
		else
			snprintf(why, len,
				 "this kernel's " OOM_OPS
				 " is of no ABI level oomkit "
				 "knows: %s",
				 k->why);
		return -EOPNOTSUPP;
	case ABI_KIND_PSI:
		/*
		 * Level 1: a bpf_psi_ops map. Level 2: the level-2 programs
		 * of bpf/abi.bpf.h; abi_select_variant() refused an object
		 * without them.
		 */
		if (k->has_psi || k->level == ABI_LEVEL_2)
			return 0;
		snprintf(why, len,
			 "this kernel has no " PSI_OPS " (needs the BPF OOM "
			 "series; see 'oomkit feature')");
		return -EOPNOTSUPP;
	default:
		snprintf(why, len, "not a map of the BPF OOM ABI");
		return -EINVAL;
	}
}

/* --- attach ----------------------------------------------------------------- */

/*
 * Level 2 (kernel-abi-level2.md §3, §8): a link on a cgroup; the cgroup2
 * root is what level 1's global list was. libbpf 1.5 has no
 * bpf_map__attach_cgroup_opts() and writes a struct_ops map's value only in
 * bpf_map__attach_struct_ops(): that call writes it, then its cgroup-less
 * link fails, and the link is created raw on the root's fd. libbpf 1.5 can
 * wrap a raw link fd in a struct bpf_link only through a pin
 * (bpf_link__open()): a pinned policy's link is pinned at @pin_path; an
 * unpinned one ('oomkit run', @pin_path NULL) at a bpffs name of this
 * process's, removed once opened, so the link lives as long as the caller
 * holds it. A crash between the two leaves that pin behind.
 */
static int attach_cgroup(struct bpf_map *map, const char *scope_dir,
			 const char *pin_path, struct bpf_link **out,
			 const char **hint)
{
	char run_path[PATH_MAX];
	struct bpf_link *link;
	int cg_fd, fd, err;

	if (!pin_path) {
		snprintf(run_path, sizeof(run_path),
			 OOMKIT_BPFFS "/oomkit-run~%d~%s", (int)getpid(),
			 bpf_map__name(map));
		pin_path = run_path;
	}
	link = bpf_map__attach_struct_ops(map);
	if (link) {
		/* the BTF said level 2, yet the kernel took a link without a cgroup */
		bpf_link__destroy(link);
		*hint = " (a cgroup-less link was accepted: the kernel is not the level 2 its "
			"BTF describes)";
		return -EPROTO;
	}
	cg_fd = open(scope_dir ?: cgroup2_mount(),
		     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		err = -errno;
		*hint = " (can't open the cgroup to attach to)";
		return err;
	}
	fd = bpf_link_create(bpf_map__fd(map), cg_fd, BPF_STRUCT_OPS, NULL);
	close(cg_fd);
	if (fd < 0) {
		*hint = " (a link on a cgroup, ABI level 2)";
		return fd;
	}
	err = bpf_obj_pin(fd, pin_path);
	/* from here the pin (if made) holds the link */
	close(fd);
	if (err) {
		*hint = " (can't pin the cgroup link)";
		return err;
	}
	link = bpf_link__open(pin_path);
	if (!link) {
		err = -errno;
		unlink(pin_path);
		return err;
	}
	if (pin_path == run_path) {
		err = bpf_link__unpin(link);
		if (err) {
			bpf_link__destroy(link);
			unlink(run_path);
			*hint = " (can't remove the link's transient pin)";
			return err;
		}
	}
	*out = link;
	return 0;
}

bool abi_scopes_in_kernel(void)
{
	const struct abi_probe *k;

	return !abi_kernel(&k) && k->level == ABI_LEVEL_2;
}

int abi_attach(struct bpf_map *map, enum abi_kind kind, const char *scope_dir,
	       const char *pin_path, struct bpf_link **out, const char **hint)
{
	const struct abi_probe *k;
	struct bpf_link *link;

	/* bpf_psi_ops' init() runs in the attach, and may refuse it */
	*hint = kind == ABI_KIND_PSI ? " (its init() may have refused)" : "";
	if (!abi_kernel(&k) && k->level == ABI_LEVEL_2 && kind == ABI_KIND_OOM)
		return attach_cgroup(map, scope_dir, pin_path, out, hint);
	/* level 1: a global link; the caller pins it */
	link = bpf_map__attach_struct_ops(map);
	if (!link)
		return -errno;
	*out = link;
	return 0;
}

/* --- names ------------------------------------------------------------------ */

int abi_value_name(const struct btf *btf, __u32 type_id, const void *data,
		   size_t size, char *name, size_t len)
{
	const struct btf_member *m;
	const struct btf_type *t;
	size_t off, n;

	t = btf ? btf__type_by_id(btf, type_id) : NULL;
	if (!t || !btf_is_struct(t) || !data || !len)
		return 0;
	m = find_member(btf, t, "name");
	if (!m)
		return 0;
	off = m->offset / 8;
	if (off >= size)
		return 0;
	n = size - off < ABI_OOM_NAME_LEN ? size - off : ABI_OOM_NAME_LEN;
	n = strnlen((const char *)data + off, n);
	if (n >= len)
		n = len - 1;
	memcpy(name, (const char *)data + off, n);
	name[n] = '\0';
	return 1;
}

const char *abi_reported_name(const char *name)
{
	/* both levels: an empty name is reported as this */
	return name && name[0] ? name : "bpf_defined_policy";
}

/* --- run order -------------------------------------------------------------- */

static int cmp_link(const void *a, const void *b)
{
	const struct abi_link_ent *x = a, *y = b;

	return x->link_id < y->link_id ? -1 : x->link_id > y->link_id;
}

/*
 * Level 1 runs handlers in attach order (kernel-abi.md §1), that is link
 * creation order: ascending link ids. At level 2 a cgroup's own links run
 * in attach order too when none was placed with BPF_F_BEFORE, which is how
 * oomkit attaches (to the root, last); links on other cgroups or placed
 * before others would need BPF_PROG_QUERY's type_id, which 6.12's UAPI
 * lacks, so they are ranked by id as well.
 */
int abi_link_info(int link_fd, struct bpf_link_info *info, __u64 *cgroup_id)
{
	/* level 2 appends cgroup_id to struct_ops' map_id, 8-aligned */
	union {
		struct bpf_link_info info;
		char raw[sizeof(struct bpf_link_info) + 16];
	} u;
	size_t off = offsetof(struct bpf_link_info, struct_ops.map_id) + 8;
	__u32 len = sizeof(u);

	memset(&u, 0, sizeof(u));
	if (bpf_link_get_info_by_fd(link_fd, &u.info, &len))
		return -errno;
	*info = u.info;
	*cgroup_id = 0;
	if (u.info.type == BPF_LINK_TYPE_STRUCT_OPS &&
	    off + sizeof(*cgroup_id) <= len)
		memcpy(cgroup_id, u.raw + off, sizeof(*cgroup_id));
	return 0;
}

bool abi_link_detached(const struct bpf_link_info *info, __u64 cgroup_id)
{
	const struct abi_probe *k;

	if (!abi_kernel(&k) && k->level == ABI_LEVEL_2)
		return !cgroup_id;
	return !info->struct_ops.map_id;
}

int abi_links_collect(struct abi_links *l)
{
	__u32 id = 0;

	l->v = NULL;
	l->nr = 0;
	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		struct bpf_map_info minfo = {};
		__u32 mlen = sizeof(minfo);
		struct abi_link_ent *n;
		enum abi_kind kind;
		__u64 cgid;
		int fd, mfd;

		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		/* a detached link runs nothing: it has no place in an order */
		if (abi_link_info(fd, &info, &cgid) ||
		    info.type != BPF_LINK_TYPE_STRUCT_OPS ||
		    abi_link_detached(&info, cgid)) {
			close(fd);
			continue;
		}
		close(fd);
		mfd = bpf_map_get_fd_by_id(info.struct_ops.map_id);
		if (mfd < 0)
			continue;
		if (bpf_map_get_info_by_fd(mfd, &minfo, &mlen)) {
			close(mfd);
			continue;
		}
		close(mfd);
		kind = abi_map_kind(NULL, NULL, &minfo);
		if (kind == ABI_KIND_OTHER)
			continue;
		n = realloc(l->v, (l->nr + 1) * sizeof(*n));
		if (!n) {
			abi_links_free(l);
			return -ENOMEM;
		}
		l->v = n;
		n[l->nr].link_id = info.id;
		n[l->nr].map_id = info.struct_ops.map_id;
		n[l->nr].cgroup_id = cgid;
		n[l->nr].kind = kind;
		l->nr++;
	}
	if (l->v)
		qsort(l->v, l->nr, sizeof(*l->v), cmp_link);
	return 0;
}

void abi_links_free(struct abi_links *l)
{
	free(l->v);
	l->v = NULL;
	l->nr = 0;
}

int abi_run_order(const struct abi_links *l, __u32 link_id, __u32 map_id,
		  __u32 *link_of_map)
{
	const struct abi_link_ent *me = NULL;
	size_t i;
	int order = 0;

	for (i = 0; i < l->nr && !me; i++)
		if (l->v[i].kind == ABI_KIND_OOM &&
		    (link_id ? l->v[i].link_id == link_id :
			       l->v[i].map_id == map_id))
			me = &l->v[i];
	if (!me)
		return 0;
	/* level 2 runs a cgroup's own links in their order; level 1 has one list */
	for (i = 0; i < l->nr; i++) {
		const struct abi_link_ent *e = &l->v[i];

		if (e->kind != ABI_KIND_OOM || e->cgroup_id != me->cgroup_id)
			continue;
		order++;
		if (e == me)
			break;
	}
	if (link_of_map)
		*link_of_map = me->link_id;
	return order;
}

/* --- what 'oomkit feature' lists -------------------------------------------- */

size_t abi_features(const struct abi_feature **out)
{
	*out = features;
	return ARRAY_LEN(features);
}

bool abi_feature_needed(const struct abi_feature *f, enum abi_level level)
{
	return f->levels & LVL(level == ABI_NONE ? ABI_LEVEL_1 : level);
}

static bool has_field(const struct btf *btf, const char *spec)
{
	const char *dot = strchr(spec, '.');
	const struct btf_type *t;
	char sname[64];

	if (!dot)
		return false;
	snprintf(sname, sizeof(sname), "%.*s", (int)(dot - spec), spec);
	t = find_struct(btf, sname);
	return t && find_member(btf, t, dot + 1);
}

bool abi_feature_present(const struct btf *btf, const struct abi_feature *f)
{
	switch (f->kind) {
	case ABI_FEAT_STRUCT:
		return find_struct(btf, f->name) != NULL;
	case ABI_FEAT_FIELD:
		return has_field(btf, f->name);
	case ABI_FEAT_KFUNC:
		return btf__find_by_name_kind(btf, f->name, BTF_KIND_FUNC) >= 0;
	}
	return false;
}
