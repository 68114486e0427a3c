/* SPDX-License-Identifier: GPL-2.0 */
/* The test framework: TEST() registration and bool-returning ASSERT_* macros. */
#ifndef __OOMKIT_TEST_H
#define __OOMKIT_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/*
 * TEST(name) { ... } defines a test and registers it from a constructor, so
 * tests run in link order and, within a file, in the order they are written.
 * The runner (runner.c) runs each test in a forked child, serially: a crash,
 * an OOM kill or a hang of one test is reported as its failure and the next
 * test still runs.
 */
void test_register(const char *name, void (*fn)(void), const char *file);

#define TEST(name)                                                          \
	static void test_##name(void);                                      \
	__attribute__((constructor)) static void test_register_##name(void) \
	{                                                                   \
		test_register(#name, test_##name, __FILE__);                \
	}                                                                   \
	static void test_##name(void)

/* Marks the running test skipped; only for genuinely impossible cases. */
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Marks the running test failed with a message (ASSERT_* do this for you). */
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* True once the running test has failed. */
bool test_failed(void);
/* True with -v. */
bool test_verbose(void);
/* Prints to stdout with -v only, prefixed with the test name. */
void test_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* test_now_ms(), test_sleep_ms() (and the rest of proc.h) for WAIT_UNTIL and the tests. */
#include "proc.h"

/*
 * Polls @cond every 10 ms until it holds or @timeout_ms passed; returns
 * whether it held. For fields another process or BPF updates, read through
 * READ_ONCE() so the compiler re-reads them.
 */
#define WAIT_UNTIL(cond, timeout_ms)                                         \
	({                                                                   \
		long long ___deadline = test_now_ms() + (timeout_ms);        \
		bool ___held;                                                \
		while (!(___held = !!(cond)) && test_now_ms() < ___deadline) \
			test_sleep_ms(10);                                   \
		___held;                                                     \
	})

#ifndef READ_ONCE
#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
#endif

/* Formatting helpers the macros use: values are printed in their own signedness. */
void test_fail_num(const char *file, int line, const char *what,
		   unsigned long long act, bool act_signed, const char *op,
		   unsigned long long exp, bool exp_signed);

#define __TEST_SIGNED(x) ((typeof(x))-1 < (typeof(x))1)

/*
 * The comparison uses C's usual conversions, like the open-coded comparison
 * would; -Wsign-compare is silenced because literals are the common case.
 */
#define __ASSERT_CMP(act, exp, op, what)                                  \
	({                                                                \
		typeof(act) ___act = (act);                               \
		typeof(exp) ___exp = (exp);                               \
		_Pragma("GCC diagnostic push") _Pragma(                   \
			"GCC diagnostic ignored \"-Wsign-compare\"") bool \
			___ok = ___act op ___exp;                         \
		_Pragma("GCC diagnostic pop") if (!___ok)                 \
			test_fail_num(__FILE__, __LINE__, (what),         \
				      (unsigned long long)___act,         \
				      __TEST_SIGNED(___act), #op,         \
				      (unsigned long long)___exp,         \
				      __TEST_SIGNED(___exp));             \
		___ok;                                                    \
	})

#define ASSERT_EQ(act, exp, what)  __ASSERT_CMP(act, exp, ==, what)
#define ASSERT_NEQ(act, exp, what) __ASSERT_CMP(act, exp, !=, what)
#define ASSERT_GE(act, exp, what)  __ASSERT_CMP(act, exp, >=, what)
#define ASSERT_LE(act, exp, what)  __ASSERT_CMP(act, exp, <=, what)
#define ASSERT_GT(act, exp, what)  __ASSERT_CMP(act, exp, >, what)
#define ASSERT_LT(act, exp, what)  __ASSERT_CMP(act, exp, <, what)

#define ASSERT_TRUE(cond, what)                                              \
	({                                                                   \
		bool ___ok = !!(cond);                                       \
		if (!___ok)                                                  \
			test_fail(__FILE__, __LINE__,                        \
				  "%s: actual false expected true", (what)); \
		___ok;                                                       \
	})

#define ASSERT_FALSE(cond, what)                                             \
	({                                                                   \
		bool ___ok = !(cond);                                        \
		if (!___ok)                                                  \
			test_fail(__FILE__, __LINE__,                        \
				  "%s: actual true expected false", (what)); \
		___ok;                                                       \
	})

/* err == 0; the failure message names the errno when err looks like one. */
void test_fail_err(const char *file, int line, const char *what, long long err,
		   const char *expected);

#define ASSERT_OK(err, what)                                              \
	({                                                                \
		long long ___err = (err);                                 \
		bool ___ok = ___err == 0;                                 \
		if (!___ok)                                               \
			test_fail_err(__FILE__, __LINE__, (what), ___err, \
				      "0");                               \
		___ok;                                                    \
	})

#define ASSERT_ERR(err, what)                                             \
	({                                                                \
		long long ___err = (err);                                 \
		bool ___ok = ___err < 0;                                  \
		if (!___ok)                                               \
			test_fail_err(__FILE__, __LINE__, (what), ___err, \
				      "< 0");                             \
		___ok;                                                    \
	})

/* libbpf 1.x returns NULL and sets errno on failure. */
#define ASSERT_OK_PTR(ptr, what)                                                     \
	({                                                                           \
		const void *___p = (ptr);                                            \
		bool ___ok = ___p != NULL;                                           \
		if (!___ok)                                                          \
			test_fail(                                                   \
				__FILE__, __LINE__,                                  \
				"%s: actual NULL (errno %d: %m) expected a pointer", \
				(what), errno);                                      \
		___ok;                                                               \
	})

#define ASSERT_STR_EQ(act, exp, what)                                          \
	({                                                                     \
		const char *___a = (act), *___e = (exp);                       \
		bool ___ok = ___a && ___e && !strcmp(___a, ___e);              \
		if (!___ok)                                                    \
			test_fail(__FILE__, __LINE__,                          \
				  "%s: actual \"%s\" expected \"%s\"", (what), \
				  ___a ? ___a : "(null)",                      \
				  ___e ? ___e : "(null)");                     \
		___ok;                                                         \
	})

#define ASSERT_HAS_SUBSTR(haystack, needle, what)                               \
	({                                                                      \
		const char *___h = (haystack), *___n = (needle);                \
		bool ___ok = ___h && ___n && strstr(___h, ___n);                \
		if (!___ok)                                                     \
			test_fail(                                              \
				__FILE__, __LINE__,                             \
				"%s: actual \"%s\" expected to contain \"%s\"", \
				(what), ___h ? ___h : "(null)",                 \
				___n ? ___n : "(null)");                        \
		___ok;                                                          \
	})

#endif /* __OOMKIT_TEST_H */
