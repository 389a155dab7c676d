// Command whoami answers every request with what it saw of it; it listens
// on port 80 unless told otherwise.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"sort"
	"sync/atomic"
)

var healthy atomic.Bool

func getEnv(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

func main() {
	port := flag.String("port", getEnv("WHOAMI_PORT_NUMBER", "80"), "port number")
	name := flag.String("name", os.Getenv("WHOAMI_NAME"), "name to print")
	flag.Parse()
	healthy.Store(true)

	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		host, _ := os.Hostname()
		if *name != "" {
			fmt.Fprintf(w, "Name: %s\n", *name)
		}
		fmt.Fprintf(w, "Hostname: %s\nRemoteAddr: %s\n%s %s %s\nHost: %s\n", host, r.RemoteAddr, r.Method, r.URL, r.Proto, r.Host)
		keys := make([]string, 0, len(r.Header))
		for k := range r.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range r.Header[k] {
				fmt.Fprintf(w, "%s: %s\n", k, v)
			}
		}
	})
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			healthy.Store(r.URL.Query().Get("down") == "")
		}
		if !healthy.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	log.Printf("Starting up on port %s", *port)
	log.Fatal(http.ListenAndServe(":"+*port, nil))
}
