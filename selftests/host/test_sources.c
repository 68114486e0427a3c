// SPDX-License-Identifier: GPL-2.0
/* Host tests: what the CLI refuses to open, and that it says so in one line and leaves nothing behind. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/types.h>

#include "cli.h"
#include "test.h"

#define FAKE	"selftests/host/host_fake_oom.bpf.o"
#define NOOPS	"selftests/host/host_no_struct_ops.bpf.o"
#define SCRATCH "/tmp/oomkit-host-test"

static struct cli_res r;

/* The exact error line, exit 1, and its JSON twin: {"error": ...} on stdout only. */
static void expect_fail(const char *const *argv, int status, const char *err)
{
	const char *jargv[16] = { "-j" };
	char json[2048], what[256];
	int i;

	snprintf(what, sizeof(what), "'oomkit %s %s %s'", argv[0],
		 argv[1] ? argv[1] : "", argv[1] && argv[2] ? argv[2] : "");
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
	snprintf(json, sizeof(json), "{\"error\":\"%.*s\"}\n",
		 (int)strlen(err) - 8, err + 7);
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
		const char *argv[5] = { cmds[i][0], cmds[i][1], cmds[i][2],
					NULL, NULL };
		char err[512];

		/* load and run take the object */
		if (!strcmp(argv[0], "run"))
			argv[1] = fake;
		else if (argv[1] && !strcmp(argv[1], "load"))
			argv[2] = fake;
		snprintf(err, sizeof(err), expect[i], fake);
		if (!ASSERT_OK(cli_runv(&r, CLI_AS_NOBODY, NULL, argv),
			       "run as nobody"))
			return;
		ASSERT_EQ(r.status, 1, argv[1] ? argv[1] : argv[0]);
		ASSERT_STR_EQ(r.err, err, argv[1] ? argv[1] : argv[0]);
	}
}

TEST(refuses_a_missing_file)
{
	const char *argv[] = { "policy", "load", SCRATCH "/nope.bpf.o", NULL };

	expect_fail(argv, 1,
		    "Error: can't load '" SCRATCH
		    "/nope.bpf.o': can't open " SCRATCH
		    "/nope.bpf.o: No such file or directory\n");
}

TEST(refuses_an_unknown_name)
{
	const char *argv[] = { "policy",       "load",	"no-such-policy",
			       "--policy-dir", SCRATCH, NULL };

	expect_fail(
		argv, 1,
		"Error: can't load 'no-such-policy': no such policy (not built in, no " SCRATCH
		"/no-such-policy.bpf.o); see 'oomkit policy list'\n");
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
	expect_fail(argv, 1,
		    "Error: can't load '" SCRATCH
		    "/text.bpf.o': not an ELF file\n");
	unlink(path);
}

TEST(refuses_an_elf_that_is_not_bpf)
{
	const char *argv[] = { "policy", "load", "/bin/true", NULL };

	expect_fail(
		argv, 1,
		"Error: can't load '/bin/true': an ELF file but not a BPF object "
		"(e_machine 62, not EM_BPF)\n");
}

TEST(refuses_bpf_without_oom_struct_ops)
{
	const char *path = build_path(NOOPS);
	const char *argv[] = { "policy", "load", path, NULL };
	char err[512];

	snprintf(err, sizeof(err),
		 "Error: can't load '%s': no bpf_oom_ops or bpf_psi_ops "
		 "struct_ops map in it\n",
		 path);
	expect_fail(argv, 1, err);
}

static void expect_ownership_refused(uid_t uid, mode_t mode, const char *why)
{
	const char *path = SCRATCH "/owned.bpf.o";
	const char *argv[] = { "policy", "load", path, NULL };
	char err[512];

	setup_scratch();
	if (!ASSERT_OK(copy_file(build_path(FAKE), path, uid, mode),
		       "copy the object"))
		return;
	snprintf(err, sizeof(err), "Error: can't load '%s': %s\n", path, why);
	expect_fail(argv, 1, err);
	unlink(path);
}

TEST(refuses_a_dropin_not_owned_by_root)
{
	expect_ownership_refused(65534, 0644,
				 "refusing a policy object not owned by root "
				 "(uid 65534); chown root and chmod go-w it");
}

TEST(refuses_a_group_writable_dropin)
{
	expect_ownership_refused(
		0, 0664,
		"refusing a policy object writable by its group "
		"(mode 0664); chmod go-w it");
}

TEST(refuses_a_world_writable_dropin)
{
	expect_ownership_refused(0, 0646,
				 "refusing a policy object writable by others "
				 "(mode 0646); chmod go-w it");
}

TEST(lists_a_refused_dropin_with_its_reason)
{
	const char *dir = SCRATCH "/dropins";

	setup_scratch();
	mkdir(dir, 0755);
	if (!ASSERT_OK(copy_file(build_path(FAKE), SCRATCH "/dropins/bad.bpf.o",
				 0, 0666),
		       "copy"))
		return;
	if (!ASSERT_OK(CLI(&r, "policy", "list", "--policy-dir", dir), "list"))
		goto out;
	ASSERT_EQ(r.status, 0, "exit status");
	ASSERT_HAS_SUBSTR(r.out,
			  "refused: can't open '" SCRATCH
			  "/dropins/bad.bpf.o': refusing "
			  "a policy object writable by others",
			  "the listing");
out:
	unlink(SCRATCH "/dropins/bad.bpf.o");
	rmdir(dir);
}

/* A policy dir of drop-ins the tests below spoil one way each. */
#define DROPS SCRATCH "/drops"

static void drops_reset(void)
{
	static const char *const names[] = { "x.bpf.o", "evil.bpf.o",
					     "good.bpf.o", "copy.bpf.o" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[256];

		snprintf(path, sizeof(path), DROPS "/%s", names[i]);
		unlink(path);
	}
	rmdir(DROPS);
}

static bool drops_make(mode_t mode)
{
	setup_scratch();
	drops_reset();
	return ASSERT_OK(mkdir(DROPS, 0755), "mkdir") &&
	       ASSERT_OK(chmod(DROPS, mode), "chmod");
}

/* 'policy list' lists @name as refused with @why (and exits 0); 'policy load' refuses it with exit 1. */
static void expect_listed_refused(const char *dir, const char *name,
				  const char *why)
{
	char want[1024], err[1024];
	long long t0 = test_now_ms();

	if (!ASSERT_OK(CLI(&r, "policy", "list", "--policy-dir", dir), "list"))
		return;
	ASSERT_LT(test_now_ms() - t0, 5000, "list returns promptly");
	ASSERT_EQ(r.status, 0, "list exit status");
	snprintf(want, sizeof(want),
		 "%s/%s.bpf.o\n    refused: can't open '%s/%s.bpf.o': %s\n",
		 dir, name, dir, name, why);
	ASSERT_HAS_SUBSTR(r.out, want, "the listing");
	if (!ASSERT_OK(CLI(&r, "-j", "policy", "list", "--policy-dir", dir),
		       "list -j"))
		return;
	ASSERT_TRUE(json_valid(r.out), "list -j parses");

	t0 = test_now_ms();
	if (!ASSERT_OK(CLI(&r, "policy", "load", name, "--policy-dir", dir),
		       "load"))
		return;
	ASSERT_LT(test_now_ms() - t0, 5000, "load returns promptly");
	ASSERT_EQ(r.status, 1, "load exit status");
	snprintf(err, sizeof(err), "Error: can't load '%s': %s\n", name, why);
	ASSERT_STR_EQ(r.err, err, "load");
}

/* What user 65534 makes: a FIFO or a symlink at @path (to @target). */
static bool make_as_nobody(const char *path, const char *target)
{
	int status;
	pid_t pid = fork_as_nobody();

	if (pid < 0)
		return false;
	if (!pid)
		_exit(target ? symlink(target, path) : mkfifo(path, 0644));
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

/* A FIFO named x.bpf.o used to block open() for ever. */
TEST(dropin_fifo_is_refused_promptly)
{
	if (!drops_make(0755))
		return;
	if (!ASSERT_OK(mkfifo(DROPS "/x.bpf.o", 0644), "mkfifo"))
		goto out;
	expect_listed_refused(DROPS, "x",
			      DROPS "/x.bpf.o is not a regular file");
	unlink(DROPS "/x.bpf.o");
	/* the same by a user, in a dir it may write (refused for the dir) */
	if (!ASSERT_OK(chmod(DROPS, 01777), "chmod 1777"))
		goto out;
	if (!ASSERT_TRUE(make_as_nobody(DROPS "/x.bpf.o", NULL),
			 "nobody's FIFO"))
		goto out;
	expect_listed_refused(DROPS, "x",
			      "refusing a policy object under " DROPS
			      ": writable "
			      "by others (mode 1777); chmod go-w it");
out:
	drops_reset();
}

/* A user plants a link to a root-owned object: the dir, then the link itself, are refused. */
TEST(dropin_symlink_is_refused)
{
	if (!drops_make(01777))
		return;
	if (!ASSERT_OK(copy_file(build_path(FAKE), SCRATCH "/owned.bpf.o", 0,
				 0644),
		       "copy"))
		goto out;
	if (!ASSERT_TRUE(make_as_nobody(DROPS "/evil.bpf.o",
					SCRATCH "/owned.bpf.o"),
			 "nobody's link"))
		goto out;
	expect_listed_refused(DROPS, "evil",
			      "refusing a policy object under " DROPS
			      ": writable "
			      "by others (mode 1777); chmod go-w it");
	/* however the link got into a sound dir, it is not followed */
	if (!ASSERT_OK(chmod(DROPS, 0755), "chmod 0755"))
		goto out;
	expect_listed_refused(DROPS, "evil",
			      "refusing " DROPS "/evil.bpf.o: a symbolic link; "
			      "give the object itself");
	/* neither as a PATH */
	if (!ASSERT_OK(CLI(&r, "policy", "load", DROPS "/evil.bpf.o"),
		       "load PATH"))
		goto out;
	ASSERT_EQ(r.status, 1, "load PATH exit status");
	ASSERT_STR_EQ(r.err,
		      "Error: can't load '" DROPS
		      "/evil.bpf.o': refusing " DROPS
		      "/evil.bpf.o: a symbolic link; give the object itself\n",
		      "load PATH");
out:
	unlink(SCRATCH "/owned.bpf.o");
	drops_reset();
}

/* The policy dir and each directory above it must be root's and not writable (sticky ancestors aside). */
TEST(dropin_directory_chain_is_checked)
{
	static const struct {
		mode_t mode;
		uid_t uid;
		bool parent; /* spoil the directory above the policy dir */
		const char *why;
	} cases[] = {
		{ 0775, 0, false,
		  "refusing a policy object under " DROPS
		  ": writable by its group "
		  "(mode 0775); chmod go-w it" },
		{ 0757, 0, false,
		  "refusing a policy object under " DROPS
		  ": writable by others "
		  "(mode 0757); chmod go-w it" },
		{ 0755, 65534, false,
		  "refusing a policy object under " DROPS ": not owned by root "
		  "(uid 65534); chown root and chmod go-w it" },
		{ 0777, 0, true,
		  "refusing a policy object under " SCRATCH
		  ": writable by others "
		  "(mode 0777); chmod go-w it" },
		{ 0755, 65534, true,
		  "refusing a policy object under " SCRATCH
		  ": not owned by root "
		  "(uid 65534); chown root and chmod go-w it" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *dir = cases[i].parent ? SCRATCH : DROPS;

		if (!drops_make(0755))
			return;
		if (!ASSERT_OK(copy_file(build_path(FAKE), DROPS "/good.bpf.o",
					 0, 0644),
			       "copy"))
			break;
		if (!ASSERT_OK(chown(dir, cases[i].uid, 0), "chown") ||
		    !ASSERT_OK(chmod(dir, cases[i].mode), "chmod"))
			break;
		expect_listed_refused(DROPS, "good", cases[i].why);
		chown(dir, 0, 0);
		chmod(dir, 0755);
	}
	chown(SCRATCH, 0, 0);
	chmod(SCRATCH, 0755);
	drops_reset();
}

/* A drop-in whose metadata names it like a built-in would be listed and pinned as that built-in. */
TEST(dropin_named_like_a_builtin_is_refused)
{
	if (!drops_make(0755))
		return;
	if (!ASSERT_OK(copy_file(build_path("policies/biggest-cgroup.bpf.o"),
				 DROPS "/copy.bpf.o", 0, 0644),
		       "copy"))
		goto out;
	expect_listed_refused(
		DROPS, "copy",
		"refusing a drop-in named 'biggest-cgroup' like a "
		"built-in policy; give it its own name");
out:
	drops_reset();
}

/* The fake object, for the mutants made of it. */
static char fake_img[1 << 20];

/* Reads the fake object into fake_img: its size, or a negative errno. */
static ssize_t read_fake(void)
{
	ssize_t n;
	int fd;

	fd = open(build_path(FAKE), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, fake_img, sizeof(fake_img));
	close(fd);
	/* a failed read is too short an object, as an empty file is */
	return n < 0 ? 0 : n;
}

/* Writes the first @n bytes of fake_img, as mutated, to @path. */
static int write_fake(const char *path, ssize_t n)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, fake_img, n) == n ? 0 : -EIO;
	close(fd);
	return n;
}

/* The fake object with one section header field replaced (for libbpf's own refusals). */
static int write_mutant(const char *path, int sec, size_t field_off,
			size_t width, __u64 val)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)fake_img;
	ssize_t n;

	n = read_fake();
	if (n < 0)
		return n;
	if (n < (ssize_t)sizeof(*eh) ||
	    eh->e_shoff + (sec + 1) * eh->e_shentsize > (size_t)n)
		return -EINVAL;
	memcpy(fake_img + eh->e_shoff + sec * eh->e_shentsize + field_off, &val,
	       width);
	return write_fake(path, n);
}

/* libbpf's codes (4000 + n) read "Unknown error 4001" through strerror(). */
TEST(libbpf_errors_are_named)
{
	static const struct {
		const char *what;
		size_t off, width;
		__u64 val;
	} cases[] = {
		{ "symtab sh_link", offsetof(Elf64_Shdr, sh_link), 4, 5 },
		{ "symtab sh_entsize", offsetof(Elf64_Shdr, sh_entsize), 8, 0 },
		{ "symtab sh_type", offsetof(Elf64_Shdr, sh_type), 4,
		  SHT_NOBITS },
	};
	const char *path = SCRATCH "/mutant.bpf.o";
	char err[512];

	setup_scratch();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* section 2 of host_fake_oom.bpf.o is its .symtab */
		if (!ASSERT_OK(write_mutant(path, 2, cases[i].off,
					    cases[i].width, cases[i].val),
			       cases[i].what))
			break;
		if (!ASSERT_OK(CLI(&r, "policy", "load", path), cases[i].what))
			break;
		ASSERT_EQ(r.status, 1, cases[i].what);
		ASSERT_FALSE(strstr(r.err, "Unknown error"), cases[i].what);
		snprintf(
			err, sizeof(err),
			"Error: can't load '%s': libbpf can't open it: ", path);
		ASSERT_HAS_SUBSTR(r.err, err, cases[i].what);
		ASSERT_EQ(strchr(r.err, '\n') - r.err + 1, (long)strlen(r.err),
			  "one line");
	}
	unlink(path);
}

/* The fake object with byte @at of "host-fake" in .struct_ops.link (its bpf_oom_ops name) set to @c. */
static int write_bad_name(const char *path, int at, char c)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)fake_img;
	Elf64_Shdr *sh, *str;
	char *hit = NULL;
	ssize_t n;

	n = read_fake();
	if (n < 0)
		return n;
	if (n < (ssize_t)sizeof(*eh) ||
	    eh->e_shoff + eh->e_shnum * sizeof(*sh) > (size_t)n)
		return -EINVAL;
	sh = (Elf64_Shdr *)(fake_img + eh->e_shoff);
	str = &sh[eh->e_shstrndx];
	for (int i = 0; i < eh->e_shnum && !hit; i++)
		if (!strcmp(fake_img + str->sh_offset + sh[i].sh_name,
			    ".struct_ops.link"))
			hit = memmem(fake_img + sh[i].sh_offset, sh[i].sh_size,
				     "host-fake", 9);
	if (!hit)
		return -ENOENT;
	hit[at] = c;
	return write_fake(path, n);
}

/* bpf_oom_ops.name goes into the kernel log beside "Killed process": no forged lines. */
TEST(oom_name_must_be_printable)
{
	static const char bad[] = { '\n',   '\r',   '\x1b', '\x7f',
				    '\x80', '\xff', '\t' };
	const char *path = SCRATCH "/badname.bpf.o";
	char err[512];

	setup_scratch();
	for (size_t i = 0; i < sizeof(bad); i++) {
		if (!ASSERT_OK(write_bad_name(path, 4, bad[i]),
			       "write the object"))
			break;
		if (!ASSERT_OK(CLI(&r, "policy", "load", path), "load"))
			break;
		ASSERT_EQ(r.status, 1, "exit status");
		snprintf(
			err, sizeof(err),
			"Error: can't load '%s': its bpf_oom_ops name has byte "
			"0x%02x at 4; the kernel logs it with each kill, so only printable ASCII is "
			"allowed\n",
			path, (unsigned char)bad[i]);
		ASSERT_STR_EQ(r.err, err, "load");
		ASSERT_FALSE(pin_exists("host-fake"), "nothing pinned");
	}
	/* a printable one is fine (and refused later, by this kernel) */
	if (ASSERT_OK(private_bpffs(), "private bpffs for run's pin check") &&
	    ASSERT_OK(write_bad_name(path, 4, '_'), "write the object") &&
	    ASSERT_OK(CLI(&r, "run", path), "run"))
		ASSERT_HAS_SUBSTR(r.err, "this kernel has no bpf_oom_ops",
				  "a printable name passes");
	unlink(path);
}
