#include <linux/seq_file.h>

static int klp_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "multi\n");
	return 0;
}

static int klp_meminfo_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "meminfo\n");
	return 0;
}

static int klp_target_show(struct seq_file *m, void *v)
{
	return 0;
}

static int fix_pre_patch(struct klp_object *obj)
{
	return 0;
}

static void fix_post_patch(struct klp_object *obj)
{
}
