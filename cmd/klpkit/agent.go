package main

import (
	"github.com/spf13/cobra"

	"github.com/klpkit/klpkit/agent"
	"github.com/klpkit/klpkit/scenario"
)

func newAgent() *cobra.Command {
	var plan string
	c := &cobra.Command{
		Use:    "agent",
		Short:  "Run as the test VM's init (started automatically as PID 1)",
		Hidden: true,
		Args:   usageArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			agent.Main(plan)
			return nil
		},
	}
	c.Flags().StringVar(&plan, "plan", scenario.PlanPath, "plan file")
	return c
}
