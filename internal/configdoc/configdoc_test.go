package configdoc

import (
	"bytes"
	"flag"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/golden"
)

var update = flag.Bool("update", false, "rewrite docs/config.md")

const docFile = "../../docs/config.md"

// docs/config.md is what a written slipway.toml's header points at: it must
// say what the types say today.
func TestConfigDocIsCurrent(t *testing.T) {
	d, err := Generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(docFile, d.Markdown, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, d.Markdown) {
		t.Fatal("docs/config.md is out of date: run `go test ./internal/configdoc -run TestConfigDocIsCurrent -update`")
	}
}

// The source-level reading must see every key the decoder accepts: walk the
// real types by reflection, as the strict decoder does, and compare.
func TestEveryKeyIsDocumented(t *testing.T) {
	d, err := Generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	for file, v := range map[string]any{
		"slipway.toml":       config.Project{},
		"slipway-team.toml":  config.Team{},
		"golden/<name>.toml": golden.Spec{},
	} {
		var want []string
		walk(reflect.TypeOf(v), "", &want)
		sort.Strings(want)
		if got := d.SortedKeys(file); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: documented keys\n%v\nwant (from the Go type)\n%v", file, got, want)
		}
		for _, k := range want {
			leaf := k[strings.LastIndex(k, ".")+1:]
			if !bytes.Contains(d.Markdown, []byte("| `"+leaf+"` |")) {
				t.Errorf("%s: no row for %s", file, k)
			}
		}
	}
}

func walk(t reflect.Type, prefix string, out *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			continue
		}
		if prefix != "" {
			name = prefix + "." + name
		}
		*out = append(*out, name)
		walk(t.Field(i).Type, name, out)
	}
}

// The header of a written slipway.toml points at config.DocsURL: it must
// name the file this package writes.
func TestDocsURLNamesTheReference(t *testing.T) {
	if !strings.HasSuffix(config.DocsURL, "/docs/config.md") {
		t.Fatalf("config.DocsURL %q does not point at docs/config.md", config.DocsURL)
	}
}
