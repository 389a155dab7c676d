package config

import (
	"reflect"
	"strings"
)

// knownKeys lists, per table path, the TOML keys a struct accepts. It is
// used to tell the user what is allowed next to an unknown key.
func knownKeys(v any) map[string][]string {
	out := map[string][]string{}
	walkKeys(reflect.TypeOf(v), "", out)
	return out
}

func walkKeys(t reflect.Type, prefix string, out map[string][]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("toml"), ",")[0]
		if name == "" || name == "-" {
			continue
		}
		out[prefix] = append(out[prefix], name)
		child := name
		if prefix != "" {
			child = prefix + "." + name
		}
		walkKeys(f.Type, child, out)
	}
}
