package kmsg

import (
	"strings"
	"testing"
)

func TestParseEvent(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Event // Record is filled in by the test
	}{
		{"enabling", "livepatch: enabling patch 'klp_demo'", Event{Kind: Enabling, Patch: "klp_demo"}},
		{"initializing patching", "livepatch: 'klp_demo': initializing patching transition", Event{Kind: InitPatching, Patch: "klp_demo"}},
		{"starting patching", "livepatch: 'klp_demo': starting patching transition", Event{Kind: StartPatching, Patch: "klp_demo"}},
		{"completing patching", "livepatch: 'klp_demo': completing patching transition", Event{Kind: CompletePatching, Patch: "klp_demo"}},
		{"patching complete", "livepatch: 'klp_demo': patching complete", Event{Kind: PatchingComplete, Patch: "klp_demo"}},
		{"initializing unpatching", "livepatch: 'klp_demo': initializing unpatching transition", Event{Kind: InitUnpatching, Patch: "klp_demo"}},
		{"starting unpatching", "livepatch: 'klp_demo': starting unpatching transition", Event{Kind: StartUnpatching, Patch: "klp_demo"}},
		{"completing unpatching", "livepatch: 'klp_demo': completing unpatching transition", Event{Kind: CompleteUnpatching, Patch: "klp_demo"}},
		{"unpatching complete", "livepatch: 'klp_demo': unpatching complete", Event{Kind: UnpatchingComplete, Patch: "klp_demo"}},
		{"canceling", "livepatch: 'klp_demo': canceling patching transition, going to unpatch", Event{Kind: Canceling, Patch: "klp_demo"}},
		{"reversing from patching", "livepatch: 'klp_demo': reversing transition from patching to unpatching", Event{Kind: Reversing, Patch: "klp_demo"}},
		{"reversing from unpatching", "livepatch: 'klp_demo': reversing transition from unpatching to patching", Event{Kind: Reversing, Patch: "klp_demo"}},
		{"signaling", "livepatch: signaling remaining tasks", Event{Kind: Signaling}},
		{"forcing", "livepatch: forcing remaining tasks to the patched state", Event{Kind: Forcing}},
		{"pre-patch failed on vmlinux", "livepatch: pre-patch callback failed for object 'vmlinux'", Event{Kind: PrePatchFailed, Object: "vmlinux"}},
		{"pre-patch failed on module", "livepatch: pre-patch callback failed for object 'target_mod'", Event{Kind: PrePatchFailed, Object: "target_mod"}},
		{"patch object failed", "livepatch: failed to patch object 'vmlinux'", Event{Kind: PatchObjectFailed, Object: "vmlinux"}},
		{"enable failed", "livepatch: failed to enable patch 'klp_demo'", Event{Kind: EnableFailed, Patch: "klp_demo"}},
		{"incompatible", "livepatch: Livepatch patch (klp_demo) is not compatible with the already installed livepatches.", Event{Kind: Incompatible, Patch: "klp_demo"}},
		{"applying to loading module", "livepatch: applying patch 'klp_demo' to loading module 'target_mod'",
			Event{Kind: Applying, Patch: "klp_demo", Object: "target_mod", Module: "target_mod"}},
		{"reverting on unloading module", "livepatch: reverting patch 'klp_demo' on unloading module 'target_mod'",
			Event{Kind: Reverting, Patch: "klp_demo", Object: "target_mod", Module: "target_mod"}},
		{"init for module failed", "livepatch: failed to initialize patch 'klp_demo' for module 'target_mod' (-22)",
			Event{Kind: InitModuleFailed, Patch: "klp_demo", Object: "target_mod", Module: "target_mod"}},
		{"apply to module failed", "livepatch: failed to apply patch 'klp_demo' to module 'target_mod' (-16)",
			Event{Kind: ApplyModuleFailed, Patch: "klp_demo", Object: "target_mod", Module: "target_mod"}},
		{"refusing module", "livepatch: patch 'klp_demo' failed for module 'target_mod', refusing to load module 'target_mod'",
			Event{Kind: RefusingModule, Patch: "klp_demo", Object: "target_mod", Module: "target_mod"}},
		{"task still running (debug, varies per run)", "livepatch: klp_try_switch_task: kworker/1:2:123 is running", Event{Kind: Other}},
		{"unknown format", "livepatch: symbol 'foo' not found in symbol table", Event{Kind: Other}},
		{"known format with trailing text", "livepatch: 'klp_demo': patching complete!", Event{Kind: Other}},
		{"format without names plus trailing text", "livepatch: signaling remaining tasks now", Event{Kind: Other}},
		{"empty name", "livepatch: enabling patch ''", Event{Kind: Other}},
		{"prefix only", "livepatch: ", Event{Kind: Other}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := Record{Level: 5, Seq: 9, Text: tt.text}
			got, ok := ParseEvent(rec)
			if !ok {
				t.Fatalf("ParseEvent(%q) returned false, want a livepatch event", tt.text)
			}
			want := tt.want
			want.Record = rec
			if got.Kind != want.Kind || got.Patch != want.Patch || got.Object != want.Object ||
				got.Module != want.Module || got.Record.Text != want.Record.Text || got.Record.Seq != want.Record.Seq {
				t.Errorf("ParseEvent(%q)\n got %+v\nwant %+v", tt.text, got, want)
			}
		})
	}
}

func TestParseEventNotLivepatch(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
	}{
		{"other subsystem", Record{Level: 6, Text: "EXT4-fs (vda): mounted filesystem"}},
		{"prefix without space", Record{Level: 5, Text: "livepatch:enabling patch 'x'"}},
		{"prefix not at start", Record{Level: 5, Text: "foo: livepatch: enabling patch 'x'"}},
		{"written from user space", Record{Level: 5, Facility: 1, Text: "livepatch: 'x': patching complete"}},
		{"empty", Record{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ev, ok := ParseEvent(tt.rec); ok {
				t.Errorf("ParseEvent(%+v) = %+v, true; want false", tt.rec, ev)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		want string
	}{
		{"zero value", Other, "Other"},
		{"first", Enabling, "Enabling"},
		{"debug line", CompletePatching, "CompletePatching"},
		{"last", RefusingModule, "RefusingModule"},
		{"out of range", Kind(1000), "Kind(1000)"},
		{"negative", Kind(-1), "Kind(-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.kind.String(); got != tt.want {
				t.Errorf("Kind(%d).String() = %q, want %q", int(tt.kind), got, tt.want)
			}
		})
	}
	for k := Other; k <= RefusingModule; k++ {
		if kindNames[k] == "" {
			t.Errorf("Kind %d has no name", int(k))
		}
	}
}

// Every format in the table must be reachable: a format shadowed by an
// earlier one would silently turn its lines into a different Kind.
func TestEventFormatsDistinct(t *testing.T) {
	for _, f := range eventFormats() {
		text := Prefix + f.format
		for _, name := range []string{"a", "b", "c"} {
			text = strings.Replace(text, "%s", name, 1)
		}
		ev, ok := ParseEvent(Record{Text: text})
		if !ok || ev.Kind != f.kind {
			t.Errorf("line %q parsed as %v, want %v", text, ev.Kind, f.kind)
		}
	}
}
