package kmsg

import "strconv"

// Kind says which livepatch log line an Event came from. The comment on each
// constant is the kernel 6.1 format after the "livepatch: " prefix, and the
// printk level it is logged at; debug lines appear only with dynamic debug on
// (e.g. boot with dyndbg="file kernel/livepatch/* +p").
type Kind int

const (
	// Other is a "livepatch: " line of a format this package does not know.
	Other Kind = iota

	Enabling           // notice: enabling patch '%s'
	InitPatching       // debug:  '%s': initializing patching transition
	StartPatching      // notice: '%s': starting patching transition
	CompletePatching   // debug:  '%s': completing patching transition
	PatchingComplete   // notice: '%s': patching complete
	InitUnpatching     // debug:  '%s': initializing unpatching transition
	StartUnpatching    // notice: '%s': starting unpatching transition
	CompleteUnpatching // debug:  '%s': completing unpatching transition
	UnpatchingComplete // notice: '%s': unpatching complete
	Canceling          // debug:  '%s': canceling patching transition, going to unpatch
	Reversing          // debug:  '%s': reversing transition from patching to unpatching (or unpatching to patching)
	Signaling          // notice: signaling remaining tasks (after 15 unsuccessful retries, about 15 s)
	Forcing            // warn:   forcing remaining tasks to the patched state (1 written to force)

	PrePatchFailed    // warn: pre-patch callback failed for object '%s'
	PatchObjectFailed // warn: failed to patch object '%s' (ftrace registration failed)
	EnableFailed      // warn: failed to enable patch '%s'
	Incompatible      // err:  Livepatch patch (%s) is not compatible with the already installed livepatches.

	Applying          // notice: applying patch '%s' to loading module '%s'
	Reverting         // notice: reverting patch '%s' on unloading module '%s'
	InitModuleFailed  // warn:   failed to initialize patch '%s' for module '%s' (%d)
	ApplyModuleFailed // warn:   failed to apply patch '%s' to module '%s' (%d)
	RefusingModule    // warn:   patch '%s' failed for module '%s', refusing to load module '%s'
)

var kindNames = [...]string{
	Other:              "Other",
	Enabling:           "Enabling",
	InitPatching:       "InitPatching",
	StartPatching:      "StartPatching",
	CompletePatching:   "CompletePatching",
	PatchingComplete:   "PatchingComplete",
	InitUnpatching:     "InitUnpatching",
	StartUnpatching:    "StartUnpatching",
	CompleteUnpatching: "CompleteUnpatching",
	UnpatchingComplete: "UnpatchingComplete",
	Canceling:          "Canceling",
	Reversing:          "Reversing",
	Signaling:          "Signaling",
	Forcing:            "Forcing",
	PrePatchFailed:     "PrePatchFailed",
	PatchObjectFailed:  "PatchObjectFailed",
	EnableFailed:       "EnableFailed",
	Incompatible:       "Incompatible",
	Applying:           "Applying",
	Reverting:          "Reverting",
	InitModuleFailed:   "InitModuleFailed",
	ApplyModuleFailed:  "ApplyModuleFailed",
	RefusingModule:     "RefusingModule",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}
