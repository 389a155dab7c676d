// Command links serves a page of links; its templates and static files are
// embedded in the binary.
package main

import (
	"embed"
	"html/template"
	"io/fs"
	"log"
	"net/http"
	"os"
)

//go:embed web/templates/*.html
var templateFS embed.FS

//go:embed web/static
var staticFS embed.FS

var links = []struct{ Title, URL string }{
	{"Go", "https://go.dev"},
	{"BuildKit", "https://github.com/moby/buildkit"},
}

func main() {
	tmpl := template.Must(template.ParseFS(templateFS, "web/templates/*.html"))
	static, err := fs.Sub(staticFS, "web/static")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		if err := tmpl.ExecuteTemplate(w, "index.html", links); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Printf("links on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, mux))
}
