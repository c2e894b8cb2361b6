package sysfs

import (
	"os"
	"testing"

	"github.com/klpkit/klpkit/internal/testenv"
)

// replaceFile changes a file's content in one rename, so a concurrent
// reader sees the old or the new content, never a truncated file, as it
// would with a real sysfs attribute.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Error(err)
		return
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Error(err)
	}
}

// livepatchTree is /sys/kernel/livepatch with two patches: one as 6.1
// shows it, and one from a 6.14 kernel with replace and stack_order.
var livepatchTree = map[string]string{
	// 6.1: no replace, no stack_order; a vmlinux object and a module
	// object whose module is not loaded (patched 0).
	"livepatch_cmdline/enabled":                       "1\n",
	"livepatch_cmdline/transition":                    "0\n",
	"livepatch_cmdline/force":                         "",
	"livepatch_cmdline/vmlinux/patched":               "1\n",
	"livepatch_cmdline/vmlinux/cmdline_proc_show,0/":  "",
	"livepatch_cmdline/vmlinux/show_stat,2/":          "",
	"livepatch_cmdline/vmlinux/show_stat,10/":         "",
	"livepatch_cmdline/vmlinux/show_stat,1/":          "",
	"livepatch_cmdline/vmlinux/do_sys_open.isra.0,0/": "",
	"livepatch_cmdline/nfsd/patched":                  "0\n",
	"livepatch_cmdline/nfsd/nfsd_open,0/":             "",

	// 6.14: atomic replace, second on the stack, in transition.
	"livepatch_replace/enabled":                      "1\n",
	"livepatch_replace/transition":                   "1\n",
	"livepatch_replace/force":                        "",
	"livepatch_replace/replace":                      "1\n",
	"livepatch_replace/stack_order":                  "2\n",
	"livepatch_replace/vmlinux/patched":              "0\n",
	"livepatch_replace/vmlinux/meminfo_proc_show,0/": "",
}

func newLivepatchTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	testenv.WriteTree(t, root, livepatchTree)
	return root
}
