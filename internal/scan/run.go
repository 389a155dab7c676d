package scan

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/slipway/slipway/internal/colour"
	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/goldenlock"
	"github.com/slipway/slipway/internal/image"
	tarlayer "github.com/slipway/slipway/internal/layer"
	"github.com/slipway/slipway/internal/report"
	"github.com/slipway/slipway/internal/rules"
	"github.com/slipway/slipway/internal/textsafe"
)

// RunOptions is `slipway scan`.
type RunOptions struct {
	// Image is a registry reference, an OCI layout directory or tarball,
	// or a docker save tarball.
	Image string
	// Format is text, json or sarif; Severity the lowest severity that
	// fails the run (default warning).
	Format, Severity string
	// Team is the team file; "" finds the nearest slipway-team.toml above
	// Dir (default the current directory).
	Team, Dir string
	// GoldenLock is golden.lock to check the base against ("" = no check).
	GoldenLock string
	// Insecure allows plain HTTP to a non-loopback registry.
	Insecure bool
	Version  string // slipway's version, for SARIF
	// Palette colours the text report's severities (nil: plain).
	Palette *colour.Palette
	// Limits bound the walk over the layers (--max-unpacked-size, ...).
	Limits tarlayer.Limits

	Out, Err io.Writer
}

// RunResult is what Run found.
type RunResult struct {
	*Result
	// Failed is true when a finding is at or above the threshold.
	Failed   bool
	Duration time.Duration
	// SBOMs are the image's SBOM attestations, read back.
	SBOMs []SBOM
}

// Run is `slipway scan`: open the image, scan it, print the report.
func Run(ctx context.Context, o RunOptions) (*RunResult, error) {
	threshold, format, err := report.ParseFlags(o.Severity, o.Format)
	if err != nil {
		return nil, err
	}
	if o.Err == nil {
		o.Err = io.Discard
	}
	notes := o.Out // what is not the report goes where it cannot break JSON
	if format != "text" {
		notes = o.Err
	}
	dir := o.Dir
	if dir == "" {
		dir = "."
	}
	team, teamFile, err := config.FindTeam(dir, o.Team)
	if err != nil {
		return nil, errdefs.Invalid(err)
	}
	team.WriteNotices(o.Err, teamFile)
	var lock *goldenlock.Lock
	if o.GoldenLock != "" {
		if _, err := os.Stat(o.GoldenLock); err != nil {
			return nil, errdefs.Invalid(fmt.Errorf("--golden-lock: %w", err))
		}
		if lock, err = goldenlock.ReadLock(o.GoldenLock); err != nil {
			return nil, errdefs.Invalid(err)
		}
	}

	start := time.Now()
	ro := image.Options{Insecure: o.Insecure}
	src, err := image.Open(ctx, o.Image, ro)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errdefs.Invalid(err)
	}
	defer src.Close()
	atts, err := ReadAttestations(ctx, o.Image, ro)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errdefs.Invalid(err)
	}
	res, err := Image(ctx, src, Options{Name: o.Image, Team: team, Golden: lock, Remote: ro, Limits: o.Limits, Attestations: atts})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errdefs.Invalid(fmt.Errorf("scanning %s: %w", o.Image, err))
	}
	took := time.Since(start)
	fmt.Fprintf(notes, "%s: %s, %d layers, %d files, %s unpacked; scanned in %s\n\n",
		textsafe.String(o.Image), textsafe.String(res.Digest), res.Layers, res.Files, human(res.Bytes), took.Round(time.Millisecond))
	sboms := SBOMs(atts)
	writeSBOMs(notes, sboms)
	if len(sboms) > 0 {
		fmt.Fprintln(notes)
	}
	rep := &report.Report{Tool: "slipway", ToolVersion: o.Version, Files: []string{o.Image}, Findings: res.Findings, Rules: Rules(), Palette: o.Palette}
	if err := report.Write(o.Out, format, rep); err != nil {
		return nil, err
	}
	return &RunResult{Result: res, Failed: rules.Fails(res.Findings, threshold), Duration: took, SBOMs: sboms}, nil
}
