package kmod

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// explanation is one row of the errno table: what errno means when the
// kernel returns it for op ("load", "unload", or "" for either).
type explanation struct {
	op    string
	errno syscall.Errno
	text  string
}

// explanations is the one place where a module errno is translated. The
// causes come from the 6.1 sources: kernel/module/main.c (load_module,
// delete_module), kernel/module/signing.c, and kernel/livepatch/core.c
// (klp_enable_patch, klp_module_coming). Where load and unload mean
// different things, the op-specific row comes first and wins.
var explanations = []explanation{
	// finit_module(2)
	{"load", unix.EEXIST, "a module of that name is already loaded; " +
		"unload it first (if it is a livepatch, disable it and wait for its transition before unloading), " +
		"or give the new patch another name"},
	{"load", unix.ENODEV, "a pre_patch callback refused to patch an object. " +
		"For a livepatch, its own pre_patch callback returned -ENODEV (kernel log: \"pre-patch callback failed for object '...'\"); " +
		"for an ordinary module loaded while a livepatch is enabled, that livepatch's pre_patch callback for this module refused it " +
		"(kernel log: \"patch '...' failed for module '...', refusing to load module '...'\"). " +
		"See the kernel log (dmesg) for the callback's message, fix the cause or the pre_patch_ret parameter, then load again"},
	{"load", unix.EINVAL, "the kernel refused the module or its parameters: a parameter value it cannot parse, " +
		"a symbol version (modversions CRC) mismatch, or, for a livepatch, a function or symbol not found in its object " +
		"(or ambiguous without a sympos), a module not marked MODULE_INFO(livepatch, \"Y\"), " +
		"or a patch incompatible with the livepatch states already installed; the kernel log (dmesg) names the reason"},
	{"load", unix.EBUSY, "another livepatch transition is in progress and the kernel runs one at a time " +
		"(or a module of the same name is still loading); wait until every /sys/kernel/livepatch/*/transition reads 0, then load again"},
	{"load", unix.ENOENT, "a symbol or object the module needs was not found: it uses an exported symbol this kernel does not have " +
		"(kernel log: \"Unknown symbol ...\"), usually because it was built against other headers or needs a module that is not loaded yet"},
	{"load", unix.ENOEXEC, "not a valid module for this kernel: built for another kernel release " +
		"(kernel log: \"version magic '...' should be '...'\") or another architecture, a livepatch on a kernel without CONFIG_LIVEPATCH, or not a module ELF file at all; " +
		"rebuild it against the headers of the running kernel (uname -r)"},
	{"load", unix.EKEYREJECTED, "the module signature was rejected: it is signed with a key the kernel does not trust, " +
		"or it is unsigned while signatures are enforced (module.sig_enforce=1, or lockdown under Secure Boot); " +
		"sign it with a key in the kernel's keyring, or load it on a kernel that does not enforce signatures"},
	{"load", unix.EBADMSG, "the module signature appended to the file is malformed, which the kernel rejects even when " +
		"signatures are not enforced; sign the module again, or strip the broken signature"},
	{"load", unix.ETXTBSY, "the module file is open for writing (is a build still writing it?); " +
		"wait for the writer to finish, then load again"},
	{"load", unix.EBADF, "the file descriptor passed to finit_module is not open for reading; this is a bug in the caller"},
	{"load", unix.EFBIG, "the module file is larger than the kernel accepts; check that it is the right file"},

	// delete_module(2)
	{"unload", unix.EWOULDBLOCK, "the module is in use: its reference count is not zero or another module depends on it (lsmod shows the users). " +
		"A livepatch holds a reference on itself while it is enabled and until its unpatching transition completes, " +
		"and a forced livepatch keeps it for ever: disable the patch, wait for its transition to finish, then unload; " +
		"a forced patch cannot be removed before a reboot"},
	{"unload", unix.EBUSY, "the module is not live: it is still initialising (a livepatch's init enables the patch) " +
		"or already being removed, or it has an init function but no exit function and can never be unloaded; " +
		"check /sys/module/<name>/initstate and retry once it reads \"live\""},
	{"unload", unix.ENOENT, "no module of that name is loaded: it was already unloaded, " +
		"or its name differs from the file name (see /sys/module)"},

	// Either operation.
	{"", unix.EPERM, "not permitted: the caller lacks CAP_SYS_MODULE (run as root), " +
		"module loading was switched off (/proc/sys/kernel/modules_disabled is 1 until the next boot), " +
		"or kernel lockdown refuses the module"},
	{"", unix.ENOMEM, "the kernel could not allocate memory for the module; free memory and retry"},
	{"", unix.EFAULT, "the kernel could not read an argument from this process; this is a bug in the caller, not in the module"},
	{"", unix.ENOSYS, "this kernel cannot load modules at all (built without CONFIG_MODULES), " +
		"or a seccomp filter, as container runtimes install, blocks the call; run where modules can be loaded, such as the test VM"},
	{"", unix.EINTR, "a signal interrupted the call before the kernel finished; nothing changed, retry"},
}

// Explain says what errno means when the kernel returns it for op ("load"
// or "unload"): "<NAME> (<strerror>): <what it means and what to do>". An
// errno without an entry still gets its name and text.
func Explain(op string, errno syscall.Errno) string {
	head := errnoHead(errno)
	if text := lookup(op, errno); text != "" {
		return head + ": " + text
	}
	return head + ": see the kernel log (dmesg) for the kernel's reason"
}

// lookup returns the table text for op and errno, preferring a row for
// this op over a row for either op.
func lookup(op string, errno syscall.Errno) string {
	var general string
	for _, e := range explanations {
		if e.errno != errno {
			continue
		}
		if e.op == op {
			return e.text
		}
		if e.op == "" {
			general = e.text
		}
	}
	return general
}

// errnoHead names errno the way kernel engineers read it: "ENODEV (no such
// device)". Numbers without a name (the kernel has a few internal ones
// that should never escape, like ERESTARTSYS) show the number instead.
func errnoHead(errno syscall.Errno) string {
	name := unix.ErrnoName(errno)
	if name == "" {
		name = fmt.Sprintf("errno %d", int(errno))
	}
	return name + " (" + errno.Error() + ")"
}
