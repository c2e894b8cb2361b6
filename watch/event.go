package watch

import "time"

// Sources of events.
const (
	SourceKmsg   = "kmsg"
	SourceUevent = "uevent"
	SourceSysfs  = "sysfs"
)

// Kinds of events. The kernel-log kinds name the livepatch core's lines
// (see kmsgKinds for which line gives which); the others are described
// where they are made.
const (
	// From the kernel log.
	KindEnabling           = "enabling"
	KindTransitionInit     = "transition-init"
	KindTransitionStart    = "transition-start"
	KindTransitionComplete = "transition-complete"
	KindPatchingComplete   = "patching-complete"
	KindUnpatchingComplete = "unpatching-complete"
	KindReversing          = "reversing"
	KindCanceling          = "canceling"
	KindSignaling          = "signaling"
	KindForcing            = "forcing"
	KindPrePatchFailed     = "pre-patch-failed"
	KindPatchObjectFailed  = "patch-object-failed"
	KindEnableFailed       = "enable-failed"
	KindIncompatible       = "incompatible"
	KindApplying           = "applying"
	KindReverting          = "reverting"
	KindModuleInitFailed   = "module-init-failed"
	KindModuleApplyFailed  = "module-apply-failed"
	KindRefusingModule     = "refusing-module"
	KindOther              = "other" // a "livepatch: " line of an unknown format

	// From uevents.
	KindModuleAdd     = "module-add"     // a module was loaded and its init returned
	KindModuleRemove  = "module-remove"  // a module was unloaded
	KindModuleTrigger = "module-trigger" // a synthetic module uevent (udevadm trigger), not a load or unload

	// From polling sysfs.
	KindPatchAdded     = "patch-added"     // a directory appeared under /sys/kernel/livepatch
	KindPatchRemoved   = "patch-removed"   // a patch's directory went away
	KindEnabledChanged = "enabled-changed" // a patch's enabled attribute changed
	KindProgress       = "progress"        // a transition is running; Pending tasks are left
	KindTransitionDone = "transition-done" // a patch's transition attribute went back to 0

	// From the kernel log or uevents: the source lost events.
	KindLost = "lost"
)

// Event is one thing that happened to a livepatch or a module.
type Event struct {
	// Time is when klpkit received or noticed it.
	Time   time.Time `json:"time"`
	Source string    `json:"source"` // SourceKmsg, SourceUevent or SourceSysfs
	Kind   string    `json:"kind"`   // one of the Kind constants
	// Patch is the livepatch's name, when the event concerns one.
	Patch string `json:"patch,omitempty"`
	// Module is the module loaded, unloaded or patched, when the event
	// concerns one other than the livepatch itself.
	Module string `json:"module,omitempty"`
	// Pending is, for KindProgress, the number of tasks not yet switched to
	// the transition's target state. Each CPU's idle task can hold a
	// transition up too but has no /proc entry, so a transition may go on
	// with 0 tasks pending.
	Pending int `json:"pending,omitempty"`
	// Text is a line for humans: the kernel's log line, or a description.
	Text string `json:"text"`
	// KernelTime is the log record's timestamp since boot (kmsg only).
	KernelTime time.Duration `json:"kernel_time,omitempty"`
}

// Subject is the name a one-line view shows for the event: "patch",
// "module", "patch/module" when it names both (a patch applied to a loading
// module), or "-".
func (e Event) Subject() string {
	switch {
	case e.Patch != "" && e.Module != "":
		return e.Patch + "/" + e.Module
	case e.Patch != "":
		return e.Patch
	case e.Module != "":
		return e.Module
	}
	return "-"
}
