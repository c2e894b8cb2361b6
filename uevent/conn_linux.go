package uevent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// kernelGroup is the multicast group the kernel sends uevents to. udev
// re-broadcasts them, after its rules ran, to group 2 in its own format.
const kernelGroup = 1

// pollInterval bounds each wait in Next, so a cancelled context is noticed
// within this time even if no uevent arrives.
const pollInterval = 100 * time.Millisecond

// recvSize is the receive buffer. The kernel builds a uevent in a 2 KiB
// environment (UEVENT_BUFFER_SIZE) plus "ACTION@DEVPATH"; a devpath is at
// most a page, so 8 KiB holds any uevent.
const recvSize = 8 << 10

// socketBuffer is the socket's receive queue. A burst of uevents (a
// hotplugged device, "udevadm trigger") can fill the default queue while
// the reader is busy, and the kernel then drops events (ENOBUFS).
const socketBuffer = 1 << 20

// Conn is a subscription to the kernel's uevents. It is not safe for
// concurrent use; to stop a Next in progress, cancel its context, then
// Close.
type Conn struct {
	sock     *nl.NetlinkSocket
	fd       int
	buf      []byte
	closed   bool
	overruns uint64
}

// Dial subscribes to the kernel's uevents. It needs no privilege: the
// kernel lets any user receive on NETLINK_KOBJECT_UEVENT
// (NL_CFG_F_NONROOT_RECV). Events sent before Dial are not seen.
func Dial() (*Conn, error) {
	sock, err := nl.Subscribe(unix.NETLINK_KOBJECT_UEVENT, kernelGroup)
	if err != nil {
		return nil, fmt.Errorf("subscribe to kernel uevents (NETLINK_KOBJECT_UEVENT, group %d): %w", kernelGroup, explainDial(err))
	}
	// SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN;
	// without it SO_RCVBUF gets as much as rmem_max allows, which is enough
	// for klpkit's own loads.
	if err := sock.SetReceiveBufferSize(socketBuffer, true); err != nil {
		if err := sock.SetReceiveBufferSize(socketBuffer, false); err != nil {
			sock.Close()
			return nil, fmt.Errorf("set the receive buffer of the uevent socket: %w", err)
		}
	}
	// GetFd returns the raw descriptor, left non-blocking by Subscribe;
	// Next uses it directly because the socket's Receive expects a netlink
	// header and uevents have none.
	return &Conn{sock: sock, fd: sock.GetFd(), buf: make([]byte, recvSize)}, nil
}

// explainDial says what a refused subscription means, keeping the errno.
func explainDial(err error) error {
	switch {
	case errors.Is(err, unix.EPROTONOSUPPORT), errors.Is(err, unix.EAFNOSUPPORT):
		return fmt.Errorf("%w (the kernel has no netlink uevent support)", err)
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("%w (refused by a security policy such as seccomp or an LSM; any user may normally subscribe)", err)
	}
	return err
}

// Next returns the next uevent the kernel sent, waiting for one until ctx is
// done; it then returns ctx.Err(). Datagrams from user space (a sender port
// other than 0) are skipped: only the kernel's word counts. A datagram that
// does not parse is returned as an error wrapping ErrMalformed, and the
// following call reads on after it.
func (c *Conn) Next(ctx context.Context) (Event, error) {
	if c == nil || c.closed {
		return Event{}, fmt.Errorf("uevent connection: %w", os.ErrClosed)
	}
	for {
		if err := ctx.Err(); err != nil {
			return Event{}, err
		}
		// MSG_TRUNC makes recvfrom return the datagram's full length, so a
		// cut-off uevent is reported instead of parsed short.
		n, from, err := unix.Recvfrom(c.fd, c.buf, unix.MSG_DONTWAIT|unix.MSG_TRUNC)
		switch {
		case err == nil:
			sa, ok := from.(*unix.SockaddrNetlink)
			if !ok || sa.Pid != 0 {
				continue
			}
			if n > len(c.buf) {
				return Event{}, fmt.Errorf("read uevent: %w: %d bytes, more than the %d-byte buffer", ErrMalformed, n, len(c.buf))
			}
			ev, err := Parse(c.buf[:n])
			if err != nil {
				return Event{}, fmt.Errorf("read uevent: %w", err)
			}
			ev.Time = time.Now()
			return ev, nil
		case errors.Is(err, unix.EAGAIN):
			if err := c.wait(ctx); err != nil {
				return Event{}, err
			}
		case errors.Is(err, unix.EINTR):
		case errors.Is(err, unix.ENOBUFS):
			// The receive queue overflowed and the kernel dropped uevents;
			// the socket stays usable and the next read continues.
			c.overruns++
		default:
			return Event{}, fmt.Errorf("read uevent: %w", err)
		}
	}
}

// Overruns returns how many times the kernel dropped uevents for this
// Conn because its receive queue was full. How many events each overrun
// lost is not known.
func (c *Conn) Overruns() uint64 {
	return c.overruns
}

// Close releases the socket. Closing twice returns an error wrapping
// os.ErrClosed.
func (c *Conn) Close() error {
	if c == nil || c.closed {
		return fmt.Errorf("close uevent connection: %w", os.ErrClosed)
	}
	c.closed = true
	c.sock.Close()
	return nil
}

// wait blocks in poll(2) until the socket is readable, at most pollInterval
// or until ctx's deadline, whichever is sooner. The caller checks ctx again.
func (c *Conn) wait(ctx context.Context) error {
	timeout := pollInterval
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	// Round up, so a deadline less than a millisecond away does not become
	// a zero timeout that spins.
	ms := int((max(timeout, 0) + time.Millisecond - 1) / time.Millisecond)
	fds := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}}
	if _, err := unix.Poll(fds, ms); err != nil && !errors.Is(err, unix.EINTR) {
		return fmt.Errorf("poll the uevent socket: %w", err)
	}
	return nil
}
