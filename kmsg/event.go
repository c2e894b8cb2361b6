package kmsg

import "strings"

// Prefix starts every line the livepatch core logs: its pr_fmt is
// KBUILD_MODNAME ": " and the core is built in as "livepatch".
const Prefix = "livepatch: "

// Event is a livepatch log line with the names it carries.
type Event struct {
	Kind Kind
	// Patch is the livepatch module's name; empty for lines that do not
	// name it (PrePatchFailed, PatchObjectFailed, Signaling, Forcing).
	Patch string
	// Object is the patched object: "vmlinux" or a module name
	// (PrePatchFailed, PatchObjectFailed, and the module lines below).
	Object string
	// Module is the module being loaded or unloaded (Applying, Reverting,
	// InitModuleFailed, ApplyModuleFailed, RefusingModule); the kernel only
	// logs these for the object of that same module, so Object equals it.
	Module string
	// Record is the log record the event was parsed from.
	Record Record
}

// eventFormat is one kernel format, with %s for each name it prints, and
// how the names fill an Event.
type eventFormat struct {
	kind   Kind
	format string
	set    func(e *Event, names []string)
}

func setPatch(e *Event, n []string)  { e.Patch = n[0] }
func setObject(e *Event, n []string) { e.Object = n[0] }
func setNone(*Event, []string)       {}

// setModule fills the lines about a loading or unloading module, which
// print the patch and then that module (once, or twice when refusing).
func setModule(e *Event, n []string) { e.Patch, e.Object, e.Module = n[0], n[1], n[1] }

// eventFormats are the 6.1 formats from kernel/livepatch/core.c and
// transition.c. Each ends differently, so at most one matches a line.
// The "(%d)" errno of two warnings is matched as a name and dropped; it
// stays in Record.Text.
func eventFormats() []eventFormat {
	return []eventFormat{
		{Enabling, "enabling patch '%s'", setPatch},
		{InitPatching, "'%s': initializing patching transition", setPatch},
		{StartPatching, "'%s': starting patching transition", setPatch},
		{CompletePatching, "'%s': completing patching transition", setPatch},
		{PatchingComplete, "'%s': patching complete", setPatch},
		{InitUnpatching, "'%s': initializing unpatching transition", setPatch},
		{StartUnpatching, "'%s': starting unpatching transition", setPatch},
		{CompleteUnpatching, "'%s': completing unpatching transition", setPatch},
		{UnpatchingComplete, "'%s': unpatching complete", setPatch},
		{Canceling, "'%s': canceling patching transition, going to unpatch", setPatch},
		{Reversing, "'%s': reversing transition from patching to unpatching", setPatch},
		{Reversing, "'%s': reversing transition from unpatching to patching", setPatch},
		{Signaling, "signaling remaining tasks", setNone},
		{Forcing, "forcing remaining tasks to the patched state", setNone},
		{PrePatchFailed, "pre-patch callback failed for object '%s'", setObject},
		{PatchObjectFailed, "failed to patch object '%s'", setObject},
		{EnableFailed, "failed to enable patch '%s'", setPatch},
		{Incompatible, "Livepatch patch (%s) is not compatible with the already installed livepatches.", setPatch},
		{Applying, "applying patch '%s' to loading module '%s'", setModule},
		{Reverting, "reverting patch '%s' on unloading module '%s'", setModule},
		{InitModuleFailed, "failed to initialize patch '%s' for module '%s' (%s)", setModule},
		{ApplyModuleFailed, "failed to apply patch '%s' to module '%s' (%s)", setModule},
		{RefusingModule, "patch '%s' failed for module '%s', refusing to load module '%s'", func(e *Event, n []string) {
			e.Patch, e.Object, e.Module = n[0], n[1], n[2]
		}},
	}
}

// ParseEvent recognises a livepatch line. It returns false when the record
// is not one: its text does not start with "livepatch: ", or it was not
// logged by the kernel. The kernel refuses facility 0 (kernel) to records
// written through /dev/kmsg, so checking it keeps a user-space writer from
// faking "patching complete". A livepatch line of an unknown format is an
// Event of Kind Other.
//
// Lines decorated by dynamic debug's +m, +f, +l or +t flags do not start
// with the prefix and are not recognised; enable debug lines with +p only.
func ParseEvent(r Record) (Event, bool) {
	if r.Facility != 0 {
		return Event{}, false
	}
	msg, ok := strings.CutPrefix(r.Text, Prefix)
	if !ok {
		return Event{}, false
	}
	ev := Event{Kind: Other, Record: r}
	for _, f := range eventFormats() {
		if names, ok := matchFormat(f.format, msg); ok {
			ev.Kind = f.kind
			f.set(&ev, names)
			break
		}
	}
	return ev, true
}

// matchFormat matches s against a format whose only verb is %s and returns
// what each %s stood for. Each name runs to the first occurrence of the
// literal after it, and the last literal must end s; kernel object names
// (module names, "vmlinux") contain neither quotes nor spaces, so this is
// exact for real lines and linear in len(s). Empty names do not match.
func matchFormat(format, s string) ([]string, bool) {
	lits := strings.Split(format, "%s")
	rest, ok := strings.CutPrefix(s, lits[0])
	if !ok {
		return nil, false
	}
	names := make([]string, 0, len(lits)-1)
	for i, lit := range lits[1:] {
		var name string
		if i == len(lits)-2 {
			name, ok = strings.CutSuffix(rest, lit)
			rest = ""
		} else {
			name, rest, ok = strings.Cut(rest, lit)
		}
		if !ok || name == "" {
			return nil, false
		}
		names = append(names, name)
	}
	if len(lits) == 1 && rest != "" {
		return nil, false // a format without names must match s exactly
	}
	return names, true
}
