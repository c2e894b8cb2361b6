package kernel

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotInstalled is wrapped by errors that mean a kernel, its headers or its
// cached image are not where set-up puts them; the message says what to run.
var ErrNotInstalled = errors.New("not installed")

// setupHint is appended to every ErrNotInstalled error, because the fix is
// always the same command.
const setupHint = `run "make setup" (scripts/setup.sh); for a release other than the default, KLPKIT_KERNEL=<release> scripts/setup.sh`

// Target is one kernel that livepatches are built for and tested on.
type Target struct {
	// Release is the kernel's uname -r, e.g. "6.1.0-56-amd64"; it is the
	// vermagic a module must carry to load.
	Release string
	// KDir is the kbuild headers tree (it has a Makefile) that modules are
	// built with: make -C KDir M=....
	KDir string
	// Dir is the extracted linux-image package in the cache, holding
	// boot/vmlinuz-<Release> and lib/modules/<Release>; "" when the image is
	// not cached (FromKDir, or headers without an image).
	Dir string
}

// DefaultCacheDir is where klpkit keeps kernels and build outputs:
// $KLPKIT_CACHE when set; else .cache in the current directory when
// scripts/setup.sh prepared a kernel there (klpkit run from its checkout,
// as the README's commands do); else the user cache directory's klpkit/.
func DefaultCacheDir() string {
	if d := os.Getenv("KLPKIT_CACHE"); d != "" {
		return d
	}
	if _, err := os.Stat(filepath.Join(".cache", "kernels", "default")); err == nil {
		if abs, err := filepath.Abs(".cache"); err == nil {
			return abs
		}
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "klpkit")
	}
	// No $HOME nor $XDG_CACHE_HOME (a minimal container or the VM guest):
	// a cache under the temporary directory still works, just not across
	// reboots.
	return filepath.Join(os.TempDir(), "klpkit")
}

// Resolve finds release in cacheDir and among the installed kbuild headers.
// An empty release or "default" means the release named in
// cacheDir/kernels/default, which scripts/setup.sh writes.
//
// The headers are required, because every klpkit flow builds a module; the
// cached image is optional (Dir is "" without it). It returns an error
// wrapping ErrNotInstalled when the default file or the headers are missing.
func Resolve(cacheDir, release string) (*Target, error) {
	return resolve(cacheDir, release, headerDirs)
}

// headerDirs lists where an installed kbuild tree for release may be, in
// the order kbuild users expect: the build link that the image package (or
// a self-built kernel's modules_install) creates, then Debian's own path.
func headerDirs(release string) []string {
	return []string{
		filepath.Join("/lib/modules", release, "build"),
		filepath.Join("/usr/src", "linux-headers-"+release),
	}
}

func resolve(cacheDir, release string, kdirs func(string) []string) (*Target, error) {
	if release == "" || release == "default" {
		r, err := defaultRelease(cacheDir)
		if err != nil {
			return nil, err
		}
		release = r
	}
	if err := checkRelease(release); err != nil {
		return nil, err
	}

	t := &Target{Release: release}
	candidates := kdirs(release)
	for _, d := range candidates {
		if isFile(filepath.Join(d, "Makefile")) {
			t.KDir = d
			break
		}
	}
	if t.KDir == "" {
		return nil, fmt.Errorf("kernel %s: no kbuild headers (no Makefile in %s): %w; %s",
			release, strings.Join(candidates, " or "), ErrNotInstalled, setupHint)
	}

	// setup.sh touches .complete after dpkg-deb -x finishes, so a directory
	// without it is an interrupted extraction, not a usable image.
	dir := filepath.Join(cacheDir, "kernels", release)
	if isFile(filepath.Join(dir, ".complete")) {
		t.Dir = dir
	}
	return t, nil
}

func defaultRelease(cacheDir string) (string, error) {
	name := filepath.Join(cacheDir, "kernels", "default")
	b, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("no default kernel (%s is missing): %w; %s", name, ErrNotInstalled, setupHint)
	}
	if err != nil {
		return "", fmt.Errorf("read default kernel release: %w", err)
	}
	r := strings.TrimSpace(string(b))
	if r == "" {
		return "", fmt.Errorf("no default kernel (%s is empty): %w; %s", name, ErrNotInstalled, setupHint)
	}
	return r, nil
}

// checkRelease rejects names that would escape the cache or header
// directories once joined into a path.
func checkRelease(release string) error {
	if strings.ContainsAny(release, "/\\ \t\n") || release == "." || release == ".." {
		return fmt.Errorf("invalid kernel release %q: want a uname -r such as 6.1.0-56-amd64", release)
	}
	return nil
}

// FromKDir describes the kernel whose kbuild headers are in kdir, without an
// image: for building against a self-built or foreign kernel tree.
func FromKDir(kdir string) (*Target, error) {
	if !isFile(filepath.Join(kdir, "Makefile")) {
		return nil, fmt.Errorf("%s is not a kbuild tree (no Makefile)", kdir)
	}
	r, err := kdirRelease(kdir)
	if err != nil {
		return nil, err
	}
	return &Target{Release: r, KDir: kdir}, nil
}

// Vmlinuz is the compressed kernel image (bzImage), or "" when the image is
// not cached.
func (t *Target) Vmlinuz() string {
	if t.Dir == "" {
		return ""
	}
	return filepath.Join(t.Dir, "boot", "vmlinuz-"+t.Release)
}

// ConfigFile is the kernel's build configuration: the image package's
// boot/config-<Release> when cached, else the headers' .config (Debian's
// headers carry the same file).
func (t *Target) ConfigFile() string {
	if t.Dir != "" {
		return filepath.Join(t.Dir, "boot", "config-"+t.Release)
	}
	return filepath.Join(t.KDir, ".config")
}

// requireImage returns an ErrNotInstalled error when t has no cached image.
func (t *Target) requireImage() error {
	if t.Dir == "" {
		return fmt.Errorf("kernel %s: the image is not in the cache: %w; %s", t.Release, ErrNotInstalled, setupHint)
	}
	return nil
}

func isFile(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}
