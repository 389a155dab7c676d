package debindex

import (
	"bytes"
	"compress/gzip"
	"reflect"
	"testing"
)

func TestParseSources(t *testing.T) {
	list := "# comment\ndeb http://deb.debian.org/debian bookworm main\ndeb [signed-by=/k.gpg arch=amd64] http://deb.debian.org/debian-security bookworm-security main contrib\ndeb-src http://x y z\n"
	got := ParseSources("/etc/apt/sources.list", []byte(list))
	want := []Source{
		{URI: "http://deb.debian.org/debian", Suite: "bookworm", Components: []string{"main"}},
		{URI: "http://deb.debian.org/debian-security", Suite: "bookworm-security", Components: []string{"main", "contrib"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("one-line: %+v", got)
	}
	deb822 := "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\n"
	got = ParseSources("/etc/apt/sources.list.d/debian.sources", []byte(deb822))
	if len(got) != 3 || !got[2].Security() || got[0].Security() || got[1].Security() {
		t.Fatalf("deb822: %+v", got)
	}
	if u := got[2].PackagesURLs("amd64"); len(u) != 1 || u[0] != "http://deb.debian.org/debian-security/dists/bookworm-security/main/binary-amd64/Packages.gz" {
		t.Fatalf("urls %v", u)
	}
}

// Versions compare as dpkg compares them: deb12u10 is after deb12u9, a
// tilde sorts before anything, an epoch wins.
func TestNewer(t *testing.T) {
	const packages = "Package: libc6\nVersion: 2.36-9+deb12u10\nArchitecture: amd64\n\nPackage: libc6\nVersion: 2.36-9+deb12u7\nArchitecture: amd64\n\nPackage: tzdata\nVersion: 2024a-0+deb12u1~pre1\nArchitecture: all\n\nPackage: openssl\nVersion: 1:3.0.0-1\nArchitecture: arm64\n\nPackage: zlib1g\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(packages))
	zw.Close()
	for _, data := range [][]byte{[]byte(packages), gz.Bytes()} {
		idx, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Newer([]Installed{
			{Name: "libc6", Version: "2.36-9+deb12u9", Arch: "amd64"},
			{Name: "tzdata", Version: "2024a-0+deb12u1", Arch: "all"},
			{Name: "openssl", Version: "3.0.11-1~deb12u2", Arch: "amd64"},
			{Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Arch: "amd64"},
		}, idx, "u")
		if err != nil {
			t.Fatal(err)
		}
		want := []Update{{Package: "libc6", Installed: "2.36-9+deb12u9", Available: "2.36-9+deb12u10", Index: "u"}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Newer = %+v, want %+v", got, want)
		}
	}
}
