// Command klpkit builds, loads and proves Linux kernel livepatches.
//
// Run as PID 1 (the /init of a klpkit test VM) it is the guest agent.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/klpkit/klpkit/agent"
	"github.com/klpkit/klpkit/scenario"
)

// Exit codes, listed in --help.
const (
	exitOK       = 0
	exitFailed   = 1 // the build, the proof or the operation failed
	exitUsage    = 2 // bad command line or bad input file
	exitRefused  = 3 // the kernel refused (an errno from finit_module, delete_module or sysfs)
	exitTimeout  = 4 // a transition timed out and was left running (--no-revert)
	exitReverted = 5 // a transition timed out and the patch was reverted
	exitForced   = 6 // a transition was forced to complete
)

const exitCodesHelp = `Exit codes:
  0  success
  1  failed: the build, the VM proof or the operation did not succeed
  2  usage: bad flags, arguments or spec
  3  refused: the kernel refused the operation (the errno is explained)
  4  timeout: a transition did not finish in time and was left running
  5  reverted: a transition timed out; the patch was disabled and unloaded
  6  forced: a transition was forced to complete
`

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func main() {
	if os.Getpid() == 1 {
		agent.Main(scenario.PlanPath)
	}
	root := newRoot()
	err := root.Execute()
	if err == nil {
		os.Exit(exitOK)
	}
	fmt.Fprintf(os.Stderr, "klpkit: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	os.Exit(exitUsage)
}
