// SPDX-License-Identifier: GPL-2.0
/* Prints oomkit.8 (roff) from the command table that --help also uses. */
#include <stdio.h>

#include "doc.h"

int main(void)
{
	doc_print_man(stdout);
	return 0;
}
