package config

// DecodeStrict decodes the TOML document src (named name in errors) into v
// the way slipway.toml is decoded: an unknown key, a syntax error or a wrong
// type is a *FieldError (or an *InvalidError joining several) that names
// the file, the line and the key, and lists the keys allowed there. Other
// file formats (golden image specs) use it so that every slipway file fails
// the same way.
func DecodeStrict(name string, src []byte, v any) error {
	return decodeStrict(name, src, v)
}
