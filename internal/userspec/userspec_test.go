package userspec

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in        string
		root      bool
		numeric   bool
		uid       uint32
		canonical bool
		wrapped   bool
		spelling  string
	}{
		{"0", true, true, 0, true, false, ""},
		{"00", true, true, 0, false, false, `"00" is uid 0`},
		{"+0", true, true, 0, false, false, `"+0" is uid 0`},
		{"-0", true, true, 0, false, false, `"-0" is uid 0`},
		{"0000000000000000000000", true, true, 0, false, false, `is uid 0`},
		{"4294967296", true, true, 0, false, true, "wraps around to uid 0"},
		{"8589934592", true, true, 0, false, true, "wraps around to uid 0"},
		{"4294967297", false, true, 1, false, true, "wraps around to uid 1"},
		{"-1", false, true, 4294967295, false, true, "wraps around to uid 4294967295"},
		{"4294967295", false, true, 4294967295, true, false, ""},
		{"65532", false, true, 65532, true, false, ""},
		{"010001", false, true, 10001, false, false, `"010001" is uid 10001`},
		{"99999999999999999999", false, false, 0, false, false, ""}, // beyond int64: a name to the runtime
		{"root", true, false, 0, false, false, ""},
		{"nonroot", false, false, 0, false, false, ""},
		{"", true, false, 0, false, false, "image default"},
		{":0", true, false, 0, false, false, "image default"},
		{"0x0", false, false, 0, false, false, ""}, // Atoi has no hex
		{" 0", false, false, 0, false, false, ""},
	} {
		s, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if s.Root() != tc.root || s.User.Numeric != tc.numeric || s.User.ID != tc.uid || s.User.Canonical() != tc.canonical || s.User.Wrapped != tc.wrapped {
			t.Errorf("Parse(%q) = %+v root=%v canonical=%v; want root=%v numeric=%v uid=%d canonical=%v wrapped=%v",
				tc.in, s.User, s.Root(), s.User.Canonical(), tc.root, tc.numeric, tc.uid, tc.canonical, tc.wrapped)
		}
		if got := s.Spelling(); (tc.spelling == "") != (got == "") || !strings.Contains(got, tc.spelling) {
			t.Errorf("Parse(%q).Spelling() = %q, want %q", tc.in, got, tc.spelling)
		}
	}
	if _, err := Parse("0:0:0"); err == nil || !strings.Contains(err.Error(), "more than one") {
		t.Errorf("Parse(0:0:0) = %v", err)
	}
	s, _ := Parse("10001:+0")
	if !s.HasGroup || !s.Group.Numeric || s.Group.ID != 0 || s.Root() {
		t.Errorf("Parse(10001:+0) = %+v", s)
	}
}

const passwd = `# comment
root:x:0:0:root:/root:/bin/sh
nonroot:x:65532:65532::/home/nonroot:/sbin/nologin

app:x:1000:1000::/app:/sbin/nologin
app:x:0:0::/app:/bin/sh
admin:x:0:10::/:/bin/sh
broken:x:abc:1::/:/bin/sh
`

const group = `root:x:0:
nonroot:x:65532:
staff:x:50:app
`

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		in       string
		uid, gid uint32
		uids     []uint32
		anyRoot  bool
		err      string
	}{
		{"", 0, 0, []uint32{0}, true, ""},
		{"nonroot", 65532, 65532, []uint32{65532}, false, ""},
		{"65532", 65532, 65532, []uint32{65532}, false, ""}, // the group from the passwd line
		{"065532", 65532, 65532, []uint32{65532}, false, ""},
		{"4294967296", 0, 0, []uint32{0}, true, ""},
		{"admin", 0, 10, []uint32{0}, true, ""},
		{"app", 1000, 1000, []uint32{1000, 0}, true, ""}, // runc takes the first line; the second is root
		{"nonroot:staff", 65532, 50, []uint32{65532}, false, ""},
		{"nonroot:+0", 65532, 0, []uint32{65532}, false, ""},
		{"12345", 12345, 0, []uint32{12345}, false, ""}, // no passwd line: gid 0
		{"ghost", 0, 0, nil, false, `"ghost" is not in the image's /etc/passwd`},
		{"broken", 0, 0, nil, false, "line 8"},
		{"nonroot:nogroup", 0, 0, nil, false, `group "nogroup" is not in the image's /etc/group`},
	} {
		s, err := Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Resolve(s, []byte(passwd), []byte(group))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Resolve(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Resolve(%q): %v", tc.in, err)
			continue
		}
		if r.UID != tc.uid || r.GID != tc.gid || !reflect.DeepEqual(r.UIDs, tc.uids) || r.AnyRoot() != tc.anyRoot {
			t.Errorf("Resolve(%q) = %+v anyRoot=%v; want uid %d gid %d uids %v anyRoot %v", tc.in, r, r.AnyRoot(), tc.uid, tc.gid, tc.uids, tc.anyRoot)
		}
	}
	s, _ := Parse("app")
	if _, err := Resolve(s, nil, nil); err == nil || !strings.Contains(err.Error(), "no /etc/passwd") {
		t.Errorf("a name without passwd: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "00", "+0", "-0", "4294967296", "app:app", ":", "a:b:c", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := Parse(s)
		if err != nil {
			return
		}
		// Root without passwd must agree with resolving the user part
		// against a passwd that maps only root (a group lookup may fail
		// on its own).
		sp.HasGroup, sp.Group = false, Part{}
		r, rerr := Resolve(sp, []byte("root:x:0:0::/:/bin/sh\n"), nil)
		if sp.Root() && (rerr != nil || !r.AnyRoot()) {
			t.Fatalf("%q: Root() but Resolve = %+v, %v", s, r, rerr)
		}
		if rerr == nil && r.AnyRoot() && !sp.Root() {
			t.Fatalf("%q: resolves to root but Root() is false", s)
		}
	})
}
