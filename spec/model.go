package spec

// MaxNameLen is the longest module name the kernel accepts
// (MODULE_NAME_LEN - 1 on x86-64).
const MaxNameLen = 55

// Vmlinux names the core kernel as a patch object.
const Vmlinux = "vmlinux"

// LogCallback asks for a generated callback that only logs.
const LogCallback = "log"

// Patch is a validated livepatch spec.
type Patch struct {
	// File is the spec's path and Dir its directory; sources are
	// resolved against Dir.
	File string
	Dir  string

	Name        string
	Description string
	// Replace is klp_patch.replace: an atomic-replace patch disables
	// every patch loaded before it once its transition completes.
	Replace bool
	// Sources are absolute paths of the patch's C files.
	Sources []string
	Objects []Object
	Verify  []Verify
}

// Object is a kernel object the patch changes: vmlinux or a module.
type Object struct {
	Name      string
	Functions []Function
	Callbacks Callbacks
}

// IsVmlinux reports whether the object is the core kernel, which the
// kernel's klp_object marks with a NULL name.
func (o Object) IsVmlinux() bool { return o.Name == Vmlinux }

// Function is one replaced function.
type Function struct {
	Old string // the kernel's function
	New string // its replacement, defined in the sources
	// Sympos picks the N-th symbol named Old in kallsyms order when the
	// name is not unique; 0 requires it to be unique.
	Sympos int
}

// Callbacks name what runs around (un)patching an object. Each is empty
// (no callback), LogCallback, or a function defined in the sources.
type Callbacks struct {
	PrePatch    string
	PostPatch   string
	PreUnpatch  string
	PostUnpatch string
}

// Each calls fn for each callback kind, in the order the kernel runs them
// on a patch-then-unpatch cycle, with its value (possibly empty).
func (c Callbacks) Each(fn func(kind, value string)) {
	fn("pre_patch", c.PrePatch)
	fn("post_patch", c.PostPatch)
	fn("pre_unpatch", c.PreUnpatch)
	fn("post_unpatch", c.PostUnpatch)
}

// HasPrePatch reports whether any object has a pre_patch callback, which
// gives the module its pre_patch_ret parameter.
func (p *Patch) HasPrePatch() bool {
	for _, o := range p.Objects {
		if o.Callbacks.PrePatch != "" {
			return true
		}
	}
	return false
}

// Verify says how a VM proves the patch took effect: File contains
// Patched while the patch is enabled, and Unpatched before and after.
type Verify struct {
	File      string
	Patched   string
	Unpatched string
}
