package main

import "net/http"

func main() {
	http.HandleFunc("/health", func(http.ResponseWriter, *http.Request) {})
	_ = http.ListenAndServe(":9090", nil)
}
