package kernel

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Config reads the kernel's build configuration into a map from option
// name, with its CONFIG_ prefix, to value: "y", "m", a number, or a string
// without its quotes. Options that are not set are absent from the map.
func (t *Target) Config() (map[string]string, error) {
	f, err := os.Open(t.ConfigFile())
	if err != nil {
		return nil, fmt.Errorf("kernel %s config: %w", t.Release, err)
	}
	defer f.Close()
	cfg, err := parseConfig(f)
	if err != nil {
		return nil, fmt.Errorf("kernel %s config %s: %w", t.Release, f.Name(), err)
	}
	return cfg, nil
}

func parseConfig(r io.Reader) (map[string]string, error) {
	cfg := make(map[string]string)
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		// "# CONFIG_X is not set" is a comment too: unset options stay absent.
		if line == "" || line[0] == '#' {
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(name, "CONFIG_") {
			return nil, fmt.Errorf("line %d: want CONFIG_NAME=value, got %q", n, line)
		}
		if strings.HasPrefix(val, `"`) {
			// Kconfig escapes '"' and '\' with a backslash, which Go's
			// unquoting undoes.
			s, err := strconv.Unquote(val)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s: bad string %s", n, name, val)
			}
			val = s
		}
		cfg[name] = val
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return cfg, nil
}
