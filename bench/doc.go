// Package bench measures the figures klpkit's issues ask for, each as a
// ratio against a baseline taken in the same run, because these machines
// are noisy: build overhead against plain kbuild, a VM proof against a
// bare VM boot, and the scenario suite's wall time. Run with make bench.
package bench
