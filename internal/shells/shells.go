// Package shells is slipway's one list of shell programs: the names golden's
// distroless mode removes and audits for, that image facts, scan and verify
// look for in an image, that generate's preflight refuses on a shell-less
// base, that lint's shell rules parse, and that the lab's distroless
// stand-ins are stripped of.
package shells

import (
	"path"
	"strings"
)

// Shell is one shell program.
type Shell struct {
	Name string
	// POSIX is true for the shells that read sh syntax (with their own
	// extensions): lint parses the scripts they are given.
	POSIX bool
}

// All are the shells slipway knows, by their program name. busybox is a
// multi-call binary whose "sh" applet is a shell; callers that parse a
// command line look at the applet it is given.
var All = []Shell{
	{"sh", true}, {"bash", true}, {"dash", true}, {"rbash", true}, {"ash", true}, {"busybox", false},
	{"zsh", true}, {"ksh", true}, {"mksh", true}, {"csh", false}, {"tcsh", false}, {"fish", false},
}

// Names are the program names of All, in its order.
var Names = func() []string {
	out := make([]string, len(All))
	for i, s := range All {
		out[i] = s.Name
	}
	return out
}()

// BinDirs are the directories (without a leading /) a shell is looked for in.
var BinDirs = []string{"bin/", "usr/bin/", "sbin/", "usr/sbin/", "usr/local/bin/"}

// Is reports whether prog (a name or a slash-separated path) names a shell.
func Is(prog string) bool {
	_, ok := lookup(prog)
	return ok
}

// IsPOSIX reports whether prog (a name or a slash-separated path) names a
// shell that reads sh syntax.
func IsPOSIX(prog string) bool {
	s, ok := lookup(prog)
	return ok && s.POSIX
}

func lookup(prog string) (Shell, bool) {
	base := path.Base(prog)
	for _, s := range All {
		if s.Name == base {
			return s, true
		}
	}
	return Shell{}, false
}

// Paths are every shell in every bin directory, as absolute paths, the
// directories' order first: the files distroless mode deletes and that
// an image is searched for.
func Paths() []string {
	var out []string
	for _, dir := range BinDirs {
		for _, sh := range Names {
			out = append(out, "/"+dir+sh)
		}
	}
	return out
}

// Summary says in one line which files Paths names, for a message.
func Summary() string {
	dirs := make([]string, len(BinDirs))
	for i, d := range BinDirs {
		dirs[i] = "/" + strings.TrimSuffix(d, "/")
	}
	return strings.Join(Names, ", ") + " in " + strings.Join(dirs, ", ")
}
