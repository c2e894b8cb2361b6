#include <linux/seq_file.h>

static int klp_broken_show(struct seq_file *m, void *v)
{
	seq_puts(m, "broken\n")
	return 0;
}
