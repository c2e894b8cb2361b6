package main

import (
	"encoding/json"
	"io"

	"github.com/spf13/cobra"

	"github.com/klpkit/klpkit/kernel"
)

// globals are the flags every command shares.
type globals struct {
	cache string
	json  bool
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "klpkit",
		Short: "Build, load and prove Linux kernel livepatches",
		Long: `klpkit turns a small YAML spec plus C source into a livepatch module, builds it
with the target kernel's kbuild, loads it with finit_module, follows the
transition through /sys/kernel/livepatch, and proves it in a QEMU VM that
boots a real kernel.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return withCode(exitUsage, err) })
	root.PersistentFlags().StringVar(&g.cache, "cache", kernel.DefaultCacheDir(), "cache directory: kernels, builds, VM logs ($KLPKIT_CACHE)")
	root.PersistentFlags().BoolVar(&g.json, "json", false, "print machine-readable JSON instead of text")
	root.AddCommand(newBuild(g), newLoad(g), newDisable(g), newForce(g), newUnload(g), newStatus(g), newInfo(g), newWatch(g), newVM(g), newAgent())
	return root
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Kernel stack lines hold "<" and ">": keep them readable.
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// usageArgs wraps cobra's argument checks so a wrong count exits 2.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		return withCode(exitUsage, check(c, args))
	}
}
