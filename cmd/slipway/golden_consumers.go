package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/build"
	"github.com/slipway/slipway/internal/golden"
	"github.com/slipway/slipway/internal/workspace"
)

// golden build --consumers: once the golden images are rebuilt, every
// service FROM one of them is regenerated (its Dockerfile pins the new
// locked digest), rebuilt and verified, and one table says which moved to
// a new base and which failed.

// consumerRow is one service FROM a rebuilt golden image.
type consumerRow struct {
	Service string `json:"service"`
	Path    string `json:"path"`
	Golden  string `json:"golden"`
	Key     string `json:"key"`
	Builder string `json:"builder,omitempty"`
	// From is the golden digest the service built FROM before, To the one
	// it builds FROM now.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Moves says whether the rebuild moves the service to a new base:
	// "yes", "no", or "pinned" (base_digest in slipway.toml holds it).
	Moves    string `json:"moves"`
	Generate string `json:"generate"`
	Build    string `json:"build"`
	Verify   string `json:"verify"`
	Digest   string `json:"digest,omitempty"`
	Status   string `json:"status"`
	Code     int    `json:"exit_code"`
	Detail   string `json:"detail,omitempty"`
}

// consumersOptions is what the golden build command passes on.
type consumersOptions struct {
	specDir string
	conn    build.ConnectOptions
	jobs    int
	format  string
}

// consumersRoot is the folder walked for consumers: the workspace's root
// when a workspace file is above the spec folder, else the spec folder's
// parent (golden/ sits at a repository's root).
func consumersRoot(specDir string) (string, *workspace.Workspace) {
	parent := filepath.Dir(filepath.Clean(specDir))
	if ws, err := workspace.Find(parent); err == nil {
		return ws.Root, ws
	}
	return parent, &workspace.Workspace{Root: parent}
}

// usesBefore lists the consumers with the digests they use before the
// golden build (nil when there is no lock yet).
func usesBefore(ctx context.Context, specDir string) map[string]golden.Use {
	root, _ := consumersRoot(specDir)
	lock, err := golden.ReadLock(filepath.Join(specDir, golden.LockFileName))
	if err != nil {
		return nil
	}
	uses, err := golden.Users(ctx, root, lock)
	if err != nil {
		return nil
	}
	out := map[string]golden.Use{}
	for _, u := range uses {
		out[u.Service] = u
	}
	return out
}

// runConsumers rebuilds and verifies the consumers of the images sum built.
func runConsumers(cmd *cobra.Command, o consumersOptions, sum *golden.Summary, before map[string]golden.Use) (int, error) {
	ctx := cmd.Context()
	errw := cmd.ErrOrStderr()
	built := map[string]bool{}
	failed := map[string]string{}
	for _, r := range sum.Results {
		if r.Outcome == golden.Built {
			built[r.Name] = true
		} else {
			failed[r.Name] = string(r.Outcome)
		}
	}
	root, ws := consumersRoot(o.specDir)
	uses, err := golden.Users(ctx, root, sum.Lock)
	if err != nil {
		return exitFailure, err
	}
	addr := build.ResolveAddr(o.conn.Addr)
	pick := newPicker(addr)
	var pass []string
	for flag, v := range map[string]string{"tlscacert": o.conn.CACert, "tlscert": o.conn.Cert, "tlskey": o.conn.Key} {
		if v != "" {
			pass = append(pass, "--"+flag+"="+v)
		}
	}
	slices.Sort(pass)

	var rows []consumerRow
	var tasks []workspace.Task
	for _, u := range uses {
		if !built[u.Golden] && failed[u.Golden] == "" {
			continue // not an image of this run
		}
		dir := path.Dir(u.Service)
		svc := workspace.Service{Name: u.Name, Path: dir}
		if i := slices.IndexFunc(ws.File.Services, func(s workspace.Service) bool { return path.Clean(s.Path) == dir }); i >= 0 {
			svc = ws.File.Services[i]
		}
		if svc.Name == "" {
			svc.Name = path.Base(dir)
		}
		row := consumerRow{Service: svc.Name, Path: dir, Golden: u.Golden, To: u.Locked, Key: ws.KeyOf(svc, "", nil).Label()}
		if b, ok := before[u.Service]; ok {
			row.From = b.Digest
		}
		switch {
		case u.State == golden.UseBehind && !u.FromDockerfile:
			row.Moves = "pinned"
		case row.From == "" || row.From != row.To:
			row.Moves = "yes"
		default:
			row.Moves = "no"
		}
		if why := failed[u.Golden]; why != "" {
			row.Generate, row.Build, row.Verify = "-", "-", "-"
			row.Status, row.Code = "skipped", exitFailure
			row.Detail = fmt.Sprintf("golden %s was not rebuilt (%s)", u.Golden, why)
		}
		rows = append(rows, row)
		tasks = append(tasks, workspace.Task{Service: svc, Key: ws.KeyOf(svc, "", nil)})
	}
	if len(rows) == 0 {
		fmt.Fprintf(errw, "\nno service under %s builds FROM the golden images of this run\n", root)
		return exitOK, nil
	}
	fmt.Fprintf(errw, "\nconsumers: %d service(s) FROM the rebuilt golden images\n", len(rows))
	step := func(ctx context.Context, t workspace.Task, builder string) workspace.Result {
		i := slices.IndexFunc(rows, func(r consumerRow) bool { return r.Path == t.Service.Path })
		row := &rows[i]
		if row.Status == "skipped" {
			return workspace.Result{Status: row.Status, Code: row.Code}
		}
		start := time.Now()
		// Regenerate: the Dockerfile pins the golden image's new digest.
		_, stderr, err := execSub(ctx, newGenerateCmd(), []string{ws.Dir(t.Service)})
		row.Generate = "ok"
		if err != nil {
			row.Generate, row.Build, row.Verify = "failed", "-", "-"
			row.Status, row.Code, row.Detail = "failed", codeOf(ctx, err), firstLineOf(err.Error()+"\n"+stderr)
			return workspace.Result{Status: row.Status, Code: row.Code}
		}
		b := runOne(ctx, allBuild, ws, t.Service, builder, pass, false)
		row.Build, row.Builder, row.Digest = b.Status, builder, b.Digest
		if b.Code != 0 {
			row.Verify = "-"
			row.Status, row.Code, row.Detail = "failed", b.Code, firstLineOf(b.Detail)
			return workspace.Result{Status: row.Status, Code: row.Code, Output: b.Output}
		}
		v := runOne(ctx, allVerify, ws, t.Service, builder, nil, false)
		row.Verify = v.Status
		row.Status, row.Code = "ok", v.Code
		if v.Code != 0 {
			row.Status, row.Detail = "failed", firstLineOf(v.Detail)
			return workspace.Result{Status: row.Status, Code: row.Code, Output: v.Output}
		}
		row.Detail = fmt.Sprintf("rebuilt and verified in %.1fs", time.Since(start).Seconds())
		return workspace.Result{Status: row.Status, Code: row.Code}
	}
	if err := os.MkdirAll(ws.Images(), 0o755); err != nil {
		return exitFailure, err
	}
	results := workspace.Run(ctx, tasks, o.jobs, pick, step, func(r workspace.Result) { serviceBlock(errw, r) })
	code := workspace.Worst(results)
	if o.format == formatJSON {
		if err := goldenJSON(cmd.OutOrStdout(), map[string]any{"golden": sum.Results, "consumers": rows}); err != nil {
			return code, err
		}
	} else {
		writeConsumers(cmd.OutOrStdout(), rows)
	}
	return code, nil
}

func writeConsumers(w io.Writer, rows []consumerRow) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tGOLDEN\tMOVES\tFROM\tTO\tGENERATE\tBUILD\tVERIFY\tSTATUS\tDETAIL")
	moved, bad := 0, 0
	for _, r := range rows {
		if r.Moves == "yes" {
			moved++
		}
		if r.Code != 0 {
			bad++
		}
		fmt.Fprintf(tw, "%s\tgolden:%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", safeCell(r.Service), safeCell(r.Golden), r.Moves,
			shortDigest(r.From), shortDigest(r.To), r.Generate, r.Build, r.Verify, r.Status, safeCell(r.Detail))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d consumer(s): %d move to a new base, %d failed\n", len(rows), moved, bad)
}

// shortDigest is a digest as a table shows it.
func shortDigest(d string) string {
	if d == "" {
		return "-"
	}
	if len(d) > 19 {
		return safeCell(d[:19])
	}
	return safeCell(d)
}

// consumersCode folds the consumers' exit code into golden build's error.
func consumersCode(goldenErr error, code int) error {
	if code == exitOK {
		return goldenErr
	}
	if goldenErr != nil {
		return goldenErr
	}
	if code == exitCanceled {
		return context.Canceled
	}
	return withCode(code, errors.New("golden build --consumers: some services FROM the rebuilt images failed (table above)"))
}
