package transition

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// DefaultDynDebug is the dynamic debug control file (debugfs).
const DefaultDynDebug = "/sys/kernel/debug/dynamic_debug/control"

// switchDebug turns on klp_try_switch_task's per-task lines ("<comm>:<pid>
// is sleeping on function <func>") while a transition stalls. They are off
// by default because the kernel logs one per blocking task on every
// one-second retry; restore puts back what was there.
type switchDebug struct {
	control string
	enabled bool // we turned it on and must turn it off
}

const switchFunc = "klp_try_switch_task"

func (d *switchDebug) enable() error {
	on, err := d.isOn()
	if err != nil {
		return err
	}
	if on {
		return nil
	}
	if err := os.WriteFile(d.control, []byte("func "+switchFunc+" +p\n"), 0); err != nil {
		return fmt.Errorf("dynamic debug for %s: %w", switchFunc, err)
	}
	d.enabled = true
	return nil
}

func (d *switchDebug) restore() error {
	if !d.enabled {
		return nil
	}
	d.enabled = false
	if err := os.WriteFile(d.control, []byte("func "+switchFunc+" -p\n"), 0); err != nil {
		return fmt.Errorf("restore dynamic debug for %s: %w", switchFunc, err)
	}
	return nil
}

// isOn reads the control file: a line per call site, "file:line [module]func =flags format".
func (d *switchDebug) isOn() (bool, error) {
	f, err := os.Open(d.control)
	if err != nil {
		return false, fmt.Errorf("dynamic debug: %w (is debugfs mounted?)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	found := false
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || !strings.HasSuffix(fields[1], "]"+switchFunc) && fields[1] != switchFunc {
			continue
		}
		found = true
		if strings.HasPrefix(fields[2], "=") && strings.Contains(fields[2], "p") {
			return true, nil
		}
	}
	if !found {
		return false, fmt.Errorf("dynamic debug: no %s call site (kernel without CONFIG_DYNAMIC_DEBUG?)", switchFunc)
	}
	return false, sc.Err()
}
