package build

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSecret(t *testing.T) {
	tests := []struct {
		in      string
		want    Secret
		wantErr string
	}{
		{in: "id=npm,src=/run/npmrc", want: Secret{ID: "npm", Src: "/run/npmrc"}},
		{in: "id=npm,source=.npmrc", want: Secret{ID: "npm", Src: ".npmrc"}},
		{in: "id=gh,env=GITHUB_TOKEN", want: Secret{ID: "gh", Env: "GITHUB_TOKEN"}},
		{in: "type=env,id=GITHUB_TOKEN", want: Secret{ID: "GITHUB_TOKEN", Env: "GITHUB_TOKEN"}},
		{in: "type=file,id=netrc", want: Secret{ID: "netrc", Src: "netrc"}},
		{in: "type=file,id=netrc,src=/home/me/.netrc", want: Secret{ID: "netrc", Src: "/home/me/.netrc"}},
		{in: "id=bare", want: Secret{ID: "bare"}},
		{in: `"id=a,b",src=x`, want: Secret{ID: "a,b", Src: "x"}},
		{in: "src=/x", wantErr: "missing id="},
		{in: "id=a,src=x,env=Y", wantErr: "not both"},
		{in: "type=vault,id=a", wantErr: `type "vault"`},
		{in: "id=a,file=x", wantErr: `unknown key "file"`},
		{in: "id=a,nokv", wantErr: "not key=value"},
		{in: "type=env,id=a,src=x", wantErr: "type=env takes env="},
		{in: "type=file,id=a,env=X", wantErr: "type=file takes src="},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSecret(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseSecret(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSecret(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseSecret(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseOutput(t *testing.T) {
	tests := []struct {
		in      string
		want    Output
		wantErr string
	}{
		{in: "type=oci,dest=out/image.tar", want: Output{Type: "oci", Dest: "out/image.tar"}},
		{in: "type=oci,dest=img.tar,name=example.com/app:1", want: Output{Type: "oci", Dest: "img.tar", Attrs: map[string]string{"name": "example.com/app:1"}}},
		{in: "type=docker,dest=img.tar", want: Output{Type: "docker", Dest: "img.tar"}},
		{in: "type=local,dest=rootfs", want: Output{Type: "local", Dest: "rootfs"}},
		{in: "type=tar,dest=fs.tar", want: Output{Type: "tar", Dest: "fs.tar"}},
		{in: "rootfs", want: Output{Type: "local", Dest: "rootfs"}},
		{in: "type=image,name=reg/app,push=true", want: Output{Type: "image", Attrs: map[string]string{"name": "reg/app", "push": "true"}}},
		{in: "type=registry,name=reg/app", want: Output{Type: "image", Attrs: map[string]string{"name": "reg/app", "push": "true"}}},
		{in: "TYPE=oci,DEST=a.tar", want: Output{Type: "oci", Dest: "a.tar"}},
		{in: "", wantErr: "empty"},
		{in: "-", wantErr: "stdout is not supported"},
		{in: "type=oci,dest=-", wantErr: "stdout is not supported"},
		{in: "type=oci", wantErr: "needs dest="},
		{in: "dest=a.tar", wantErr: "missing type="},
		{in: "type=cacheonly", wantErr: `unknown type "cacheonly"`},
		{in: "type=image,dest=x", wantErr: "takes no dest="},
		{in: "type=oci,dest=a,junk", wantErr: "not key=value"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseOutput(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseOutput(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseOutput(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseOutput(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestCheckBuildArgs(t *testing.T) {
	refused := []string{"GITHUB_TOKEN", "NPM_TOKEN", "DB_PASSWORD", "db_passwd", "AWS_SECRET_ACCESS_KEY", "API_KEY", "apiKey",
		"SSH_KEY", "KEY", "NPM_AUTH", "OAUTH_CLIENT", "REGISTRY_CREDENTIALS", "githubToken", "PRIVATE_KEY_PEM", "MYSQL_PWD"}
	for _, name := range refused {
		err := CheckBuildArgs(map[string]string{name: "x"})
		if err == nil {
			t.Errorf("build arg %s was accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), "--secret id=") || !strings.Contains(err.Error(), name) {
			t.Errorf("build arg %s: error lacks the --secret hint or the name: %v", name, err)
		}
		if strings.Contains(err.Error(), "=x") {
			t.Errorf("build arg %s: error echoes the value: %v", name, err)
		}
	}
	allowed := []string{"VERSION", "GO_VERSION", "TARGETOS", "AUTHOR", "MONKEY", "KEYBOARD", "BUILDKIT_SYNTAX", "HTTP_PROXY", "COMMIT_SHA"}
	for _, name := range allowed {
		if err := CheckBuildArgs(map[string]string{name: "x"}); err != nil {
			t.Errorf("build arg %s refused: %v", name, err)
		}
	}
}

func TestParseCache(t *testing.T) {
	e, err := parseCache("type=local,src=/tmp/cache")
	if err != nil || e.Type != "local" || e.Attrs["src"] != "/tmp/cache" {
		t.Errorf("local cache = %+v, %v", e, err)
	}
	e, err = parseCache("registry.example/app:cache")
	if err != nil || e.Type != "registry" || e.Attrs["ref"] != "registry.example/app:cache" {
		t.Errorf("bare ref cache = %+v, %v", e, err)
	}
	e, err = parseCache("type=registry,ref=r/app:c,mode=max")
	if err != nil || e.Attrs["mode"] != "max" || e.Attrs["ref"] != "r/app:c" {
		t.Errorf("registry cache = %+v, %v", e, err)
	}
	if _, err := parseCache("src=/x"); err == nil || !strings.Contains(err.Error(), "missing type=") {
		t.Errorf("cache without type: %v", err)
	}
}

// TestCheckBuildArgValues: a credential-shaped value is refused whatever
// its arg's name; the error names the arg and what it looks like, points at
// --secret, and never holds the value.
func TestCheckBuildArgValues(t *testing.T) {
	gh := "ghp_" + strings.Repeat("Qm4n", 9)
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaSJ9." + strings.Repeat("s1Gn", 8)
	for name, v := range map[string]string{
		"GH": gh, "X": "AKIA" + "Z9Y8X7W6V5U4T3S2", "REPO_URL": "https://ci:" + "hunter2hunter2" + "@git.example.com/r.git",
		"CI_JOB": jwt, "IDX": "pypi-AgEIcHlwaS5vcmc" + strings.Repeat("Ab9_", 16), "BUILDKIT_SYNTAX": gh,
		"weird\x1b[2Jname": gh,
	} {
		err := CheckBuildArgs(map[string]string{name: v, "VERSION": "1.2.3"})
		if err == nil {
			t.Errorf("build arg %q with a credential-shaped value was accepted", name)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, v) || strings.Contains(msg, v[len(v)-12:]) {
			t.Errorf("build arg %q: the error holds the value: %s", name, msg)
		}
		if strings.ContainsRune(msg, '\x1b') {
			t.Errorf("build arg %q: the error holds a raw escape: %q", name, msg)
		}
		if !strings.Contains(msg, "--secret id=") || !strings.Contains(msg, "holds what looks like") {
			t.Errorf("build arg %q: error lacks the --secret hint or what it looks like: %s", name, msg)
		}
		if quotable(name) && !strings.Contains(msg, "build arg "+name+" ") {
			t.Errorf("build arg %q: error does not name it: %s", name, msg)
		}
	}
	if err := CheckBuildArgs(map[string]string{"VERSION": "1.2.3", "GOPROXY": "https://proxy.golang.org,direct", "COMMIT_SHA": strings.Repeat("ab12", 10)}); err != nil {
		t.Errorf("ordinary build args refused: %v", err)
	}
}
