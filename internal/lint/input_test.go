package lint

import (
	"context"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
)

// A UTF-8 BOM is dropped as BuildKit drops it: the same findings as without
// it, BuildKit's own checks included.
func TestBOMLintsAsBuildKitBuildsIt(t *testing.T) {
	src := "FROM debian:bookworm-slim AS Build\nMAINTAINER someone\nENV PASSWORD=x\nUSER 65532\nCMD [\"/a\"]\n"
	plain, err := Check(context.Background(), Input{Path: "Dockerfile", Data: []byte(src)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bom, err := Check(context.Background(), Input{Path: "Dockerfile", Data: []byte("\ufeff" + src)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(plain.Findings, bom.Findings) {
		t.Errorf("with a BOM:\n%v\nwithout:\n%v", bom.Findings, plain.Findings)
	}
	ids := map[string]bool{}
	for _, f := range bom.Findings {
		ids[f.RuleID] = true
	}
	for _, id := range []string{"StageNameCasing", "MaintainerDeprecated", "SW130"} {
		if !ids[id] {
			t.Errorf("with a BOM, no %s finding: %v", id, bom.Findings)
		}
	}
	if ids["SW199"] {
		t.Errorf("with a BOM, BuildKit could not evaluate the file: %v", bom.Findings)
	}
}

// A NUL byte is an error naming the file, line and column.
func TestNULIsAnErrorWithFileAndLine(t *testing.T) {
	src := "FROM debian:bookworm-slim\nUSER 65532\nRUN echo a\x00b\n"
	_, err := Check(context.Background(), Input{Path: "svc/Dockerfile", Data: []byte(src)}, Options{})
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *ParseError", err)
	}
	if pe.File != "svc/Dockerfile" || pe.Line != 3 || !strings.Contains(err.Error(), "svc/Dockerfile:3: column 11: a NUL byte") {
		t.Errorf("err = %q (file %q line %d)", err, pe.File, pe.Line)
	}
}

// Control bytes and invalid UTF-8 lint without BuildKit printing anything
// of its own to stderr (its shell lexer reports bad bytes there, raw).
func TestControlBytesPrintNothingToStderr(t *testing.T) {
	src := "FROM debian:bookworm-slim\nUSER 65532\nRUN echo a\xffb $X\x1b[2J \"\x07\"\nENV A=\xfe$Y\nCMD [\"/a\"]\n"
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	res, cerr := Check(context.Background(), Input{Path: "Dockerfile", Data: []byte(src)}, Options{})
	os.Stderr = saved
	w.Close()
	got, _ := io.ReadAll(r)
	if cerr != nil {
		t.Fatal(cerr)
	}
	if len(got) > 0 {
		t.Errorf("lint wrote to stderr: %q", got)
	}
	for _, f := range res.Findings {
		if f.RuleID == "SW199" {
			t.Errorf("BuildKit could not evaluate the file: %v", f)
		}
	}
	// $Y is undefined: BuildKit's checks still ran on the ENV line.
	found := false
	for _, f := range res.Findings {
		found = found || f.RuleID == "UndefinedVar" && f.Line == 4
	}
	if !found {
		t.Errorf("no UndefinedVar on line 4: %v", res.Findings)
	}
}
