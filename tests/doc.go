// Package tests holds klpkit's end-to-end tests: every example proved and
// every scenario of the suite run on the real Debian kernel in QEMU, and
// scenarios that must fail, failing for the right reason. The patches,
// fixture modules and scenarios live beside them.
package tests
