// SPDX-License-Identifier: GPL-2.0
/* Host tests: what the CLI refuses to open, and that it says so in one line and leaves nothing behind. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "test.h"

#define FAKE	"selftests/host/host_fake_oom.bpf.o"
#define NOOPS	"selftests/host/host_no_struct_ops.bpf.o"
#define SCRATCH	"/tmp/oomkit-host-test"

static struct cli_res r;

/* The exact error line, exit 1, and its JSON twin: {"error": ...} on stdout only. */
static void expect_fail(const char *const *argv, int status, const char *err)
{
	const char *jargv[16] = { "-j" };
	char json[2048], what[256];
	int i;

	snprintf(what, sizeof(what), "'oomkit %s %s %s'", argv[0], argv[1] ? argv[1] : "",
		 argv[1] && argv[2] ? argv[2] : "");
	if (!ASSERT_OK(cli_runv(&r, 0, NULL, argv), what))
		return;
	ASSERT_EQ(r.status, status, what);
	ASSERT_STR_EQ(r.err, err, what);
	ASSERT_STR_EQ(r.out, "", what);

	for (i = 0; argv[i] && i < 14; i++)
		jargv[i + 1] = argv[i];
	jargv[i + 1] = NULL;
	if (!ASSERT_OK(cli_runv(&r, 0, NULL, jargv), what))
		return;
	/* "Error: X\n" -> {"error":"X"}\n (no quotes or backslashes in these messages) */
	snprintf(json, sizeof(json), "{\"error\":\"%.*s\"}\n", (int)strlen(err) - 8, err + 7);
	ASSERT_EQ(r.status, status, what);
	ASSERT_STR_EQ(r.out, json, what);
	ASSERT_STR_EQ(r.err, "", what);
}

static void setup_scratch(void)
{
	mkdir(SCRATCH, 0755);
}

TEST(refuses_without_privileges)
{
	static const char *const cmds[][4] = {
		{ "policy", "load", NULL },
		{ "run", NULL },
		{ "policy", "unload", "x" },
		{ "policy", "show" },
		{ "events" },
	};
	static const char *const expect[] = {
		"Error: can't load '%s': permission denied: needs CAP_SYS_ADMIN and CAP_BPF (run it as root)\n",
		"Error: can't run '%s': permission denied: needs CAP_SYS_ADMIN and CAP_BPF (run it as root)\n",
		"Error: can't unload 'x': permission denied: needs CAP_SYS_ADMIN and CAP_BPF (run it as root)\n",
		"Error: can't show 'policies': permission denied: needs CAP_SYS_ADMIN and CAP_BPF (run it as root)\n",
		"Error: can't stream 'events': permission denied: needs CAP_SYS_ADMIN and CAP_BPF (run it as root)\n",
	};
	const char *fake = build_path(FAKE);

	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		const char *argv[5] = { cmds[i][0], cmds[i][1], cmds[i][2], NULL, NULL };
		char err[512];

		/* load and run take the object */
		if (!strcmp(argv[0], "run"))
			argv[1] = fake;
		else if (argv[1] && !strcmp(argv[1], "load"))
			argv[2] = fake;
		snprintf(err, sizeof(err), expect[i], fake);
		if (!ASSERT_OK(cli_runv(&r, CLI_AS_NOBODY, NULL, argv), "run as nobody"))
			return;
		ASSERT_EQ(r.status, 1, argv[1] ? argv[1] : argv[0]);
		ASSERT_STR_EQ(r.err, err, argv[1] ? argv[1] : argv[0]);
	}
}

TEST(refuses_a_missing_file)
{
	const char *argv[] = { "policy", "load", SCRATCH "/nope.bpf.o", NULL };

	expect_fail(argv, 1, "Error: can't load '" SCRATCH "/nope.bpf.o': can't open "
		    SCRATCH "/nope.bpf.o: No such file or directory\n");
}

TEST(refuses_an_unknown_name)
{
	const char *argv[] = { "policy", "load", "no-such-policy", "--policy-dir", SCRATCH, NULL };

	expect_fail(argv, 1, "Error: can't load 'no-such-policy': no such policy (not built in, no "
		    SCRATCH "/no-such-policy.bpf.o); see 'oomkit policy list'\n");
}

TEST(refuses_a_file_that_is_not_elf)
{
	const char *path = SCRATCH "/text.bpf.o";
	const char *argv[] = { "policy", "load", path, NULL };
	int fd;

	setup_scratch();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!ASSERT_GE(fd, 0, "create the text file"))
		return;
	ASSERT_EQ(write(fd, "hello\n", 6), 6, "write");
	close(fd);
	expect_fail(argv, 1, "Error: can't load '" SCRATCH "/text.bpf.o': not an ELF file\n");
	unlink(path);
}

TEST(refuses_an_elf_that_is_not_bpf)
{
	const char *argv[] = { "policy", "load", "/bin/true", NULL };

	expect_fail(argv, 1, "Error: can't load '/bin/true': an ELF file but not a BPF object "
		    "(e_machine 62, not EM_BPF)\n");
}

TEST(refuses_bpf_without_oom_struct_ops)
{
	const char *path = build_path(NOOPS);
	const char *argv[] = { "policy", "load", path, NULL };
	char err[512];

	snprintf(err, sizeof(err), "Error: can't load '%s': no bpf_oom_ops or bpf_psi_ops "
		 "struct_ops map in it\n", path);
	expect_fail(argv, 1, err);
}

static void expect_ownership_refused(uid_t uid, mode_t mode, const char *why)
{
	const char *path = SCRATCH "/owned.bpf.o";
	const char *argv[] = { "policy", "load", path, NULL };
	char err[512];

	setup_scratch();
	if (!ASSERT_OK(copy_file(build_path(FAKE), path, uid, mode), "copy the object"))
		return;
	snprintf(err, sizeof(err), "Error: can't load '%s': %s\n", path, why);
	expect_fail(argv, 1, err);
	unlink(path);
}

TEST(refuses_a_dropin_not_owned_by_root)
{
	expect_ownership_refused(65534, 0644, "refusing a policy object not owned by root "
				 "(uid 65534); chown root and chmod go-w it");
}

TEST(refuses_a_group_writable_dropin)
{
	expect_ownership_refused(0, 0664, "refusing a policy object writable by its group "
				 "(mode 0664); chmod go-w it");
}

TEST(refuses_a_world_writable_dropin)
{
	expect_ownership_refused(0, 0646, "refusing a policy object writable by others "
				 "(mode 0646); chmod go-w it");
}

TEST(lists_a_refused_dropin_with_its_reason)
{
	const char *dir = SCRATCH "/dropins";

	setup_scratch();
	mkdir(dir, 0755);
	if (!ASSERT_OK(copy_file(build_path(FAKE), SCRATCH "/dropins/bad.bpf.o", 0, 0666),
		       "copy"))
		return;
	if (!ASSERT_OK(CLI(&r, "policy", "list", "--policy-dir", dir), "list"))
		goto out;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_HAS_SUBSTR(r.out, "refused: can't open '" SCRATCH "/dropins/bad.bpf.o': refusing "
			  "a policy object writable by others", "the listing");
out:
	unlink(SCRATCH "/dropins/bad.bpf.o");
	rmdir(dir);
}
