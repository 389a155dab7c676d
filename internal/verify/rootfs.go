package verify

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/slipway/slipway/internal/shells"
	"github.com/slipway/slipway/internal/userspec"
)

// Shells are the paths whose presence means an image has a shell.
var Shells = shells.Paths()

// shellSummary names Shells in one line, for the check that found none.
var shellSummary = shells.Summary()

// findShells lists the shells present under root, each once: /bin/sh is
// not listed again as /usr/bin/sh when /bin links to usr/bin.
func findShells(root string) ([]string, error) {
	var found []string
	seen := map[string]bool{}
	for _, s := range Shells {
		ok, err := present(root, s)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		dir, base := filepath.Split(s)
		parent, err := ResolveIn(root, dir)
		if err != nil {
			return nil, err
		}
		if p := filepath.Join(parent, base); !seen[p] {
			seen[p] = true
			found = append(found, s)
		}
	}
	return found, nil
}

// present reports whether the image path name exists under root (a dangling
// symbolic link counts: it is still there). Links in its parent directories
// are resolved inside root.
func present(root, name string) (bool, error) {
	dir, base := filepath.Split(name)
	parent, err := ResolveIn(root, dir)
	if err != nil {
		return false, err
	}
	_, err = os.Lstat(filepath.Join(parent, base))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return false, nil
	}
	return err == nil, err
}

// Privileged is a file that gains privileges when run.
type Privileged struct {
	Path string `json:"path"`
	Bits string `json:"bits"` // setuid, setgid or setuid+setgid
}

// findPrivileged walks root and lists every non-directory with the setuid or
// setgid bit. (A setgid directory only makes new files inherit its group.)
func findPrivileged(root string) ([]Privileged, error) {
	var out []Privileged
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		m := fi.Mode()
		var bits []string
		if m&fs.ModeSetuid != 0 {
			bits = append(bits, "setuid")
		}
		if m&fs.ModeSetgid != 0 {
			bits = append(bits, "setgid")
		}
		if len(bits) > 0 {
			rel, _ := filepath.Rel(root, p)
			out = append(out, Privileged{Path: "/" + filepath.ToSlash(rel), Bits: strings.Join(bits, "+")})
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

// User is a resolved numeric user.
type User struct {
	UID, GID uint32
}

func (u User) String() string { return fmt.Sprintf("%d:%d", u.UID, u.GID) }

// resolveUser turns an image config's User ("", "65532", "nonroot",
// "1000:1000", "app:app", "00", "4294967296") into the numbers runc is given,
// parsed by userspec as the runtimes parse it and looked up in the root
// filesystem's /etc/passwd and /etc/group: a user without a group takes its
// passwd entry's group, or 0 when it has none; a name takes the first
// passwd line, and the Resolved value lists every uid its lines give.
func resolveUser(root, spec string) (User, userspec.Resolved, error) {
	sp, err := userspec.Parse(spec)
	if err != nil {
		return User{}, userspec.Resolved{}, err
	}
	passwd, err := readAccounts(root, "/etc/passwd")
	if err != nil {
		return User{}, userspec.Resolved{}, err
	}
	group, err := readAccounts(root, "/etc/group")
	if err != nil {
		return User{}, userspec.Resolved{}, err
	}
	r, err := userspec.Resolve(sp, passwd, group)
	if err != nil {
		return User{}, r, err
	}
	return User{UID: r.UID, GID: r.GID}, r, nil
}

// maxAccountsFile bounds how much of /etc/passwd or /etc/group is read.
const maxAccountsFile = 4 << 20

// readAccounts reads an account file of the image, nil when it has none.
func readAccounts(root, name string) ([]byte, error) {
	p, err := ResolveIn(root, name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the image's %s: %w", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxAccountsFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading the image's %s: %w", name, err)
	}
	if len(b) > maxAccountsFile {
		return nil, fmt.Errorf("the image's %s is larger than %d bytes", name, maxAccountsFile)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}
