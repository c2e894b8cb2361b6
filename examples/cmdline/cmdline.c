// SPDX-License-Identifier: GPL-2.0
/*
 * Replacement for fs/proc/cmdline.c:cmdline_proc_show(). The generated
 * module includes this file, so the function may stay static.
 */
#include <linux/seq_file.h>

static int klp_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "klpkit: this kernel's /proc/cmdline is live patched\n");
	return 0;
}
