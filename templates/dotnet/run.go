package dotnet

import (
	"fmt"
	"strings"

	"github.com/slipway/slipway/internal/provider"
)

// runCommand records how the published project runs: `dotnet <Assembly>.dll`
// from /app, the assembly named by <AssemblyName> when it differs from the
// project file's name (the template's default names the file), and, for
// an ASP.NET Core project (Sdk Microsoft.NET.Sdk.Web), that the image sets
// ASPNETCORE_HTTP_PORTS to port, where Kestrel listens.
func runCommand(d *provider.Detector, p csproj, assembly string) {
	stem := strings.TrimSuffix(d.R.Main, ".csproj")
	if assembly != "" && assembly != stem && provider.SanitizeName(assembly) != "" && !strings.ContainsAny(assembly, " /\\\"'$") {
		d.R.Entrypoint = []string{"dotnet", "/app/" + assembly + ".dll"}
		d.R.Found("entrypoint", fmt.Sprintf(`["dotnet", "/app/%s.dll"]`, assembly), "%s <AssemblyName>%s</AssemblyName>: dotnet publish names the entry assembly after it", d.R.Main, assembly)
	} else {
		d.R.Note(fmt.Sprintf("run: dotnet /app/%s.dll, the entry assembly dotnet publish writes for %s", stem, d.R.Main))
	}
	if strings.EqualFold(strings.TrimSpace(p.Sdk), "Microsoft.NET.Sdk.Web") {
		d.R.Framework = "aspnetcore"
		d.R.Found("framework", "aspnetcore", "%s Sdk=\"Microsoft.NET.Sdk.Web\": ASPNETCORE_HTTP_PORTS is set to port, where Kestrel listens", d.R.Main)
	}
}
