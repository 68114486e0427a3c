/* SPDX-License-Identifier: GPL-2.0 */
/* Bytes from the kernel (task names, cgroup paths) made safe to print: UTF-8 checks, escaping. */
#ifndef __OOMKIT_TEXT_H
#define __OOMKIT_TEXT_H

#include <stddef.h>

/*
 * The length of the well-formed UTF-8 sequence at @s (RFC 3629: no
 * overlong forms, no surrogates, at most U+10FFFF), or 0.
 */
size_t utf8_len(const unsigned char *s);

/*
 * Copies at most @max bytes of @in to @out (@len bytes, always
 * terminated) so that a line of text cannot be forged or broken with
 * them: control characters (C0, DEL, C1), bytes that are not UTF-8, the
 * backslash, '"' and, with @word (a key=value token), blanks become
 * \xNN. Returns @out.
 */
char *text_escape(const char *in, size_t max, int word, char *out, size_t len);

#endif /* __OOMKIT_TEXT_H */
