package lint

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
)

// runScript returns the shell source a RUN executes, or false when it is
// not shell (exec form of another program, a non-shell heredoc script).
func runScript(x *instructions.RunCommand) (string, bool) {
	if !x.PrependShell {
		a := x.CmdLine
		if len(a) >= 3 && isShellBinary(a[0]) && strings.HasPrefix(a[1], "-") && strings.Contains(a[1], "c") {
			return a[2], true
		}
		return "", false
	}
	cmd := strings.Join(x.CmdLine, " ")
	if len(x.Files) == 0 {
		return cmd, true
	}
	if t := strings.TrimSpace(cmd); strings.HasPrefix(t, "<<") && !strings.ContainsAny(t, " \t") {
		data := x.Files[0].Data
		if strings.HasPrefix(data, "#!") {
			first, _, _ := strings.Cut(data, "\n")
			f := strings.Fields(strings.TrimPrefix(first, "#!"))
			if len(f) == 0 || !(isShellBinary(f[0]) || (path.Base(f[0]) == "env" && len(f) > 1 && isShellBinary(f[1]))) {
				return "", false
			}
		}
		return data, true
	}
	var b strings.Builder
	b.WriteString(cmd)
	b.WriteByte('\n')
	for _, f := range x.Files {
		b.WriteString(f.Data)
		if !strings.HasSuffix(f.Data, "\n") {
			b.WriteByte('\n')
		}
		b.WriteString(f.Name)
		b.WriteByte('\n')
	}
	return b.String(), true
}

func isShellBinary(s string) bool {
	return posixShell([]string{s})
}

// execScript is an exec-form RUN as a single call (and, when that call
// is a shell given a script, what the script runs). Each argument is taken
// literally, as a single-quoted word.
func execScript(args []string) *script {
	s := &script{params: map[string]bool{}}
	words := make([]*syntax.Word, len(args))
	for i, a := range args {
		words[i] = &syntax.Word{Parts: []syntax.WordPart{&syntax.SglQuoted{Value: a}}}
	}
	if cl, ok := newCall(words); ok {
		s.addCall(cl, false)
	}
	return s
}

func (c *checker) checkRun(ss *stageState, in *instr, x *instructions.RunCommand) {
	if ss.st.windows || !posixShell(ss.shell) {
		return
	}
	var s *script
	if src, ok := runScript(x); ok {
		if s, ok = parseScript(src); !ok {
			return
		}
	} else if !x.PrependShell {
		s = execScript(x.CmdLine)
	} else {
		return
	}
	line := in.line
	aptCached := false
	for _, m := range runMounts(x) {
		if (m.Type == instructions.MountTypeCache || m.Type == instructions.MountTypeTmpfs) && strings.HasPrefix(path.Clean(m.Target), "/var/lib/apt") {
			aptCached = true
		}
	}

	var (
		aptInstall, aptUpdate, apkInstall, apkUpdate, listsRemoved bool
		sudo, cd                                                   bool
		unpinned                                                   []string
	)
	for _, cl := range s.calls {
		sudo = sudo || cl.sudo
		cd = cd || cl.cd
		switch cl.name {
		case "apt-get", "apt":
			sub, opts, pkgs := splitSub(cl.args, map[string]bool{"-o": true, "-c": true, "-t": true, "--option": true, "--config-file": true, "--target-release": true, "--default-release": true})
			switch sub {
			case "install":
				aptInstall = true
				if !aptYes(opts) {
					c.add("SW140", line, "%s install without -y: the build has no terminal to answer the prompt", cl.name)
				}
				if !hasOpt(opts, "--no-install-recommends") && !hasOptValue(opts, "APT::Install-Recommends=false", "APT::Install-Recommends=0", `APT::Install-Recommends="false"`) {
					c.add("SW141", line, "%s install without --no-install-recommends", cl.name)
				}
				for _, p := range pkgs {
					if !strings.ContainsAny(p, "=$/") && !strings.HasSuffix(p, ".deb") {
						unpinned = append(unpinned, p)
					}
				}
			case "upgrade", "dist-upgrade", "full-upgrade", "build-dep":
				aptInstall = true
			case "update":
				aptUpdate = true
			}
		case "apk":
			sub, opts, pkgs := splitSub(cl.args, map[string]bool{"-t": true, "--virtual": true, "-X": true, "--repository": true, "-p": true, "--root": true, "--arch": true})
			switch sub {
			case "add":
				apkInstall = true
				if !hasOpt(opts, "--no-cache") {
					c.add("SW143", line, "apk add without --no-cache")
				}
				for _, p := range pkgs {
					if !strings.ContainsAny(p, "=~<>$/") && !strings.HasPrefix(p, ".") {
						unpinned = append(unpinned, p)
					}
				}
			case "upgrade":
				apkInstall = true
			case "update":
				apkUpdate = true
			}
		case "yum", "dnf", "microdnf", "tdnf":
			sub, opts, _ := splitSub(cl.args, map[string]bool{"--setopt": false, "-c": true, "--config": true, "--releasever": true, "--enablerepo": false, "--disablerepo": false})
			if sub == "install" || sub == "update" || sub == "upgrade" || sub == "groupinstall" {
				if cl.name != "microdnf" && !hasOpt(opts, "-y", "--assumeyes") && !shortFlag(opts, 'y') {
					c.add("SW140", line, "%s %s without -y: the build has no terminal to answer the prompt", cl.name, sub)
				}
			}
		case "pip", "pip3":
			unpinned = append(unpinned, pipUnpinned(cl.args)...)
		case "python", "python3":
			if len(cl.args) >= 2 && cl.args[0] == "-m" && (cl.args[1] == "pip" || cl.args[1] == "pip3") {
				unpinned = append(unpinned, pipUnpinned(cl.args[2:])...)
			}
		case "npm":
			if len(cl.args) > 0 && (cl.args[0] == "install" || cl.args[0] == "i" || cl.args[0] == "add") && hasOpt(cl.args, "-g", "--global") {
				for _, p := range cl.args[1:] {
					if strings.HasPrefix(p, "-") || strings.Contains(p, "$") {
						continue
					}
					if !strings.Contains(strings.TrimPrefix(p, "@"), "@") {
						unpinned = append(unpinned, p)
					}
				}
			}
		case "rm":
			for _, a := range cl.args {
				if strings.HasPrefix(a, "/var/lib/apt/lists") {
					listsRemoved = true
				}
			}
		case "chmod":
			for _, a := range cl.args {
				if strings.HasPrefix(a, "-") && !strings.ContainsAny(a, "+=") {
					continue
				}
				if setuidMode(a) {
					c.add("SW154", line, "chmod %s sets a setuid/setgid bit", a)
				}
				break
			}
		}
	}
	if sudo {
		c.add("SW146", line, "RUN uses sudo")
	}
	if cd {
		c.add("SW151", line, "RUN changes directory with cd; use WORKDIR")
	}
	if aptInstall && !listsRemoved && !aptCached {
		c.add("SW142", line, "apt-get install without `rm -rf /var/lib/apt/lists/*` in the same RUN")
	}
	if aptUpdate && !aptInstall {
		c.add("SW145", line, "apt-get update without an install in the same RUN: the cached index goes stale")
	}
	if apkUpdate && !apkInstall {
		c.add("SW145", line, "apk update without an add in the same RUN: the cached index goes stale")
	}
	if len(unpinned) > 0 {
		c.add("SW144", line, "unpinned package(s): %s", strings.Join(unpinned, " "))
	}
	ownPipe := len(s.pipes) > 0 && !shellPipefail(ss.shell) && (len(s.pipefail) == 0 || s.pipefail[0] > s.pipes[0])
	if ownPipe || s.innerPipe {
		c.add("SW152", line, "RUN has a pipe but no pipefail: a failing command before | goes unnoticed")
	}
	var used []string
	for p := range s.params {
		if ss.secretArgs[p] {
			used = append(used, p)
		}
	}
	sortStrings(used)
	for _, p := range used {
		c.add("SW132", line, "RUN uses the build argument %s: its value is recorded in the image history", p)
	}
}

// splitSub splits a package manager's arguments into its subcommand, the
// options (with their values) and the operands after the subcommand.
// valued lists the options that take the next word as their value.
func splitSub(args []string, valued map[string]bool) (sub string, opts, operands []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			opts = append(opts, a)
			if valued[a] && i+1 < len(args) {
				i++
				opts = append(opts, args[i])
			}
			continue
		}
		if sub == "" {
			sub = a
			continue
		}
		operands = append(operands, a)
	}
	return sub, opts, operands
}

func hasOpt(opts []string, names ...string) bool {
	for _, o := range opts {
		for _, n := range names {
			if o == n {
				return true
			}
		}
	}
	return false
}

func hasOptValue(opts []string, values ...string) bool {
	for _, o := range opts {
		for _, v := range values {
			if strings.EqualFold(o, v) || strings.EqualFold(strings.TrimPrefix(o, "-o"), v) {
				return true
			}
		}
	}
	return false
}

// shortFlag reports whether a combined short option (-qy) contains f.
func shortFlag(opts []string, f byte) bool {
	for _, o := range opts {
		if len(o) > 1 && o[0] == '-' && o[1] != '-' && !strings.ContainsAny(o, "=:") && strings.IndexByte(o[1:], f) >= 0 {
			return true
		}
	}
	return false
}

func aptYes(opts []string) bool {
	if hasOpt(opts, "-y", "--yes", "--assume-yes", "-qq", "-q=2", "--quiet=2") || shortFlag(opts, 'y') {
		return true
	}
	return hasOptValue(opts, "APT::Get::Assume-Yes=true", "APT::Get::Assume-Yes=1")
}

// pipUnpinned lists the requirements of a pip install that name no version.
func pipUnpinned(args []string) []string {
	if len(args) == 0 || args[0] != "install" {
		return nil
	}
	var out []string
	valued := map[string]bool{"-r": true, "--requirement": true, "-c": true, "--constraint": true, "-e": true, "--editable": true,
		"-i": true, "--index-url": true, "--extra-index-url": true, "-t": true, "--target": true, "--prefix": true, "--root": true, "-f": true, "--find-links": true}
	for i := 1; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if valued[a] {
				i++
			}
			continue
		}
		if strings.ContainsAny(a, "=<>@/$~") || a == "." || strings.HasSuffix(a, ".whl") || strings.HasSuffix(a, ".tar.gz") {
			continue
		}
		out = append(out, a)
	}
	return out
}

// runMounts returns a RUN's --mount flags. BuildKit parses their fields
// only once build arguments can be expanded; an identity expander leaves
// $VARS as written.
func runMounts(x *instructions.RunCommand) []*instructions.Mount {
	if err := x.Expand(func(w string) (string, error) { return w, nil }); err != nil {
		return nil
	}
	return instructions.GetMounts(x)
}
