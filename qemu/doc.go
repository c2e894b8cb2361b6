// Package qemu boots a test VM: it packs an initramfs (uncompressed cpio
// newc), builds the QEMU command line, starts QEMU, streams the guest's
// event channel (its second serial port, ttyS1) and captures the kernel
// console (ttyS0) into a log file that outlives the run.
//
// It knows nothing of what runs inside the guest: the guest agent, the
// event format and what makes a run pass belong to package scenario. It
// never uses KVM unless asked, because on the machines klpkit targets
// /dev/kvm exists but guests hang in firmware.
package qemu
