package scenario

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Counts returns how many cases passed and failed.
func Counts(cases []Case) (passed, failed int) {
	for _, c := range cases {
		if c.Err == nil {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

// Summary is the closing line CI reads: "N passed, N failed".
func Summary(cases []Case) string {
	p, f := Counts(cases)
	return fmt.Sprintf("%d passed, %d failed", p, f)
}

// WriteTAP writes the cases as TAP version 13, failures with a YAML
// diagnostic block, and the summary line as a TAP comment-free last line.
func WriteTAP(w io.Writer, cases []Case) error {
	var b strings.Builder
	fmt.Fprintf(&b, "TAP version 13\n1..%d\n", len(cases))
	for i, c := range cases {
		status := "ok"
		if c.Err != nil {
			status = "not ok"
		}
		fmt.Fprintf(&b, "%s %d - %s # time=%.3fs\n", status, i+1, c.File.Name, c.Elapsed.Seconds())
		if c.Err != nil {
			b.WriteString("  ---\n  file: " + c.File.Path + "\n  message: |\n")
			for _, l := range strings.Split(strings.TrimRight(c.Err.Error(), "\n"), "\n") {
				b.WriteString("    " + l + "\n")
			}
			b.WriteString("  ...\n")
		}
	}
	b.WriteString(Summary(cases) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the cases as JUnit XML, one testcase per scenario,
// with the kernel log of the run as its system-out.
func WriteJUnit(w io.Writer, cases []Case) error {
	s := junitSuite{Name: "klpkit scenarios", Tests: len(cases)}
	var total time.Duration
	for _, c := range cases {
		jc := junitCase{Name: c.File.Name, Classname: c.File.Path, Time: c.Elapsed.Seconds()}
		if c.Err != nil {
			s.Failures++
			msg := c.Err.Error()
			first, _, _ := strings.Cut(msg, "\n")
			jc.Failure = &junitFailure{Message: first, Text: msg}
		}
		if c.Outcome != nil {
			var lines []string
			for _, l := range c.Outcome.Log {
				lines = append(lines, l.String())
			}
			jc.SystemOut = strings.Join(lines, "\n")
		}
		total += c.Elapsed
		s.Cases = append(s.Cases, jc)
	}
	s.Time = total.Seconds()
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{s}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
