package qemu

import (
	"slices"
	"strings"
	"testing"
)

// flag returns the value after the first occurrence of name in argv.
func flag(argv []string, name string) string {
	i := slices.Index(argv, name)
	if i < 0 || i+1 >= len(argv) {
		return ""
	}
	return argv[i+1]
}

func TestArgs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		console string
		want    map[string]string // flag → value
		wantAll [][2]string       // flag, value pairs that must appear, in order
	}{
		{
			name:    "defaults",
			cfg:     Config{Kernel: "/k/vmlinux", Initrd: "/i.cpio"},
			console: "/log/console.log",
			want: map[string]string{
				"-machine": "q35", "-accel": "tcg", "-cpu": "max", "-smp": "1", "-m": "512",
				"-kernel": "/k/vmlinux", "-initrd": "/i.cpio", "-append": "console=ttyS0 panic=-1",
				"-display": "none",
			},
			wantAll: [][2]string{
				{"-chardev", "file,id=console,path=/log/console.log"},
				{"-serial", "chardev:console"},
				{"-chardev", "stdio,id=events"},
				{"-serial", "chardev:events"},
			},
		},
		{
			name: "two vCPUs run one host thread each",
			cfg:  Config{Kernel: "k", Initrd: "i", CPUs: 2, MemoryMB: 1024},
			want: map[string]string{"-accel": "tcg,thread=multi", "-smp": "2", "-m": "1024"},
		},
		{
			name: "KVM on request",
			cfg:  Config{Kernel: "k", Initrd: "i", CPUs: 2, KVM: true},
			want: map[string]string{"-accel": "kvm"},
		},
		{
			name: "extra kernel words come after the console",
			cfg:  Config{Kernel: "k", Initrd: "i", Append: []string{"quiet", `dyndbg="file kernel/livepatch/* +p"`, "--", "hang"}},
			want: map[string]string{"-append": `console=ttyS0 panic=-1 quiet dyndbg="file kernel/livepatch/* +p" -- hang`},
		},
		{
			name:    "comma in the console log path",
			cfg:     Config{Kernel: "k", Initrd: "i"},
			console: "/tmp/a,b/console.log",
			wantAll: [][2]string{{"-chardev", "file,id=console,path=/tmp/a,,b/console.log"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			argv := args(tc.cfg.withDefaults(), tc.console)
			for name, want := range tc.want {
				if got := flag(argv, name); got != want {
					t.Errorf("%s %q, want %q", name, got, want)
				}
			}
			joined := "\x00" + strings.Join(argv, "\x00") + "\x00"
			last := 0
			for _, p := range tc.wantAll {
				i := strings.Index(joined[last:], "\x00"+p[0]+"\x00"+p[1]+"\x00")
				if i < 0 {
					t.Fatalf("argv %q lacks %s %s after position %d", argv, p[0], p[1], last)
				}
				last += i + 1
			}
			for _, f := range []string{"-nodefaults", "-no-reboot", "-no-user-config"} {
				if !slices.Contains(argv, f) {
					t.Errorf("argv lacks %s", f)
				}
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	k, i := writeTemp(t, dir, "vmlinux"), writeTemp(t, dir, "initrd")
	for _, tc := range []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "complete", cfg: Config{Kernel: k, Initrd: i}},
		{name: "no kernel", cfg: Config{Initrd: i}, wantErr: "no kernel"},
		{name: "missing initrd", cfg: Config{Kernel: k, Initrd: dir + "/nope"}, wantErr: "initrd: stat"},
		{name: "negative CPUs", cfg: Config{Kernel: k, Initrd: i, CPUs: -1}, wantErr: "CPUs is -1"},
		{name: "tiny memory", cfg: Config{Kernel: k, Initrd: i, MemoryMB: 16}, wantErr: "MemoryMB is 16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.withDefaults().validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
