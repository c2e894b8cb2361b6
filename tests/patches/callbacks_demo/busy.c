// SPDX-License-Identifier: GPL-2.0
/*
 * busy_mod's work function, replaced. A worker that starts after the
 * patch runs this version, which sleeps inside itself while klp_block is
 * 1: then it is the *unpatching* transition that cannot switch it, which
 * is how a scenario forces an unpatching transition and pins the module.
 */
#include <linux/workqueue.h>
#include <linux/delay.h>

static bool klp_block = true;
module_param(klp_block, bool, 0644);
MODULE_PARM_DESC(klp_block, "keep busy_mod's worker sleeping inside the replacement");

static void klp_busy_mod_work_func(struct work_struct *work)
{
	pr_info("%s enter\n", __func__);
	while (READ_ONCE(klp_block))
		msleep(20);
	pr_info("%s exit\n", __func__);
}
