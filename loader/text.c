// SPDX-License-Identifier: GPL-2.0
/* Bytes from the kernel (task names, cgroup paths) made safe to print: UTF-8 checks, escaping. */
#include <stdbool.h>
#include <stdio.h>

#include "text.h"

size_t utf8_len(const unsigned char *s)
{
	unsigned int cp, min;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		/* also stops at the terminating NUL */
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool plain(unsigned char c, int word)
{
	if (c < 0x20 || c == 0x7f || c == '\\' || c == '"')
		return false;
	return !(word && c == ' ');
}

char *text_escape(const char *in, size_t max, int word, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, n;

	if (!len)
		return out;
	while (i < max && s[i]) {
		n = s[i] < 0x80 ? (plain(s[i], word) ? 1 : 0) : utf8_len(s + i);
		/* C1 controls (U+0080..U+009F) steer terminals too */
		if (n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)
			n = 0;
		if (n && i + n > max)
			n = 0;
		if (n) {
			if (o + n >= len)
				break;
			for (; n; n--)
				out[o++] = s[i++];
		} else {
			if (o + 4 >= len)
				break;
			snprintf(out + o, 5, "\\x%02x", s[i++]);
			o += 4;
		}
	}
	out[o] = '\0';
	return out;
}
