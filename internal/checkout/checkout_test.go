package checkout

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRoot(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "internal", "checkout", "checkout.go")); err != nil {
		t.Errorf("Root() = %s, which does not hold this package: %v", root, err)
	}

	// A go.mod of another module, and one that only starts like ours, are
	// passed over.
	dir := t.TempDir()
	nested := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a", "go.mod"), []byte("module "+ModulePath+"/extra\n\ngo 1.26\n"), 0o644)
	os.WriteFile(filepath.Join(nested, "go.mod"), []byte("module example.com/svc\n"), 0o644)
	t.Chdir(nested)
	if got, err := Root(); !errors.Is(err, ErrOutside) {
		t.Errorf("outside a checkout: Root() = %q, %v; want ErrOutside", got, err)
	}
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+ModulePath+"\n\ngo 1.26.8\n"), 0o644)
	if got, err := Root(); err != nil || got != dir {
		if real, _ := filepath.EvalSymlinks(dir); got != real {
			t.Errorf("Root() = %q, %v; want %s", got, err, dir)
		}
	}
}
