package watch

import (
	"context"
	"errors"
	"fmt"

	"github.com/klpkit/klpkit/uevent"
)

// fromUevent turns a module's uevent into an Event; ok is false for
// uevents of other subsystems and for module actions other than add and
// remove.
func fromUevent(ev uevent.Event) (e Event, ok bool) {
	name := ev.Module()
	if name == "" {
		return Event{}, false
	}
	e = Event{Time: ev.Time, Source: SourceUevent, Module: name}
	switch {
	case ev.Synthetic():
		// Someone wrote to /sys/module/<name>/uevent: nothing happened to
		// the module, so this must not read as a load or an unload.
		e.Kind = KindModuleTrigger
		e.Text = fmt.Sprintf("synthetic %s uevent for module %s (written to its uevent file), not a load or unload", ev.Action, name)
	case ev.Action == "add":
		// The kernel sends it once the module's init returned: for a
		// livepatch, after its transition started, not after it ended.
		e.Kind = KindModuleAdd
		e.Text = fmt.Sprintf("module %s loaded", name)
	case ev.Action == "remove":
		e.Kind = KindModuleRemove
		e.Text = fmt.Sprintf("module %s unloaded", name)
	default:
		return Event{}, false
	}
	return e, true
}

// followUevents passes the module uevents received on c to send until ctx
// ends. It returns nil when ctx ends or send refuses an event, and an error
// when receiving fails.
func followUevents(ctx context.Context, c *uevent.Conn, send func(Event) bool) error {
	overruns := c.Overruns()
	for {
		ev, err := c.Next(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, uevent.ErrMalformed):
			continue
		case err != nil:
			return fmt.Errorf("follow module uevents: %w", err)
		}
		if n := c.Overruns(); n > overruns {
			overruns = n
			if !send(Event{Time: ev.Time, Source: SourceUevent, Kind: KindLost,
				Text: "the kernel dropped uevents: the socket's receive queue was full"}) {
				return nil
			}
		}
		e, ok := fromUevent(ev)
		if !ok {
			continue
		}
		if !send(e) {
			return nil
		}
	}
}
