// Command productcatalog serves a product catalogue read at start from
// products.json in the working directory.
package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"
)

type Product struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	PriceCents  int64    `json:"priceCents"`
	Categories  []string `json:"categories"`
}

func loadCatalogue() ([]Product, error) {
	b, err := os.ReadFile("products.json")
	if err != nil {
		return nil, err
	}
	var c struct {
		Products []Product `json:"products"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	return c.Products, nil
}

func main() {
	products, err := loadCatalogue()
	if err != nil {
		slog.Error("loading the catalogue", "err", err)
		os.Exit(1)
	}
	slog.Info("catalogue loaded", "products", len(products))

	port := os.Getenv("PORT")
	if port == "" {
		port = "3550"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /products", func(w http.ResponseWriter, r *http.Request) {
		q := strings.ToLower(r.URL.Query().Get("q"))
		var out []Product
		for _, p := range products {
			if q == "" || strings.Contains(strings.ToLower(p.Name+" "+p.Description), q) {
				out = append(out, p)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		for _, p := range products {
			if p.ID == r.PathValue("id") {
				_ = json.NewEncoder(w).Encode(p)
				return
			}
		}
		http.NotFound(w, r)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	slog.Info("listening", "port", port)
	if err := http.ListenAndServe(":"+port, mux); err != nil {
		slog.Error("serve", "err", err)
		os.Exit(1)
	}
}
