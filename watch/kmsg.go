package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/klpkit/klpkit/kmsg"
)

// kmsgKinds gives the Kind of each livepatch log line. The debug-level
// lines (initializing, completing, reversing, canceling) appear only with
// dynamic debug on for kernel/livepatch/*.
var kmsgKinds = map[kmsg.Kind]string{
	kmsg.Other:              KindOther,
	kmsg.Enabling:           KindEnabling,
	kmsg.InitPatching:       KindTransitionInit,
	kmsg.StartPatching:      KindTransitionStart,
	kmsg.CompletePatching:   KindTransitionComplete,
	kmsg.PatchingComplete:   KindPatchingComplete,
	kmsg.InitUnpatching:     KindTransitionInit,
	kmsg.StartUnpatching:    KindTransitionStart,
	kmsg.CompleteUnpatching: KindTransitionComplete,
	kmsg.UnpatchingComplete: KindUnpatchingComplete,
	kmsg.Canceling:          KindCanceling,
	kmsg.Reversing:          KindReversing,
	kmsg.Signaling:          KindSignaling,
	kmsg.Forcing:            KindForcing,
	kmsg.PrePatchFailed:     KindPrePatchFailed,
	kmsg.PatchObjectFailed:  KindPatchObjectFailed,
	kmsg.EnableFailed:       KindEnableFailed,
	kmsg.Incompatible:       KindIncompatible,
	kmsg.Applying:           KindApplying,
	kmsg.Reverting:          KindReverting,
	kmsg.InitModuleFailed:   KindModuleInitFailed,
	kmsg.ApplyModuleFailed:  KindModuleApplyFailed,
	kmsg.RefusingModule:     KindRefusingModule,
}

// fromKmsg turns a livepatch log line into an Event received at now.
func fromKmsg(ev kmsg.Event, now time.Time) Event {
	kind, ok := kmsgKinds[ev.Kind]
	if !ok {
		kind = KindOther
	}
	module := ev.Module
	// A failed pre-patch callback or object names the object only; when it
	// is a module, that module is the one the event is about.
	if module == "" && ev.Object != "vmlinux" {
		module = ev.Object
	}
	return Event{
		Time:       now,
		Source:     SourceKmsg,
		Kind:       kind,
		Patch:      ev.Patch,
		Module:     module,
		Text:       ev.Record.Text,
		KernelTime: ev.Record.Time,
	}
}

// fileRetry is how long followKmsg waits at the end of a regular file or
// of a pipe without a writer before reading again: unlike /dev/kmsg, they
// cannot be waited on for new data.
const fileRetry = 50 * time.Millisecond

// followKmsg passes the livepatch lines read from r to send until ctx
// ends. It returns nil when ctx ends or send refuses an event, and an error
// when reading fails.
func followKmsg(ctx context.Context, r *kmsg.Reader, send func(Event) bool) error {
	lost := r.Lost()
	for {
		rec, err := r.Next(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, kmsg.ErrMalformed):
			// Not a record of the kernel's format; the reader moved past it.
			continue
		case errors.Is(err, io.EOF):
			if !sleep(ctx, fileRetry) {
				return nil
			}
			continue
		case err != nil:
			return fmt.Errorf("follow the kernel log: %w", err)
		}
		now := time.Now()
		if n := r.Lost(); n > lost {
			if !send(Event{Time: now, Source: SourceKmsg, Kind: KindLost,
				Text: fmt.Sprintf("%d kernel log records were overwritten before they could be read", n-lost)}) {
				return nil
			}
			lost = n
		}
		ev, ok := kmsg.ParseEvent(rec)
		if !ok {
			continue
		}
		if !send(fromKmsg(ev, now)) {
			return nil
		}
	}
}

// sleep waits for d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
