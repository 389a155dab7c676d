// Command frontend is a small storefront: it renders the pages in templates/
// and serves static/ from the working directory, both read at run time.
package main

import (
	"fmt"
	"html/template"
	"log"
	"net/http"
	"os"

	"github.com/gorilla/mux"
)

type product struct {
	ID, Name string
	Cents    int
}

var catalogue = []product{
	{"OLJCESPC7Z", "Sunglasses", 1999},
	{"66VCHSJNUP", "Tank top", 1899},
	{"1YMWWN1N4O", "Watch", 10999},
}

func main() {
	// Parsed at start: a missing templates/ folder is fatal here, as in
	// the service this follows.
	tmpl := template.Must(template.New("").Funcs(template.FuncMap{
		"money": func(c int) string { return fmt.Sprintf("$%d.%02d", c/100, c%100) },
	}).ParseGlob("templates/*.html"))

	port := "8080"
	if p := os.Getenv("PORT"); p != "" {
		port = p
	}

	r := mux.NewRouter()
	r.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		if err := tmpl.ExecuteTemplate(w, "home", catalogue); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}).Methods(http.MethodGet)
	r.HandleFunc("/product/{id}", func(w http.ResponseWriter, req *http.Request) {
		id := mux.Vars(req)["id"]
		for _, p := range catalogue {
			if p.ID == id {
				_ = tmpl.ExecuteTemplate(w, "product", p)
				return
			}
		}
		http.NotFound(w, req)
	}).Methods(http.MethodGet)
	r.PathPrefix("/static/").Handler(http.StripPrefix("/static/", http.FileServer(http.Dir("./static/"))))
	r.HandleFunc("/_healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })

	log.Printf("frontend listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, r))
}
