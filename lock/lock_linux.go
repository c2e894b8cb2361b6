package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Acquire takes the lock at path, waiting until ctx ends. While it waits,
// notify (if not nil) is called once with the holder's description (see
// Holder), so a command can tell its user why it is not progressing.
//
// When ctx ends first it returns a *BusyError, which wraps ErrBusy and
// ctx.Err() and names the holder: "another klpkit (pid 1234: klpkit load
// x.ko) holds /run/klpkit.lock".
func Acquire(ctx context.Context, path string, notify func(holder string)) (*Lock, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	notified := false
	for polls := 0; ; polls++ {
		ok, err := tryFlock(f, path)
		if err != nil {
			f.Close()
			return nil, err
		}
		if ok {
			return hold(f, path)
		}
		// The holder writes its description just after it locks; give it
		// a few polls so the notice names it rather than "unknown".
		if notify != nil && !notified {
			if h := Holder(path); h != "unknown process" || polls >= 5 {
				notify(h)
				notified = true
			}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, &BusyError{Path: path, Holder: Holder(path), Waited: time.Since(start), ctxErr: ctx.Err()}
		case <-ticker.C:
		}
	}
}

// TryAcquire takes the lock at path if it is free. When another process
// holds it, it returns a *BusyError wrapping ErrBusy that names the
// holder.
func TryAcquire(path string) (*Lock, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	ok, err := tryFlock(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	if !ok {
		f.Close()
		return nil, &BusyError{Path: path, Holder: Holder(path)}
	}
	return hold(f, path)
}

// Release gives the lock up. The file stays: removing it would let a
// process that opened it before the removal lock the old inode while
// another creates and locks a new file, and both would think they hold
// the lock. Releasing a released lock does nothing.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	// Clear the description while still holding the lock: after unlock
	// the file may already describe the next holder.
	truncErr := f.Truncate(0)
	unlockErr := unix.Flock(int(f.Fd()), unix.LOCK_UN)
	closeErr := f.Close()
	if err := errors.Join(unlockErr, closeErr); err != nil {
		return fmt.Errorf("release lock %s: %w", l.path, err)
	}
	if truncErr != nil {
		return fmt.Errorf("release lock %s: clear holder: %w", l.path, truncErr)
	}
	return nil
}

// open opens the lock file, creating it and its directory. Go opens files
// with O_CLOEXEC, so a child klpkit starts (kbuild, QEMU) does not inherit
// the open file and cannot keep the lock alive after klpkit exits.
func open(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return nil, fmt.Errorf("lock %s: %w (changing livepatches needs root)", path, err)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// tryFlock takes an exclusive flock without blocking. flock locks belong
// to the open file description, so two opens of the same file exclude
// each other even within one process.
func tryFlock(f *os.File, path string) (bool, error) {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EWOULDBLOCK):
			return false, nil
		case errors.Is(err, unix.EINTR):
			continue
		}
		return false, fmt.Errorf("lock %s: flock: %w", path, err)
	}
}

// hold records this process as the holder of the locked file f.
func hold(f *os.File, path string) (*Lock, error) {
	l := &Lock{path: path, f: f}
	content := holderContent()
	// A holder killed with SIGKILL leaves its description behind;
	// truncate so a shorter one is not mixed with its tail.
	err := f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt([]byte(content), 0)
	}
	if err != nil {
		l.Release()
		return nil, fmt.Errorf("lock %s: write holder: %w", path, err)
	}
	return l, nil
}
