package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/klpkit/klpkit/sysfs"
)

func newStatus(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the livepatches loaded in the running kernel",
		Long: `Status lists each patch under /sys/kernel/livepatch: enabled, in transition,
its objects with whether each is patched (6.1+), and their functions with
sympos.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			patches, err := sysfs.New().Patches()
			if err != nil {
				return withCode(exitFailed, err)
			}
			if g.json {
				if patches == nil {
					patches = []sysfs.Patch{}
				}
				return printJSON(cmd.OutOrStdout(), patches)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			if len(patches) == 0 {
				fmt.Fprintln(w, "no livepatch loaded")
			}
			for _, p := range patches {
				fmt.Fprintf(w, "%s\tenabled=%s\ttransition=%s\n", p.Name, yesNo(p.Enabled), yesNo(p.Transition))
				for _, o := range p.Objects {
					fmt.Fprintf(w, "  %s\tpatched=%s\n", o.Name, yesNo(o.Patched))
					for _, f := range o.Funcs {
						fmt.Fprintf(w, "    %s\tsympos=%d\n", f.Name, f.Sympos)
					}
				}
			}
			return w.Flush()
		},
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
