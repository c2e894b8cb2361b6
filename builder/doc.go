// Package builder turns a livepatch spec into a loadable module: it renders
// the C source and Kbuild file from the embedded templates, runs the
// target kernel's kbuild on them, and checks that the .ko it produced is a
// livepatch for that kernel with the expected name.
//
// Builds go to a kept directory, so a failed build can be inspected and a
// repeated one skips kbuild when nothing it reads has changed. The package
// neither loads modules (kmod) nor boots kernels (qemu).
package builder
