// Command shipping quotes shipping costs and ships orders.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
)

type item struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

func main() {
	port := "50051"
	if p := os.Getenv("PORT"); p != "" {
		port = p
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /quote", func(w http.ResponseWriter, r *http.Request) {
		var items []item
		if err := json.NewDecoder(r.Body).Decode(&items); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		n := 0
		for _, it := range items {
			n += it.Quantity
		}
		_ = json.NewEncoder(w).Encode(quoteFor(n))
	})
	mux.HandleFunc("POST /ship", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"trackingId": trackingID(r.RemoteAddr)})
	})
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ready\n")) })
	log.Printf("shipping service listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, mux))
}
