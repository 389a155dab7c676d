package layer

import (
	"archive/tar"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestName(t *testing.T) {
	b := NewBudget(Limits{})
	for _, tc := range []struct{ in, want, err string }{
		{"usr/bin/su", "usr/bin/su", ""},
		{"./usr/bin/", "usr/bin", ""},
		{"a//b/./c", "a/b/c", ""},
		{".", "", ""},
		{"./", "", ""},
		{"../x", "", `".."`},
		{"a/../../x", "", `".."`},
		{"a/../b", "", `".."`},
		{"/etc/passwd", "", "absolute"},
		{"a\x00b", "", "NUL"},
		{strings.Repeat("d/", 257) + "f", "", "258 path components, over 256"},
	} {
		got, err := b.Name(3, tc.in)
		if tc.err == "" {
			if err != nil || got != tc.want {
				t.Errorf("Name(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "layer 3: ") {
			t.Errorf("Name(%q) = %v; want an error naming layer 3 with %q", tc.in, err, tc.err)
		}
	}
}

// TestDeepNameIsCheap: a name of 100,000 components is refused by its
// length at once, with a short message that escapes control characters.
func TestDeepNameIsCheap(t *testing.T) {
	b := NewBudget(Limits{})
	name := "\x1b[2J" + strings.Repeat("d/", 100_000) + "f"
	start := time.Now()
	_, err := b.Name(1, name)
	if took := time.Since(start); took > 10*time.Millisecond {
		t.Errorf("refusing took %s", took)
	}
	var le *LimitError
	if !errors.As(err, &le) || len(err.Error()) > 300 || strings.Contains(err.Error(), "\x1b") {
		t.Errorf("err = %q (%d bytes)", err, len(err.Error()))
	}
	// The length limit grows with the depth limit.
	if _, err := NewBudget(Limits{PathDepth: 200_000}).Name(1, name[4:]); err != nil {
		t.Errorf("with --max-path-depth 200000: %v", err)
	}
}

func TestEntryCountsFilesAndBytes(t *testing.T) {
	b := NewBudget(Limits{Files: 2, UnpackedBytes: 10})
	if _, err := b.Entry(1, &tar.Header{Typeflag: tar.TypeReg, Name: "a", Size: 6}); err != nil {
		t.Fatal(err)
	}
	var le *LimitError
	if _, err := b.Entry(1, &tar.Header{Typeflag: tar.TypeReg, Name: "b", Size: 5}); !errors.As(err, &le) || le.Flag != "--max-unpacked-size" {
		t.Errorf("11 bytes under 10: %v", err)
	}
	b = NewBudget(Limits{Files: 2})
	for i, n := range []string{"a", "b", "c"} {
		_, err := b.Entry(1, &tar.Header{Typeflag: tar.TypeDir, Name: n})
		if (i < 2) != (err == nil) {
			t.Errorf("entry %d: %v", i+1, err)
		}
	}
	if _, err := NewBudget(Limits{}).Entry(1, &tar.Header{Typeflag: tar.TypeReg, Name: "n", Size: -1}); !IsBadInput(err) {
		t.Errorf("a negative size: %v", err)
	}
}
