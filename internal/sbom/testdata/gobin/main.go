// gobin is a small program the sbom tests build: a Go binary whose build
// info lists modules (packageurl-go) with versions.
package main

import (
	"fmt"

	"github.com/package-url/packageurl-go"
)

func main() {
	fmt.Println(packageurl.NewPackageURL("golang", "example.com", "x", "v1.0.0", nil, "").ToString())
}
