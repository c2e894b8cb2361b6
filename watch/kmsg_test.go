package watch

import (
	"strings"
	"testing"
	"time"

	"github.com/klpkit/klpkit/kmsg"
)

// TestKmsgKindsComplete checks that the table names every kind kmsg knows,
// so a kind added there cannot reach users as "other" unnoticed.
func TestKmsgKindsComplete(t *testing.T) {
	for k := kmsg.Other; !strings.HasPrefix(k.String(), "Kind("); k++ {
		if _, ok := kmsgKinds[k]; !ok {
			t.Errorf("kmsg.%v has no entry in kmsgKinds", k)
		}
	}
}

func TestFromKmsg(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		kind   string
		patch  string
		module string
	}{
		{"enabling", "livepatch: enabling patch 'demo'", KindEnabling, "demo", ""},
		{"initializing patching", "livepatch: 'demo': initializing patching transition", KindTransitionInit, "demo", ""},
		{"starting patching", "livepatch: 'demo': starting patching transition", KindTransitionStart, "demo", ""},
		{"completing patching", "livepatch: 'demo': completing patching transition", KindTransitionComplete, "demo", ""},
		{"patching complete", "livepatch: 'demo': patching complete", KindPatchingComplete, "demo", ""},
		{"starting unpatching", "livepatch: 'demo': starting unpatching transition", KindTransitionStart, "demo", ""},
		{"completing unpatching", "livepatch: 'demo': completing unpatching transition", KindTransitionComplete, "demo", ""},
		{"unpatching complete", "livepatch: 'demo': unpatching complete", KindUnpatchingComplete, "demo", ""},
		{"reversing", "livepatch: 'demo': reversing transition from patching to unpatching", KindReversing, "demo", ""},
		{"canceling", "livepatch: 'demo': canceling patching transition, going to unpatch", KindCanceling, "demo", ""},
		{"signaling", "livepatch: signaling remaining tasks", KindSignaling, "", ""},
		{"forcing", "livepatch: forcing remaining tasks to the patched state", KindForcing, "", ""},
		{"pre-patch failed on vmlinux", "livepatch: pre-patch callback failed for object 'vmlinux'", KindPrePatchFailed, "", ""},
		{"pre-patch failed on a module", "livepatch: pre-patch callback failed for object 'target_mod'", KindPrePatchFailed, "", "target_mod"},
		{"enable failed", "livepatch: failed to enable patch 'demo'", KindEnableFailed, "demo", ""},
		{"applying", "livepatch: applying patch 'demo' to loading module 'target_mod'", KindApplying, "demo", "target_mod"},
		{"reverting", "livepatch: reverting patch 'demo' on unloading module 'target_mod'", KindReverting, "demo", "target_mod"},
		{"refusing", "livepatch: patch 'demo' failed for module 'target_mod', refusing to load module 'target_mod'", KindRefusingModule, "demo", "target_mod"},
		{"unknown livepatch line", "livepatch: symbol 'x' not found", KindOther, "", ""},
	}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := kmsg.Record{Level: 5, Seq: 7, Time: 1234567 * time.Microsecond, Text: tt.text}
			kev, ok := kmsg.ParseEvent(rec)
			if !ok {
				t.Fatalf("kmsg.ParseEvent(%q) is not a livepatch event", tt.text)
			}
			got := fromKmsg(kev, now)
			want := Event{Time: now, Source: SourceKmsg, Kind: tt.kind, Patch: tt.patch, Module: tt.module,
				Text: tt.text, KernelTime: 1234567 * time.Microsecond}
			if got != want {
				t.Errorf("fromKmsg =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}
