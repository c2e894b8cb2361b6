package transition

import (
	"time"

	"github.com/klpkit/klpkit/kmod"
	"github.com/klpkit/klpkit/sysfs"
)

// Options say how to run an operation; the zero value is the real
// machine with the defaults.
type Options struct {
	FS *sysfs.FS
	// Sys is the sysfs mount, for /sys/module (default "/sys").
	Sys string
	// Kmsg is the kernel log ("" = /dev/kmsg). NoKmsg waits on sysfs
	// alone, for a system where the log cannot be read.
	Kmsg   string
	NoKmsg bool
	// DynDebug is the dynamic debug control file (default
	// DefaultDynDebug); NoDynDebug leaves it alone.
	DynDebug   string
	NoDynDebug bool

	// Timeout bounds the wait for the transition (default 60 s).
	Timeout time.Duration
	// Stalled is when a transition counts as stalled: the kernel's
	// per-task debug line is turned on then (default 2.5 s: past the
	// kernel's second one-second retry, as one failed retry is ordinary on
	// a machine with several CPUs, and reading the dynamic debug control
	// file is not free).
	Stalled time.Duration
	// NoRevert leaves a timed-out transition running; Force forces it to
	// complete instead (the module then stays loaded until reboot).
	NoRevert bool
	Force    bool
	// MeasureDetection writes a clock reference to the kernel log so the
	// report can give the detection latency.
	MeasureDetection bool

	Poll     time.Duration // sysfs poll interval (default 10 ms)
	Progress func(Progress)

	// Load and Unload default to kmod's syscalls.
	Load   func(path, params string) error
	Unload func(name string) error
}

func (o Options) withDefaults() Options {
	if o.FS == nil {
		o.FS = sysfs.New()
	}
	if o.Sys == "" {
		o.Sys = "/sys"
	}
	if o.DynDebug == "" {
		o.DynDebug = DefaultDynDebug
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.Stalled <= 0 {
		o.Stalled = 2500 * time.Millisecond
	}
	if o.Poll <= 0 {
		o.Poll = 10 * time.Millisecond
	}
	if o.Load == nil {
		o.Load = kmod.Load
	}
	if o.Unload == nil {
		o.Unload = kmod.Unload
	}
	return o
}
