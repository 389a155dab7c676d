// Command checkout totals a cart; money arithmetic comes from the
// repository's shared module.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"

	"shop.example/shared/money"
)

type line struct {
	Price    money.Money `json:"price"`
	Quantity int         `json:"quantity"`
}

func main() {
	port := os.Getenv("CHECKOUT_PORT")
	if port == "" {
		port = "5050"
	}
	http.HandleFunc("POST /total", func(w http.ResponseWriter, r *http.Request) {
		var lines []line
		if err := json.NewDecoder(r.Body).Decode(&lines); err != nil || len(lines) == 0 {
			http.Error(w, "want a JSON list of lines", http.StatusBadRequest)
			return
		}
		total := money.Money{Currency: lines[0].Price.Currency}
		for _, l := range lines {
			var err error
			if total, err = money.Sum(total, money.MultiplySlow(l.Price, l.Quantity)); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"total": total, "display": total.String()})
	})
	http.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	log.Printf("checkout listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
