// Package sbomtest validates SBOMs against the official CycloneDX JSON
// schema (kept under internal/sbom/testdata/cyclonedx), for the tests of
// every package that makes or reads one.
package sbomtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaDir is the folder of the schema files.
func SchemaDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "cyclonedx")
}

// ValidateJSON checks doc against the CycloneDX 1.6 JSON schema and the
// schemas it references. Only tests call it: slipway does not ship the
// schema.
func ValidateJSON(doc []byte) error {
	dir := SchemaDir()
	c := jsonschema.NewCompiler()
	for _, f := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return err
		}
		s, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+f, s); err != nil {
			return err
		}
	}
	c.AssertFormat()
	sch, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}
