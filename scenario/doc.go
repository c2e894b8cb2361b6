// Package scenario describes what a test VM does and checks what it did.
//
// A Plan (modules plus ordered steps: load, unload, disable, wait, write,
// expect, sleep) is made on the host, from livepatch specs or a scenario
// file, and packed into the VM's initramfs. Inside the VM, Exec runs it
// step by step against the real kernel and reports Events; on the host,
// Run boots the VM, follows those events and returns an Outcome that
// states what the kernel did. A VM that dies, hangs or never sends its
// final result is a failure, never a pass.
package scenario
