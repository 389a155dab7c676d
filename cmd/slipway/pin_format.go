package main

import (
	"encoding/json"
	"io"

	"github.com/slipway/slipway/internal/pin"
	"github.com/slipway/slipway/internal/textsafe"
)

// pinJSON is `slipway pin --format json`: what a scheduled CI job reads to
// open an update (the exit code stays the one of the text output).
type pinJSON struct {
	Config string `json:"config"`
	Base   string `json:"base"`
	Ref    string `json:"ref"`
	// Pinned is base_digest before the run ("" when unpinned); Digest the
	// one the registry serves now.
	Pinned string `json:"pinned"`
	Digest string `json:"digest"`
	// Moved is true when they differ; Written when slipway.toml was
	// rewritten (never with --check).
	Moved   bool `json:"moved"`
	Written bool `json:"written"`
}

func writePinJSON(w io.Writer, res *pin.Result, check bool) error {
	b, err := json.MarshalIndent(pinJSON{
		Config: res.Config, Base: res.Base, Ref: res.Ref, Pinned: res.Old, Digest: res.New,
		Moved: res.Changed, Written: res.Changed && !check,
	}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(textsafe.JSON(b), '\n'))
	return err
}
