package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// mounts are what the kernel interfaces the agent reads need. The mount
// points exist in the initramfs: the kernel does not create them.
var mounts = []struct{ source, target, fstype string }{
	{"proc", "/proc", "proc"},
	{"sysfs", "/sys", "sysfs"},
	{"devtmpfs", "/dev", "devtmpfs"},
	{"tmpfs", "/tmp", "tmpfs"},
	{"debugfs", "/sys/kernel/debug", "debugfs"},
}

// Main is PID 1: set up, run the plan, report, power off. It never returns.
func Main(planPath string) {
	err := setup()
	port, perr := openPort(EventPort)
	if perr != nil {
		// Without the channel the host can only see the console.
		fmt.Fprintf(os.Stderr, "klpkit agent: %v\n", perr)
		powerOff()
	}
	if err == nil {
		ctx := context.Background()
		err = Run(ctx, planPath, port)
	} else {
		em := &emitter{w: port, start: time.Now()}
		em.emit(resultEvent(err))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "klpkit agent: %v\n", err)
	}
	drain(port)
	powerOff()
}

func setup() error {
	for _, m := range mounts {
		if err := os.MkdirAll(m.target, 0o755); err != nil {
			return fmt.Errorf("mount %s: %w", m.target, err)
		}
		if err := unix.Mount(m.source, m.target, m.fstype, 0, ""); err != nil && !errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("mount %s on %s: %w", m.fstype, m.target, err)
		}
	}
	return nil
}

// openPort opens the serial port raw, so the kernel's tty layer neither
// echoes nor rewrites line ends in the JSON stream.
func openPort(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("open event port: %w", err)
	}
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, fmt.Errorf("event port %s: %w", path, err)
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return nil, fmt.Errorf("event port %s: %w", path, err)
	}
	return f, nil
}

// drain waits until the UART has sent every byte: powering off first
// would cut the final result short.
func drain(f *os.File) {
	_ = unix.IoctlSetInt(int(f.Fd()), unix.TCSBRK, 1)
}

func powerOff() {
	unix.Sync()
	_ = unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	// Reboot only returns on failure; PID 1 exiting panics the kernel,
	// which with panic=-1 and QEMU's -no-reboot also ends the VM.
	os.Exit(1)
}

func release() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return string(bytes.TrimRight(u.Release[:], "\x00"))
}

func uptime() time.Duration {
	data, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	s, _ := strconv.ParseFloat(f[0], 64)
	return time.Duration(s * float64(time.Second))
}
