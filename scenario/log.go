package scenario

import (
	"fmt"
	"strings"
)

// taintLines are kernel lines about taint, which depend on the kernel's
// history (the first out-of-tree module taints, later ones do not), not
// on what a scenario did.
var taintLines = []string{"tainting kernel", "taints kernel", "module verification failed"}

// FilterLog keeps the lines a scenario's expect_log speaks of: the
// livepatch core's ("livepatch: ...") and those of the given modules
// ("<name>: ..."), minus taint lines.
func FilterLog(log []LogLine, modules []string) []string {
	var out []string
	for _, l := range log {
		if !relevant(l.Text, modules) {
			continue
		}
		taint := false
		for _, t := range taintLines {
			if strings.Contains(l.Text, t) {
				taint = true
			}
		}
		if !taint {
			out = append(out, l.Text)
		}
	}
	return out
}

func relevant(text string, modules []string) bool {
	if strings.HasPrefix(text, "livepatch:") {
		return true
	}
	for _, m := range modules {
		if strings.HasPrefix(text, m+":") {
			return true
		}
	}
	return false
}

// DiffLines compares expected and actual lines and returns "" when they
// are equal, else a listing of both with '-' for expected lines missing
// from the actual log and '+' for actual lines not expected.
func DiffLines(want, got []string) string {
	if strings.Join(want, "\n") == strings.Join(got, "\n") && len(want) == len(got) {
		return ""
	}
	// Longest common subsequence: the logs are tens of lines.
	n, m := len(want), len(got)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if want[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	b.WriteString("--- expect_log\n+++ kernel log\n")
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && want[i] == got[j]:
			fmt.Fprintf(&b, "  %s\n", want[i])
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&b, "+ %s\n", got[j])
			j++
		default:
			fmt.Fprintf(&b, "- %s\n", want[i])
			i++
		}
	}
	return b.String()
}
