package main

import (
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/colour"
)

// colourValue is --color: a value other than auto, always or never is
// refused when the flag is parsed (exit 2).
type colourValue struct{ m colour.Mode }

func (v *colourValue) String() string { return string(v.m) }
func (v *colourValue) Type() string   { return "when" }
func (v *colourValue) Set(s string) error {
	m, err := colour.ParseMode(s)
	if err != nil {
		return err
	}
	v.m = m
	return nil
}

// addColourFlag gives every command --color=auto|always|never.
func addColourFlag(root *cobra.Command) {
	root.PersistentFlags().Var(&colourValue{m: colour.Auto}, "color",
		"colour severities and results: auto (on a terminal, unless NO_COLOR is set), always or never")
}

// paletteFor is the palette for text that cmd writes to w, by --color.
func paletteFor(cmd *cobra.Command, w io.Writer) *colour.Palette {
	m := colour.Auto
	if f := cmd.Flag("color"); f != nil {
		if v, ok := f.Value.(*colourValue); ok {
			m = v.m
		}
	}
	return colour.For(w, m, os.Getenv)
}
