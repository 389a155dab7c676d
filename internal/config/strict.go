package config

import "github.com/slipway/slipway/internal/tomlx"

// DecodeStrict decodes the TOML document src (named name in errors) into v
// the way slipway.toml is decoded (internal/tomlx): a syntax error, every
// wrong type and every unknown key come back together as an *InvalidError
// of *FieldErrors naming the file, the line and the key.
func DecodeStrict(name string, src []byte, v any) error {
	_, err := tomlx.Decode(name, src, v)
	return err
}
