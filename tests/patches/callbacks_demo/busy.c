// SPDX-License-Identifier: GPL-2.0
#include <linux/workqueue.h>

static void klp_busy_mod_work_func(struct work_struct *work)
{
	pr_info("%s\n", __func__);
}
