// Command hello is the /init of package qemu's VM tests: it mounts
// devtmpfs, writes "hello" to the event channel /dev/ttyS1, and powers off,
// or, when the kernel passed it the argument "hang", stays up forever so the
// host must kill the VM.
package main

import (
	"fmt"
	"os"
	"slices"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	// stdout is /dev/console, i.e. ttyS0 and the host's console log.
	fmt.Println("hello: init started")
	if err := hello(); err != nil {
		fmt.Println("hello:", err)
	}
	if slices.Contains(os.Args[1:], "hang") {
		fmt.Println("hello: hanging")
		for {
			// Not select{}: with no other goroutine the runtime would
			// call that a deadlock, /init would exit and the kernel
			// would panic, which ends QEMU just like a power-off.
			time.Sleep(time.Hour)
		}
	}
	fmt.Println("hello: powering off")
	if err := syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF); err != nil {
		fmt.Println("hello: power off:", err)
	}
}

// tcsbrk is TCSBRK from asm-generic/ioctls.h, which package syscall lacks;
// with a non-zero argument it is tcdrain(3).
const tcsbrk = 0x5409

func hello() error {
	if err := syscall.Mount("devtmpfs", "/dev", "devtmpfs", 0, ""); err != nil {
		return fmt.Errorf("mount /dev: %w", err)
	}
	tty, err := os.OpenFile("/dev/ttyS1", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return err
	}
	defer tty.Close()
	if err := makeRaw(tty); err != nil {
		return err
	}
	if _, err := tty.WriteString("hello\n"); err != nil {
		return err
	}
	// tcdrain: a write only queues bytes for the UART; powering off before
	// they are sent would lose them.
	return ioctl(tty, tcsbrk, 1)
}

// makeRaw turns off output processing, so "\n" is not sent as "\r\n".
func makeRaw(tty *os.File) error {
	var t syscall.Termios
	if err := ioctl(tty, syscall.TCGETS, uintptr(unsafe.Pointer(&t))); err != nil {
		return err
	}
	t.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP | syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON
	t.Oflag &^= syscall.OPOST
	t.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	t.Cflag &^= syscall.CSIZE | syscall.PARENB
	t.Cflag |= syscall.CS8
	return ioctl(tty, syscall.TCSETS, uintptr(unsafe.Pointer(&t)))
}

func ioctl(f *os.File, req, arg uintptr) error {
	c, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := c.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, req, arg)
	}); err != nil {
		return err
	}
	if errno != 0 {
		return fmt.Errorf("ioctl %#x: %w", req, errno)
	}
	return nil
}
