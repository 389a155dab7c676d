// Package shells is slipway's one list of shell programs: the names golden's
// distroless mode removes and audits for, that the image facts, scan and the
// lint rules recognise, and the bin directories a shell is looked for in.
package shells

import (
	"path"
	"slices"
)

// Names are the program names of shells, as they appear in a bin directory.
var Names = []string{"sh", "bash", "dash", "rbash", "ash", "busybox", "zsh", "ksh", "mksh", "csh", "tcsh", "fish"}

// BinDirs are the directories (without a leading /) a shell is looked for in.
var BinDirs = []string{"bin/", "usr/bin/", "sbin/", "usr/sbin/", "usr/local/bin/"}

// Is reports whether prog (a name or a path) names a shell.
func Is(prog string) bool { return slices.Contains(Names, path.Base(prog)) }

// Paths are every shell in every bin directory, as absolute paths: the
// files distroless mode deletes.
func Paths() []string {
	var out []string
	for _, dir := range BinDirs {
		for _, sh := range Names {
			out = append(out, "/"+dir+sh)
		}
	}
	return out
}
