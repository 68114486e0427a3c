// SPDX-License-Identifier: GPL-2.0
/* The one source of oomkit's command documentation: --help and the man page. */
#include <stdbool.h>
#include <string.h>

#include "doc.h"

/* 'policy list' and 'policy load' print the same text for it. */
static const char policy_dir_text[] =
	"Where drop-in policies (*.bpf.o) are looked up (default " OOMKIT_POLICY_DIR
	", or $OOMKIT_POLICY_DIR).";

static const char scope_text[] =
	"Handle only the OOMs of CGROUP and the cgroups below it (a memory.max "
	"there, or below): two tenants can each have their own policy, with their "
	"parent's and then the kernel's as fallback. A global OOM is outside every "
	"scope but the root's. At ABI level 2 the policy is attached to CGROUP and "
	"the kernel sends it only those OOMs; at level 1 the policy library passes "
	"the others on. When CGROUP is removed, level 2 detaches the policy and "
	"level 1's matches no OOM any more; 'policy show' says so either way. A "
	"relative path is taken from the cgroup2 mount; the cgroup must exist.";
static const char name_text[] =
	"Pin the instance as NAME (default: the policy's name), so that one policy "
	"can be loaded more than once, e.g. once per --scope. The kernel's OOM "
	"report keeps the policy's own name.";

static const char shadow_text[] =
	"Load an OOM policy in shadow: at every OOM it decides and records "
	"\"shadow\" (would kill) without killing, and lets the next handler or "
	"the kernel act; 'policy show' then counts how often the kill that "
	"followed was its process (shadow_same_task), another one in its cgroup "
	"(shadow_same_cgroup), elsewhere (shadow_other), or none (shadow_no_kill). "
	"The same as --set shadow=1. A PSI policy, which chooses no victim, and "
	"observe have none.";

static const struct doc_opt load_opts[] = {
	{ "--set KEY=VALUE",
	  "Set a tunable of the policy (a const volatile variable, type- and range-checked) "
	  "or a per-cgroup setting (KEY=CGROUP_PATH or KEY=CGROUP_PATH:N; the path is "
	  "resolved to a cgroup id; relative paths are taken from the cgroup2 mount). "
	  "Repeatable. 'oomkit policy list' shows the keys. Integers are decimal, or "
	  "hexadecimal with 0x; a leading 0 (010) is refused rather than read as octal. "
	  "Only settings named *_bytes take the binary suffixes k, M and G (1k = 1024). "
	  "A path of 4096 bytes or more "
	  "is refused, never shortened. The cgroup2 root itself is refused as a "
	  "per-cgroup setting: omit the setting for the system-wide behaviour." },
	{ "--policy-dir DIR", policy_dir_text },
	{ "--stats",
	  "Turn on the kernel's BPF run-time statistics for the whole machine "
	  "(kernel.bpf_stats_enabled=1), for the run counts and times of "
	  "'policy show'." },
	{ "--scope CGROUP", scope_text },
	{ "--name NAME", name_text },
	{ "--shadow", shadow_text },
	{ NULL, NULL },
};

static const struct doc_opt list_opts[] = {
	{ "--policy-dir DIR", policy_dir_text },
	{ NULL, NULL },
};

static const struct doc_opt unload_opts[] = {
	{ "--all",
	  "Unload every policy pinned under /sys/fs/bpf/oomkit, including the "
	  "leftovers of an interrupted load." },
	{ NULL, NULL },
};

static const struct doc_opt events_opts[] = {
	{ "--count N",
	  "Exit after N decisions; at most N are printed, later ones stay in "
	  "the ring for the next reader." },
	{ "--timeout SEC", "Exit after SEC seconds." },
	{ "--journal",
	  "Send each decision to the systemd journal (sd_journal_send) instead of "
	  "standard output: the line without its time (the journal stamps it), "
	  "SYSLOG_IDENTIFIER=oomkit, a PRIORITY (err for a failed kill, warning for a "
	  "kill or a declared OOM, notice for observe and no-candidate, info for the "
	  "rest) and the fields OOMKIT_POLICY, OOMKIT_DECISION and OOMKIT_TRIGGER "
	  "(journalctl -t oomkit; journalctl OOMKIT_DECISION=kill-task). Not with -j. "
	  "oomkit-events.service runs it." },
	{ "--exec CMD",
	  "Run CMD (with /bin/sh -c) for each record, after it is printed, with the "
	  "record in the environment: OOMKIT_POLICY, OOMKIT_DECISION, OOMKIT_TRIGGER, "
	  "OOMKIT_TIME, OOMKIT_TS_NS, OOMKIT_SCOPE (a path, or global), "
	  "OOMKIT_SCOPE_CGROUP_ID, OOMKIT_SCOPE_BYTES, OOMKIT_VICTIM, "
	  "OOMKIT_VICTIM_CGROUP_ID, OOMKIT_VICTIM_BYTES, OOMKIT_PID, OOMKIT_PIDS, "
	  "OOMKIT_COMM, OOMKIT_REASON, OOMKIT_LINE (the text line) and, for a pressure "
	  "record, OOMKIT_DEADLINE_NS, OOMKIT_TERM and, if it asks a reclaim, "
	  "OOMKIT_RECLAIM and OOMKIT_RECLAIM_BYTES. Its standard output goes to "
	  "standard error. Hooks run beside the reader (at most 8 hooks and reclaims "
	  "at a time; a record finding 8 still running gets none) and never delay it, nor the policy: a "
	  "pressure record's deadline is the kernel's." },
	{ "--exec-timeout SEC",
	  "Kill a hook (its process group, SIGKILL) still running after SEC seconds "
	  "(default 10)." },
	{ NULL, NULL },
};

static const struct doc_opt metrics_opts[] = {
	{ "--output FILE",
	  "Write FILE (replaced atomically) instead of standard output." },
	{ "--group GROUP",
	  "Make FILE readable by GROUP (mode 0640 instead of 0600)." },
	{ NULL, NULL },
};

static const struct doc_opt apply_opts[] = {
	{ "--config FILE",
	  "Read FILE (and FILE.d/*.conf) instead of " OOMKIT_SYSCONFDIR
	  "/oomkit/oomkit.conf." },
	{ "--dry-run",
	  "Print the plan (what would be loaded, replaced and why, unloaded, and "
	  "each setting written or removed) and change nothing." },
	{ NULL, NULL },
};

static const struct doc_opt stop_opts[] = {
	{ "--config FILE",
	  "Read OnStop= from FILE (and FILE.d/*.conf) instead of " OOMKIT_SYSCONFDIR
	  "/oomkit/oomkit.conf." },
	{ NULL, NULL },
};

static const struct doc_opt run_opts[] = {
	{ "--set KEY=VALUE", "As for 'policy load'. Repeatable." },
	{ "--policy-dir DIR", "As for 'policy list'." },
	{ "--count N", "Detach and exit after N decisions." },
	{ "--timeout SEC", "Detach and exit after SEC seconds." },
	{ "--scope CGROUP", "As for 'policy load'." },
	{ "--name NAME",
	  "The name the instance goes by while it runs (its lock and messages)." },
	{ "--shadow", "As for 'policy load'." },
	{ "--exec CMD", "As for 'events'." },
	{ "--exec-timeout SEC", "As for 'events'." },
	{ NULL, NULL },
};

const struct doc_cmd doc_cmds[] = {
	{ "policy", "list", "[--policy-dir DIR]",
	  "list the built-in and drop-in policies",
	  "Lists the policies built into oomkit and the drop-in objects (*.bpf.o) of the "
	  "policy directory: the oom_policy name, the kind (oom for a bpf_oom_ops, psi for a "
	  "bpf_psi_ops, both), where it comes from, its tunables with their defaults and "
	  "ranges, its per-cgroup settings, and a one-line description.\n\n"
	  "A drop-in object must be owned by root and not writable by group or others: it "
	  "decides which processes die. So must its directory and every directory above it "
	  "(a sticky one above it, like /tmp, may be writable). The object is opened without "
	  "following a symbolic link and must be a regular file; a drop-in whose policy name "
	  "is a built-in's is refused. Refused objects are listed with the reason.",
	  list_opts },
	{ "policy", "load",
	  "NAME|PATH [--set KEY=VALUE]... [--scope CGROUP] [--name NAME] [--shadow] [--stats]",
	  "load, attach and pin a policy",
	  "Opens the policy (a built-in NAME, a drop-in NAME from the policy directory, or "
	  "a PATH to a .bpf.o), sets its tunables, checks that the running kernel has the "
	  "struct_ops types it needs, loads it (printing the tail of the verifier log if the "
	  "verifier refuses it), writes its per-cgroup settings, attaches every bpf_oom_ops "
	  "and bpf_psi_ops struct_ops map as a link and pins the links and the maps "
	  "oomkit_events, oomkit_stats, every knob map, the loaded .rodata (as rodata) and "
	  "a frozen copy of its metadata (oomkit_meta) under /sys/fs/bpf/oomkit/NAME/. "
	  "The policy stays attached after oomkit exits. Prints the oom_policy name the "
	  "kernel will report.\n\n"
	  "A policy carries a handler for each ABI level (see 'oomkit feature'); the one "
	  "the running kernel has is loaded. At level 2 each bpf_oom_ops map is attached "
	  "to the --scope cgroup, by default the cgroup2 root, which is system-wide as "
	  "level 1's links are. Level 2 has no bpf_psi_ops: a PSI policy's init runs "
	  "once at load and its psi_avgs_work and cgroup_rmdir tracepoint programs are "
	  "attached and pinned as link-PROGRAM; PSI samples come about every 2 s per "
	  "active group, so a window under 2 s is judged on a 2-s sample.\n\n"
	  "Pins are made in /sys/fs/bpf/oomkit/NAME~tmp/ and renamed into place; any "
	  "failure detaches and unpins everything done so far. Loading a NAME that is "
	  "already loaded is an error.\n\n"
	  "oomkit commands take an exclusive lock (flock) on the directory "
	  "/sys/fs/bpf/oomkit: 'policy load' from its last check that NAME is free to the "
	  "rename, 'policy unload' across its scan and every removal, 'run' across its "
	  "check and attach. One that cannot get it within 10 s fails with 'busy'; a "
	  "NAME~tmp whose loader still holds the lock is reported busy, not as a "
	  "leftover.\n\n"
	  "SIGINT, SIGTERM or SIGHUP while the links are being attached and pinned roll "
	  "the load back (exit 1, nothing left attached or pinned); before that nothing "
	  "is attached, after the rename the policy is loaded.\n\n"
	  "Run counts and run times in 'policy show' need the kernel's BPF run-time "
	  "statistics, a switch for every BPF program of the machine "
	  "(kernel.bpf_stats_enabled), which 'policy load' leaves alone unless given "
	  "--stats: then it turns them on and says so. A load that fails after turning "
	  "them on turns them back off; after a successful one they stay on until "
	  "'sysctl kernel.bpf_stats_enabled=0'.",
	  load_opts },
	{ "policy", "show", "", "show the attached policies",
	  "For each policy pinned under /sys/fs/bpf/oomkit: its name, kind, attach order "
	  "(bpf_oom_ops handlers run in attach order), load time, each handler's run count "
	  "and run time (BPF statistics) and the policy's own counters (oomkit_stats). "
	  "Then every tunable with the value the loaded programs run with (read from "
	  "the pinned .rodata) and every per-cgroup setting: KEY=PATH (and :N), the "
	  "cgroup id there now, and whether it follows the path (a path of 256 bytes "
	  "or more below the cgroup2 mount holds for its cgroup id only). "
	  "Leftovers of an interrupted load (NAME~tmp) are reported as incomplete. "
	  "A pinned oomkit_stats that is not a per-CPU array of u64 is reported as "
	  "unreadable, not read. "
	  "bpf_oom_ops struct_ops attached by other tools are listed as foreign.",
	  NULL },
	{ "policy", "set", "NAME KEY=VALUE...",
	  "change per-cgroup settings of a loaded policy",
	  "Changes per-cgroup settings (KEY=CGROUP_PATH or KEY=CGROUP_PATH:N, as for "
	  "'policy load --set') of the loaded policy NAME in place: it stays attached. "
	  "Each setting is written into the pinned knob map (by cgroup id) and its "
	  "MAP_paths twin (by path below the cgroup2 mount), so it follows a cgroup "
	  "made again at that path. A setting for a cgroup that is already set is "
	  "replaced. Every KEY=VALUE is checked before the first is written, and a "
	  "failed write puts back what was written: nothing is half applied.\n\n"
	  "A tunable is compiled into the loaded programs (a const volatile "
	  "variable the verifier saw) and cannot change while they run: 'policy set' "
	  "of a tunable is refused (exit 2); reload the policy with the new value, or "
	  "change the configuration and run 'oomkit apply'.\n\n"
	  "The keys are read from the policy's metadata that 'policy load' pinned "
	  "beside it (oomkit_meta, a frozen copy of its .oomkit.meta section), so a "
	  "drop-in whose file has gone or changed since is still decoded as it was "
	  "loaded.",
	  NULL },
	{ "policy", "unset", "NAME KEY[=CGROUP_PATH]...",
	  "remove per-cgroup settings of a loaded policy",
	  "Removes per-cgroup settings of the loaded policy NAME in place: KEY alone "
	  "removes every setting made with KEY, KEY=CGROUP_PATH the one for that "
	  "cgroup (a :N after it is ignored). A KEY=CGROUP_PATH that is not set is an "
	  "error (exit 1), and so nothing is removed; as for 'policy set', nothing is "
	  "half applied.",
	  NULL },
	{ "policy", "unload", "NAME | --all",
	  "detach a policy and remove its pins",
	  "Detaches the links of the policy and removes every pin under "
	  "/sys/fs/bpf/oomkit/NAME/ (and a leftover NAME~tmp/). With --all, does so for "
	  "every policy pinned there.",
	  unload_opts },
	{ "config", "check", "[FILE]",
	  "check a configuration without touching the kernel",
	  "Reads FILE (default " OOMKIT_SYSCONFDIR
	  "/oomkit/oomkit.conf) and then every FILE.d/*.conf in "
	  "name order, as oomkit.conf(5) describes, and checks each policy section as "
	  "'policy load' would short of the kernel: the policy resolves and opens, the "
	  "section is named after it, and each Set= names a tunable or per-cgroup setting, "
	  "parses, is in range and names an existing cgroup. Prints every mistake as "
	  "FILE:LINE: what is wrong and what to do, and exits 1 if there was one; "
	  "otherwise prints the file and the policies it names. Needs no privileges "
	  "beyond reading the files; a file must be owned by root (or the caller) and "
	  "not writable by group or others.",
	  NULL },
	{ NULL, "apply", "[--config FILE] [--dry-run]",
	  "make the loaded policies what the configuration says",
	  "Reads the configuration (default " OOMKIT_SYSCONFDIR
	  "/oomkit/oomkit.conf and its oomkit.conf.d/*.conf, as 'config check' does; a "
	  "mistake in it changes nothing) and converges the kernel on it: loads each "
	  "configured policy that is not loaded, unloads each policy pinned under "
	  "/sys/fs/bpf/oomkit that the configuration no longer names (only those: "
	  "oomkit's own), changes the per-cgroup settings of a loaded one in place, and "
	  "replaces one whose tunables differ from the loaded .rodata. Prints what it "
	  "did; an apply with nothing to do says so and changes nothing.\n\n"
	  "There is no unprotected moment: every new instance is loaded and verified "
	  "first, then attached (pinned as NAME~tmp) beside the old one, and only then "
	  "is the old one detached and the new one renamed into place; a policy the "
	  "configuration drops is unloaded last. At ABI level 1 bpf_oom_ops handlers "
	  "run in attach order, and a new instance attaches last: to keep the "
	  "configuration's order, every configured OOM policy after one that is loaded "
	  "or replaced is replaced too. If a load, attach or settings write fails, the "
	  "new instances are detached, the settings written are put back, and apply "
	  "says which policies stay loaded as they were.\n\n"
	  "It compares the tunables' bytes, not the program: a drop-in file that "
	  "changed with the same tunables is kept until its section changes or it is "
	  "unloaded.",
	  apply_opts },
	{ NULL, "stop", "[--config FILE]",
	  "unload the policies, unless the configuration keeps them",
	  "What oomkit.service runs when it stops: unloads every policy pinned under "
	  "/sys/fs/bpf/oomkit, as 'policy unload --all' does, unless the "
	  "configuration's [oomkit] section says OnStop=keep (see oomkit.conf(5)): then "
	  "it says so and leaves them loaded. A configuration that cannot be read "
	  "keeps nothing: it unloads, with a note.",
	  stop_opts },
	{ NULL, "run",
	  "NAME|PATH [--set KEY=VALUE]... [--scope CGROUP] [--name NAME] [--shadow] [--count N] [--timeout SEC] "
	  "[--exec CMD [--exec-timeout SEC]]",
	  "run a policy in the foreground",
	  "Loads and attaches the policy like 'policy load' but pins nothing: the policy "
	  "lives as long as this process. Prints every decision the policy makes, one line "
	  "of text (or one JSON object with -j) each, and detaches cleanly on SIGINT or "
	  "SIGTERM (or when the kernel closes the links, should the process die). At ABI "
	  "level 2 the cgroup link is pinned for an instant under /sys/fs/bpf (libbpf 1.5 "
	  "makes a link of a raw one only through a pin) and unpinned at once. While it "
	  "runs, the kernel keeps BPF run-time statistics on (a stats fd, "
	  "BPF_ENABLE_STATS), and stops when it exits unless something else asked.",
	  run_opts },
	{ NULL, "events",
	  "[NAME]... [--count N] [--timeout SEC] [--journal] [--exec CMD [--exec-timeout SEC]]",
	  "stream the decisions of loaded policies",
	  "Reads the pinned oomkit_events ring buffers of the loaded policies (all of them, "
	  "or the NAMEs given) and prints each decision: time, policy, trigger, OOM scope, "
	  "decision, victim cgroup, pids and comm, bytes, reason. One JSON object per line "
	  "with -j. Names and paths are printed with control characters, bytes that are "
	  "not UTF-8, backslashes, quotes and (outside the quoted reason) blanks as \\xNN, "
	  "so that no record can forge or split a line.\n\n"
	  "Without NAMEs it follows the pin directory: policies loaded after it started are "
	  "read from then on, unloaded ones dropped, and with none loaded it waits. A ring "
	  "buffer has one consumer, so each policy's records go to one reader at a time "
	  "(a lock in /run/oomkit/events): another reader of all policies waits for it and "
	  "takes over when it stops; naming a policy that another reader has is an error.\n\n"
	  "A pressure record (psi-guard with grace_usec) is a notice: the OOM comes at its "
	  "deadline if the pressure stays. It names the likely victim (likely_victim=, "
	  "pids=, comm=) and, with term=1, asks the reader to SIGTERM that process, which "
	  "it does at once through a pidfd, if the process is still in the pressured "
	  "cgroup. With reclaim_bytes or reclaim=PATH:N it asks the reader to reclaim "
	  "first (reclaim=, reclaim_bytes=): the reader writes that many bytes to the "
	  "cgroup's memory.reclaim in a child, stopped at the deadline, and prints one "
	  "line on what it got. 'run' does the same.",
	  events_opts },
	{ NULL, "metrics", "[--output FILE [--group GROUP]]",
	  "the policies' counters for Prometheus",
	  "Prints the counters of every loaded policy (those of 'policy show') in "
	  "Prometheus' text format, which node_exporter's textfile collector reads and "
	  "OpenMetrics parsers accept: oomkit_policies_loaded, and one "
	  "oomkit_COUNTER_total{policy=\"NAME\"} per counter and policy, ending with "
	  "'# EOF'. With --output it writes FILE instead, whole or not at all (a "
	  "temporary file renamed over it), mode 0600; --group lets that group read it "
	  "(mode 0640), for a monitoring user without privileges, e.g. from a timer "
	  "writing /var/lib/prometheus/node-exporter/oomkit.prom.",
	  metrics_opts },
	{ NULL, "feature", "", "probe the running kernel for the BPF OOM ABI",
	  "Reads the kernel's BTF and reports the level of the BPF OOM ABI it carries: "
	  "level 1 (v1 of the BPF OOM series: struct bpf_oom_ops has a bpf_oom member and "
	  "its handle_out_of_memory takes only the oom_control; bpf_psi_ops exists), level 2 "
	  "(bpf_oom_ops attached per cgroup: two members, and the handler's second argument "
	  "is a struct cgroup *; no bpf_psi_ops), or none, with a one-line reason. Then it "
	  "reports whether the kernel has each struct_ops type, oom_control field and BPF "
	  "OOM and memcg kfunc of that level (of level 1 when none: what the policies are "
	  "built for): at level 1 struct bpf_oom_ops, struct bpf_psi_ops, the fields "
	  "bpf_memory_freed and bpf_policy_name, and every kfunc. Exits 0 when everything "
	  "is present, 1 otherwise, naming what is missing. With -j the level is "
	  "abi.level (0 for none) and the reason abi.reason.",
	  NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL },
};

static const struct doc_opt global_opts[] = {
	{ "-j, --json",
	  "Print JSON (errors become an {\"error\": ...} object on stdout). "
	  "Bytes of names and paths that are not UTF-8 are printed as U+FFFD." },
	{ "-p, --pretty", "Print indented JSON (implies -j)." },
	{ "-d, --debug",
	  "Print libbpf's debug output, including verifier logs." },
	{ "-V, --version", "Print the version." },
	{ "-h, --help", "Print help (also after any command)." },
	{ NULL, NULL },
};

static void print_wrapped(FILE *f, const char *text, int indent, int width)
{
	const char *p = text;
	int col = 0;

	while (*p) {
		const char *w = p;
		int len;

		if (*p == '\n') {
			fputc('\n', f);
			col = 0;
			p++;
			continue;
		}
		if (*p == ' ') {
			p++;
			continue;
		}
		while (*w && *w != ' ' && *w != '\n')
			w++;
		len = (int)(w - p);
		if (col && col + 1 + len > width) {
			fputc('\n', f);
			col = 0;
		}
		if (!col) {
			fprintf(f, "%*s", indent, "");
			col = indent;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, len, f);
		col += len;
		p = w;
	}
	if (col)
		fputc('\n', f);
}

static void print_synopsis(FILE *f, const struct doc_cmd *c)
{
	if (c->object)
		fprintf(f, "oomkit [OPTIONS] %s %s", c->object, c->verb);
	else
		fprintf(f, "oomkit [OPTIONS] %s", c->verb);
	if (c->args && *c->args)
		fprintf(f, " %s", c->args);
	fputc('\n', f);
}

static void print_opts(FILE *f, const struct doc_opt *o)
{
	for (; o && o->flag; o++) {
		fprintf(f, "  %s\n", o->flag);
		print_wrapped(f, o->text, 6, 78);
	}
}

static bool matches(const struct doc_cmd *c, const char *object,
		    const char *verb)
{
	if (object && (!c->object || strcmp(c->object, object)))
		return false;
	if (!object && verb && c->object)
		return false;
	if (verb && strcmp(c->verb, verb))
		return false;
	return true;
}

int doc_print_usage(FILE *f, const char *object, const char *verb)
{
	const struct doc_cmd *c;
	int n = 0;

	for (c = doc_cmds; c->verb; c++) {
		if (!matches(c, object, verb))
			continue;
		fputs(n++ ? "       " : "Usage: ", f);
		print_synopsis(f, c);
	}
	if (!n)
		return -1;
	/* A single command gets its full description. */
	if (n == 1) {
		for (c = doc_cmds; c->verb; c++) {
			if (!matches(c, object, verb))
				continue;
			fputc('\n', f);
			print_wrapped(f, c->text, 0, 78);
			if (c->opts) {
				fputs("\nOptions:\n", f);
				print_opts(f, c->opts);
			}
		}
	} else {
		fputc('\n', f);
		for (c = doc_cmds; c->verb; c++) {
			char name[64];

			if (!matches(c, object, verb))
				continue;
			snprintf(name, sizeof(name), "%s%s%s",
				 c->object ? c->object : "",
				 c->object ? " " : "", c->verb);
			fprintf(f, "  %-16s %s\n", name, c->summary);
		}
	}
	fputs("\nGlobal options:\n", f);
	print_opts(f, global_opts);
	return 0;
}

/* roff needs leading dots/quotes and backslashes escaped. */
static void man_text(FILE *f, const char *s)
{
	bool bol = true;

	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else if (*s == '\n' && s[1] == '\n') {
			fputs("\n.PP\n", f);
			s++;
			bol = true;
			continue;
		} else
			fputc(*s, f);
		bol = *s == '\n';
	}
	fputc('\n', f);
}

static void man_opts(FILE *f, const struct doc_opt *o)
{
	for (; o && o->flag; o++) {
		fputs(".TP\n.B ", f);
		man_text(f, o->flag);
		man_text(f, o->text);
	}
}

void doc_print_man(FILE *f)
{
	const struct doc_cmd *c;

	fputs(".\\\" Generated by build/gen-man from loader/doc.c; do not edit.\n"
	      ".TH OOMKIT 8 \"\" \"oomkit\" \"System Administration\"\n"
	      ".SH NAME\noomkit \\- load, inspect and follow BPF OOM policies\n"
	      ".SH SYNOPSIS\n",
	      f);
	for (c = doc_cmds; c->verb; c++) {
		fputs(".B ", f);
		print_synopsis(f, c);
		fputs(".br\n", f);
	}
	fputs(".SH DESCRIPTION\n", f);
	man_text(
		f,
		"oomkit loads BPF struct_ops OOM policies (bpf_oom_ops, bpf_psi_ops of the "
		"BPF OOM kernel series) from the policies built into it or from drop-in "
		"objects, keeps them attached through pins under /sys/fs/bpf/oomkit, and "
		"shows what they do. Commands are written OBJECT COMMAND like bpftool's; "
		"every command takes -j for JSON and -h for help.");
	fputs(".SH COMMANDS\n", f);
	for (c = doc_cmds; c->verb; c++) {
		fputs(".SS \"", f);
		if (c->object)
			fprintf(f, "%s ", c->object);
		fprintf(f, "%s %s\"\n", c->verb, c->args ? c->args : "");
		man_text(f, c->text);
		if (c->opts) {
			fputs(".PP\nOptions:\n", f);
			man_opts(f, c->opts);
		}
	}
	fputs(".SH OPTIONS\n", f);
	man_opts(f, global_opts);
	fputs(".SH ENVIRONMENT\n.TP\n.B OOMKIT_POLICY_DIR\n", f);
	man_text(f,
		 "The drop-in policy directory, unless --policy-dir is given.");
	fputs(".SH EXIT STATUS\n", f);
	man_text(
		f,
		"0 on success; 1 on a run-time error (the kernel, the system or a file "
		"refused); 2 on a usage error (a malformed command line, an unknown "
		"tunable, a bad or out-of-range value). Errors are one line on stderr: "
		"Error: can't STEP 'THING': REASON. Nothing stays attached or pinned "
		"after a failed command.");
	fputs(".SH FILES\n.TP\n.B /sys/fs/bpf/oomkit/NAME/\n", f);
	man_text(
		f,
		"The pins of a loaded policy: link-MAP for each struct_ops map, "
		"oomkit_events, oomkit_stats, the knob maps (MAP and MAP_paths), rodata "
		"(the tunables' values) and oomkit_meta (what the keys mean).");
	fputs(".TP\n.B /sys/fs/bpf/oomkit/\n", f);
	man_text(
		f,
		"The pin root. oomkit creates it with mode 0700 and refuses to use one "
		"that is not a directory (a symbolic link, say), not owned by root, or "
		"writable by group or others: whatever it holds is detached and unlinked "
		"by root. Only its subdirectories are policies; removal never follows a "
		"link or leaves bpffs.");
	fputs(".SH EXAMPLES\n.nf\n"
	      "# oomkit policy load biggest\\-cgroup \\-\\-set count_page_cache=false\n"
	      "# oomkit policy show\n"
	      "# oomkit events \\-j\n"
	      "# oomkit policy unload biggest\\-cgroup\n"
	      ".fi\n.SH SEE ALSO\n.BR bpftool (8),\n.BR bpftool\\-struct_ops (8)\n",
	      f);
}
