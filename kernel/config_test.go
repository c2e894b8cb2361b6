package kernel

import (
	"maps"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{
			name: "builtin, module, number and unset",
			in: "#\n# Automatically generated file; DO NOT EDIT.\n#\nCONFIG_LIVEPATCH=y\n" +
				"CONFIG_9P_FS=m\nCONFIG_HZ=250\n# CONFIG_DEVTMPFS_MOUNT is not set\n\n",
			want: map[string]string{"CONFIG_LIVEPATCH": "y", "CONFIG_9P_FS": "m", "CONFIG_HZ": "250"},
		},
		{
			name: "string with escapes",
			in:   `CONFIG_CC_VERSION_TEXT="gcc-12 (Debian 12.2.0-14) 12.2.0"` + "\n" + `CONFIG_X="a \"q\" \\ b"` + "\n",
			want: map[string]string{"CONFIG_CC_VERSION_TEXT": "gcc-12 (Debian 12.2.0-14) 12.2.0", "CONFIG_X": `a "q" \ b`},
		},
		{
			name: "empty string",
			in:   `CONFIG_LOCALVERSION=""` + "\n",
			want: map[string]string{"CONFIG_LOCALVERSION": ""},
		},
		{
			name:    "not an option",
			in:      "CONFIG_A=y\nhello\n",
			wantErr: "line 2",
		},
		{
			name:    "unterminated string",
			in:      `CONFIG_A="oops` + "\n",
			wantErr: "bad string",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseConfig(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add("CONFIG_LIVEPATCH=y\n# CONFIG_X is not set\nCONFIG_S=\"a \\\"b\\\"\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		cfg, err := parseConfig(strings.NewReader(in))
		if err != nil {
			return
		}
		for k := range cfg {
			if !strings.HasPrefix(k, "CONFIG_") {
				t.Fatalf("key %q without CONFIG_", k)
			}
		}
	})
}
