// Package testenv gives klpkit's tests what they need of the machine: the
// set-up kernel, a static klpkit binary for the VM's /init, and a skip
// that turns into a failure in CI, where a missing prerequisite must never
// pass as a green run.
package testenv
