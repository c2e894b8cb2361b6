package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/klpkit/klpkit/scenario"
)

type vmFlags struct {
	release string
	cpus    int
	memory  int
	kvm     bool
	timeout time.Duration
	keep    bool
	agent   string
}

func (f *vmFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.release, "kernel", "", "kernel release to boot (default: the release set up in the cache)")
	c.Flags().IntVar(&f.cpus, "cpus", 1, "vCPUs; with one, a transition completes inside finit_module; more exercise the kernel's retry path")
	c.Flags().IntVar(&f.memory, "memory", 512, "guest memory in MiB")
	c.Flags().BoolVar(&f.kvm, "kvm", false, "use KVM instead of TCG (opt-in: on some hosts /dev/kvm exists but guests hang)")
	c.Flags().DurationVar(&f.timeout, "timeout", 2*time.Minute, "deadline: vm run's whole VM, boot to power-off (QEMU is killed then); vm test's bound for each scenario without its own timeout")
	c.Flags().BoolVar(&f.keep, "keep", false, "keep the console log and initramfs even when the run passes")
	c.Flags().StringVar(&f.agent, "agent", "", "static klpkit binary to run as the VM's /init (default: this one)")
}

func (f *vmFlags) vm(g *globals) (scenario.VM, error) {
	t, err := target(g, f.release, "")
	if err != nil {
		return scenario.VM{}, err
	}
	agent := f.agent
	if agent == "" {
		if agent, err = os.Executable(); err != nil {
			return scenario.VM{}, fmt.Errorf("find the klpkit binary for the VM: %w", err)
		}
	}
	if err := os.MkdirAll(g.cache, 0o755); err != nil {
		return scenario.VM{}, fmt.Errorf("VM work directory: %w", err)
	}
	work, err := os.MkdirTemp(g.cache, "vm-")
	if err != nil {
		return scenario.VM{}, fmt.Errorf("VM work directory: %w", err)
	}
	return scenario.VM{Target: t, Agent: agent, CPUs: f.cpus, MemoryMB: f.memory, KVM: f.kvm, Timeout: f.timeout, WorkDir: work}, nil
}

func newVM(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "vm", Short: "Prove livepatches in a QEMU VM that boots a real kernel"}
	c.AddCommand(newVMRun(g), newVMTest(g))
	return c
}

func newVMRun(g *globals) *cobra.Command {
	var f vmFlags
	c := &cobra.Command{
		Use:   "run [--kernel RELEASE] PATCHDIR...",
		Short: "Build patches and prove each one on a real kernel in QEMU",
		Long: `Run builds each patch, packs klpkit (as /init) and the modules into an
initramfs, boots the kernel in QEMU and, in the guest, for each patch in turn:
checks its verify files unpatched, loads it and waits for the transition,
checks them patched, disables it and waits, checks them unpatched again and
unloads it. Events come back on the VM's second serial port; the host prints
a timeline. A guest that dies, hangs or never reports fails, with the console
log kept and its path printed.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			vm, err := f.vm(g)
			if err != nil {
				return withCode(exitUsage, err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			w := cmd.ErrOrStderr()
			if !g.json {
				fmt.Fprintf(w, "building %d patch(es), then booting %s in QEMU (%s, %d vCPU) ...\n", len(args), vm.Target.Release, accel(vm.KVM), vm.CPUs)
				vm.Progress = func(ev scenario.Event) { printEvent(w, ev) }
			}
			out, built, err := scenario.Prove(ctx, vm, g.cache, args)
			rep := newRunReport(vm, out, built, err)
			// Keep the console log of a VM that failed; a run that
			// failed before booting has none.
			if (err == nil && !f.keep) || out == nil {
				os.RemoveAll(vm.WorkDir)
			}
			switch {
			case g.json:
				if perr := printJSON(cmd.OutOrStdout(), rep); perr != nil {
					return perr
				}
			case out != nil:
				printTimeline(cmd.OutOrStdout(), rep)
			}
			if err != nil {
				if out == nil && built == nil {
					return withCode(exitUsage, err)
				}
				return withCode(exitFailed, err)
			}
			return nil
		},
	}
	f.register(c)
	return c
}

func accel(kvm bool) string {
	if kvm {
		return "KVM"
	}
	return "TCG"
}

func printEvent(w io.Writer, ev scenario.Event) {
	switch ev.Kind {
	case scenario.EventReady:
		fmt.Fprintf(w, "  agent ready on %s (kernel uptime %s)\n", ev.Kernel, time.Duration(ev.Uptime).Round(time.Millisecond))
	case scenario.EventStep:
		mark := "ok"
		if ev.Err != "" {
			mark = "FAILED"
		}
		fmt.Fprintf(w, "  step %d %s: %s\n", ev.Step, ev.What, mark)
	}
}
