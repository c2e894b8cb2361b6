package uevent

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/klpkit/klpkit/internal/testenv"

	"golang.org/x/sys/unix"
)

// nullUevent is the uevent file of /dev/null's device: present on every
// system, and a "change" there makes udev, if it runs, do nothing harmful.
const nullUevent = "/sys/devices/virtual/mem/null/uevent"

func dial(t *testing.T) *Conn {
	t.Helper()
	c, err := Dial()
	if err != nil {
		// Any user may subscribe; a failure means a sandbox refused it.
		testenv.Missing(t, "cannot subscribe to kernel uevents here: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// trigger makes the kernel send a synthetic "change" uevent for /dev/null
// carrying a fresh UUID, and returns that UUID. Writing a uevent file needs
// root.
func trigger(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "making the kernel send a uevent needs root (a write to %s)", nullUevent)
	}
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	uuid := fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
	// "ACTION UUID KEY=VALUE": the kernel sends SYNTH_UUID=UUID and
	// SYNTH_ARG_KEY=VALUE (Documentation/ABI/testing/sysfs-uevent).
	if err := os.WriteFile(nullUevent, []byte("change "+uuid+" KLPKIT=test"), 0); err != nil {
		testenv.Missing(t, "cannot make the kernel send a uevent: %v", err)
	}
	return uuid
}

// nextMatching returns the first event for which match is true, skipping
// the uevents other activity on the machine causes meanwhile.
func nextMatching(ctx context.Context, c *Conn, match func(Event) bool) (Event, error) {
	for {
		ev, err := c.Next(ctx)
		if err != nil || match(ev) {
			return ev, err
		}
	}
}

func TestNextReceivesKernelUevent(t *testing.T) {
	c := dial(t)
	start := time.Now()
	uuid := trigger(t)

	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	ev, err := nextMatching(ctx, c, func(ev Event) bool { return ev.Env["SYNTH_UUID"] == uuid })
	if err != nil {
		t.Fatalf("Next did not return the uevent triggered through %s within a second: %v", nullUevent, err)
	}
	t.Logf("received %v seq %d after %v", ev, ev.Seq, time.Since(start))
	if ev.Action != "change" || ev.DevPath != "/devices/virtual/mem/null" || ev.Subsystem != "mem" {
		t.Errorf("event = %v, want change /devices/virtual/mem/null (mem)", ev)
	}
	if ev.Env["SYNTH_ARG_KLPKIT"] != "test" || !ev.Synthetic() {
		t.Errorf("event env %v, want SYNTH_ARG_KLPKIT=test and a synthetic event", ev.Env)
	}
	if ev.Seq == 0 {
		t.Errorf("event has no SEQNUM: %v", ev.Env)
	}
	if ev.Module() != "" {
		t.Errorf("Module() = %q for a device event", ev.Module())
	}
	if ev.Time.Before(start) || ev.Time.After(time.Now()) {
		t.Errorf("event time %v is not between the trigger and now", ev.Time)
	}
}

// TestNextSkipsUserSpaceSender sends a forged module uevent to the kernel's
// group from user space (which needs CAP_NET_ADMIN) and checks that Next
// returns the kernel's next event instead.
func TestNextSkipsUserSpaceSender(t *testing.T) {
	c := dial(t)
	if os.Geteuid() != 0 {
		testenv.Missing(t, "sending to the kernel's uevent group needs root")
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	forged := datagram("add@/module/forged", "ACTION=add", "DEVPATH=/module/forged", "SUBSYSTEM=module", "SEQNUM=1")
	if err := unix.Sendto(fd, forged, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1 << (kernelGroup - 1)}); err != nil {
		t.Fatalf("send a forged uevent: %v", err)
	}
	uuid := trigger(t)

	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	ev, err := nextMatching(ctx, c, func(ev Event) bool { return ev.Env["SYNTH_UUID"] == uuid || ev.Module() == "forged" })
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if ev.Module() == "forged" {
		t.Fatalf("Next returned a uevent sent from user space: %v", ev)
	}
}

func TestNextHonoursContext(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func(context.Context) (context.Context, context.CancelFunc)
		wantErr error
	}{
		{"deadline", func(p context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(p, 150*time.Millisecond)
		}, context.DeadlineExceeded},
		{"cancel while waiting", func(p context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(p)
			time.AfterFunc(150*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"already cancelled", func(p context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(p)
			cancel()
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t)
			ctx, cancel := tt.ctx(t.Context())
			defer cancel()
			start := time.Now()
			// Uevents from elsewhere on the machine may arrive; only the
			// context may end the wait.
			_, err := nextMatching(ctx, c, func(Event) bool { return false })
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Next = %v, want %v", err, tt.wantErr)
			}
			if d := time.Since(start); d > 150*time.Millisecond+pollInterval+200*time.Millisecond {
				t.Errorf("Next returned %v after start, want about 150ms", d)
			}
		})
	}
}

func TestConnClosed(t *testing.T) {
	c := dial(t)
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second Close = %v, want os.ErrClosed", err)
	}
	if _, err := c.Next(t.Context()); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Next after Close = %v, want os.ErrClosed", err)
	}
}
