package verify

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Shells are the paths whose presence means an image has a shell.
var Shells = []string{
	"/bin/sh", "/bin/bash", "/bin/ash", "/bin/dash", "/usr/bin/sh", "/usr/bin/bash", "/usr/bin/dash",
	"/bin/busybox", "/usr/bin/busybox", "/sbin/busybox", "/usr/sbin/busybox",
}

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
// "1000:1000", "app:app") into numbers, reading /etc/passwd and /etc/group
// of the root filesystem like a container runtime does: a user without a
// group takes its passwd entry's group, or 0 when it has none.
func resolveUser(root, spec string) (User, error) {
	if spec == "" {
		return User{}, nil
	}
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	var u User
	gidFromPasswd := uint32(0)
	if n, err := strconv.ParseUint(userPart, 10, 32); err == nil {
		u.UID = uint32(n)
		if e, ok, err := lookupEntry(root, "/etc/passwd", func(f []string) bool { return len(f) > 3 && f[2] == userPart }); err != nil {
			return u, err
		} else if ok {
			g, _ := strconv.ParseUint(e[3], 10, 32)
			gidFromPasswd = uint32(g)
		}
	} else {
		e, ok, err := lookupEntry(root, "/etc/passwd", func(f []string) bool { return len(f) > 3 && f[0] == userPart })
		if err != nil {
			return u, err
		}
		if !ok {
			return u, fmt.Errorf("user %q is not in the image's /etc/passwd", userPart)
		}
		uid, err1 := strconv.ParseUint(e[2], 10, 32)
		gid, err2 := strconv.ParseUint(e[3], 10, 32)
		if err1 != nil || err2 != nil {
			return u, fmt.Errorf("bad /etc/passwd entry for %q", userPart)
		}
		u.UID, gidFromPasswd = uint32(uid), uint32(gid)
	}
	if !hasGroup || groupPart == "" {
		u.GID = gidFromPasswd
		return u, nil
	}
	if n, err := strconv.ParseUint(groupPart, 10, 32); err == nil {
		u.GID = uint32(n)
		return u, nil
	}
	e, ok, err := lookupEntry(root, "/etc/group", func(f []string) bool { return len(f) > 2 && f[0] == groupPart })
	if err != nil {
		return u, err
	}
	if !ok {
		return u, fmt.Errorf("group %q is not in the image's /etc/group", groupPart)
	}
	gid, err := strconv.ParseUint(e[2], 10, 32)
	if err != nil {
		return u, fmt.Errorf("bad /etc/group entry for %q", groupPart)
	}
	u.GID = uint32(gid)
	return u, nil
}

// lookupEntry returns the first colon-separated line of the image file name
// that match accepts.
func lookupEntry(root, name string, match func([]string) bool) ([]string, bool, error) {
	p, err := ResolveIn(root, name)
	if err != nil {
		return nil, false, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading the image's %s: %w", name, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if fields := strings.Split(line, ":"); match(fields) {
			return fields, true, nil
		}
	}
	return nil, false, sc.Err()
}
