package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/klpkit/klpkit/watch"
)

func newWatch(g *globals) *cobra.Command {
	var noUevents bool
	c := &cobra.Command{
		Use:   "watch",
		Short: "Follow livepatches live: kernel log lines, module loads, transition progress",
		Long: `Watch prints what happens to livepatches as it happens, until it is
interrupted (Ctrl-C or SIGTERM). It starts at the present and follows:

  kmsg    the livepatch lines of the kernel log (/dev/kmsg): enabling a patch,
          transitions starting and completing, reversing and canceling,
          signaling and forcing tasks, failed pre-patch callbacks, patches
          applied to or reverted on loading and unloading modules
  uevent  modules added (once their init returned) and removed, from the
          kernel's uevents; --no-uevents turns this off
  sysfs   /sys/kernel/livepatch and /proc, polled: patches appearing and
          going, enabled changing, and how many tasks a transition still
          waits for (every 100ms during a transition, every second otherwise,
          and at once after each log line or uevent)

It needs root: the kernel log is readable only with CAP_SYSLOG when
kernel.dmesg_restrict=1 (Debian's default), and counting a transition's
tasks reads every task's /proc/PID/task/TID/patch_state, which only root
and the task's owner may read.

Text output is one line per event: local time, the patch or module
("patch/module" when both), and the kernel's log line or a description:

  15:04:05.000  cmdline_demo  livepatch: enabling patch 'cmdline_demo'

With --json, one JSON object per line: time, source (kmsg, uevent, sysfs),
kind (enabling, transition-start, patching-complete, module-add,
patch-added, progress, ...), patch, module, pending, text and kernel_time
(nanoseconds since boot, for log lines).

Events are shown in the order they happened, about half a second after they
do: the sources are read separately, and an event waits that long for one
that happened before it but arrived later.

Exit codes: 0 when interrupted; 1 when a source cannot be opened (not root,
a kernel without CONFIG_LIVEPATCH) or fails while followed.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			// One object per line, not printJSON's indented form, so that
			// a consumer can read the stream line by line.
			enc := json.NewEncoder(out)
			var writeErr error
			show := func(ev watch.Event) {
				if writeErr != nil {
					return
				}
				if g.json {
					writeErr = enc.Encode(ev)
				} else {
					_, writeErr = fmt.Fprintf(out, "%s  %s  %s\n", ev.Time.Format("15:04:05.000"), ev.Subject(), ev.Text)
				}
				if writeErr != nil {
					stop() // nobody reads the output any more
				}
			}
			if err := watch.Run(ctx, watch.Options{Uevents: !noUevents}, show); err != nil {
				return withCode(exitFailed, err)
			}
			if writeErr != nil {
				return withCode(exitFailed, fmt.Errorf("write events: %w", writeErr))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&noUevents, "no-uevents", false, "do not follow module uevents")
	return c
}
