// Package spec reads a livepatch spec: the YAML file that names a patch's
// module, its C sources, the kernel objects it patches, the functions it
// replaces, the callbacks it runs and how a VM proves it took effect.
//
// Load parses and validates in one step and reports every problem it finds
// as an *Error naming file:line:col and the field, so nothing is built from a
// spec that would fail later. The package does not render or compile C; the
// builder package does.
package spec
