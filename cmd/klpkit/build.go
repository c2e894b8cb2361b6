package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/klpkit/klpkit/builder"
	"github.com/klpkit/klpkit/kernel"
	"github.com/klpkit/klpkit/spec"
)

func newBuild(g *globals) *cobra.Command {
	var release, kdir, out string
	var force, verbose bool
	c := &cobra.Command{
		Use:   "build [--kernel RELEASE | --kdir DIR] [-o DIR] PATCHDIR",
		Short: "Generate and build a livepatch module from a patch directory",
		Long: `Build renders the patch's C module and Kbuild file into a kept build directory,
runs "make -C KDIR M=DIR modules" and checks the result: modinfo says
livepatch=Y, the vermagic names the target release, and the module has the
spec's name. It prints the .ko path. An unchanged patch is not rebuilt.

The target is --kdir, else --kernel (the default is the release scripts/setup.sh
prepared).`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := spec.LoadDir(args[0])
			if err != nil {
				return withCode(exitUsage, err)
			}
			t, err := target(g, release, kdir)
			if err != nil {
				return withCode(exitUsage, err)
			}
			if out == "" {
				out = builder.DefaultDir(g.cache, t.Release, p.Name, p.Dir)
			}
			opt := builder.Options{Target: t, Dir: out, Force: force}
			if verbose {
				opt.Log = os.Stderr
			}
			res, err := builder.Build(context.Background(), p, opt)
			if err != nil {
				return withCode(exitFailed, err)
			}
			if g.json {
				return printJSON(cmd.OutOrStdout(), buildReport{
					Module: res.Module, Name: res.Info.Name, Release: res.Info.Release(),
					Dir: res.Dir, Cached: res.Cached, Seconds: res.Elapsed.Seconds(),
				})
			}
			how := "built"
			if res.Cached {
				how = "unchanged, not rebuilt"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s for %s in %s (%s)\n", p.Name, t.Release, res.Elapsed.Round(time.Millisecond), how)
			fmt.Fprintln(cmd.OutOrStdout(), res.Module)
			return nil
		},
	}
	c.Flags().StringVar(&release, "kernel", "", "target kernel release (default: the release set up in the cache)")
	c.Flags().StringVar(&kdir, "kdir", "", "kbuild directory of the target kernel's headers")
	c.Flags().StringVarP(&out, "output", "o", "", "build directory (default: in the cache)")
	c.Flags().BoolVar(&force, "force", false, "run kbuild even when nothing changed")
	c.Flags().BoolVarP(&verbose, "verbose", "v", false, "show kbuild's output")
	c.MarkFlagsMutuallyExclusive("kernel", "kdir")
	return c
}

type buildReport struct {
	Module  string  `json:"module"`
	Name    string  `json:"name"`
	Release string  `json:"release"`
	Dir     string  `json:"dir"`
	Cached  bool    `json:"cached"`
	Seconds float64 `json:"seconds"`
}

func target(g *globals, release, kdir string) (*kernel.Target, error) {
	if kdir != "" {
		return kernel.FromKDir(kdir)
	}
	return kernel.Resolve(g.cache, release)
}
