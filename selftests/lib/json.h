/* SPDX-License-Identifier: GPL-2.0 */
/* Reading the CLI's JSON output: a strict validator and a number lookup by key. */
#ifndef __OOMKIT_JSON_H
#define __OOMKIT_JSON_H

#include <stdbool.h>

/* true if s is exactly one JSON value (plus whitespace). */
bool json_valid(const char *s);
/* Number of top-level JSON values in s, one per line (event streams). */
int json_lines(const char *s);

/* The unsigned number after the first "key": in s at or after from; -1 if none. */
long long json_num(const char *s, const char *key);

#endif /* __OOMKIT_JSON_H */
