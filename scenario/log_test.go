package scenario

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
)

func TestFilterLog(t *testing.T) {
	log := []LogLine{
		{Text: "demo: loading out-of-tree module taints kernel."},
		{Text: "demo: module verification failed: signature and/or required key missing - tainting kernel"},
		{Text: "livepatch: enabling patch 'demo'"},
		{Text: "demo: pre_patch_callback: vmlinux"},
		{Text: "demo2x: not ours"},
		{Text: "random: crng init done"},
		{Text: "target_mod: target_mod_init"},
	}
	got := FilterLog(log, []string{"demo", "target_mod"})
	want := []string{"livepatch: enabling patch 'demo'", "demo: pre_patch_callback: vmlinux", "target_mod: target_mod_init"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q", got)
	}
}

func TestDiffLines(t *testing.T) {
	if d := DiffLines([]string{"a", "b"}, []string{"a", "b"}); d != "" {
		t.Errorf("equal logs gave a diff: %s", d)
	}
	d := DiffLines([]string{"a", "x", "c"}, []string{"a", "c", "d"})
	for _, want := range []string{"  a\n", "- x\n", "  c\n", "+ d\n"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if DiffLines(nil, []string{"a"}) == "" || DiffLines([]string{""}, nil) == "" {
		t.Error("an empty side must still differ")
	}
}

func TestReports(t *testing.T) {
	cases := []Case{
		{File: &File{Name: "good", Path: "a.yaml"}},
		{File: &File{Name: "bad", Path: "b.yaml"}, Err: errors.New("step 2 (load demo): ENODEV\nsecond line")},
	}
	var tap bytes.Buffer
	if err := WriteTAP(&tap, cases); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"TAP version 13\n1..2\n", "ok 1 - good", "not ok 2 - bad", "    second line\n", "\n1 passed, 1 failed\n"} {
		if !strings.Contains(tap.String(), want) {
			t.Errorf("TAP lacks %q:\n%s", want, tap.String())
		}
	}
	var junit bytes.Buffer
	if err := WriteJUnit(&junit, cases); err != nil {
		t.Fatal(err)
	}
	var parsed junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &parsed); err != nil {
		t.Fatalf("%v\n%s", err, junit.String())
	}
	s := parsed.Suites[0]
	if s.Tests != 2 || s.Failures != 1 || s.Cases[1].Failure == nil || s.Cases[1].Failure.Message != "step 2 (load demo): ENODEV" {
		t.Errorf("%+v", s)
	}
}
