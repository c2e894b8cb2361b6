#include <linux/seq_file.h>

/* a comment with a fake definition: static int not_real(void) { } */
static const char *msg = "static int nor_this(void) {";

static int klp_show(struct seq_file *m, void *v)
{
	seq_puts(m, "patched\n");
	return 0;
}

int my_pre(struct klp_object *obj)
{
	return 0;
}

void my_post(struct klp_object *obj);
