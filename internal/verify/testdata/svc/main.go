// Command svc is a tiny HTTP service for verify's tests: it answers
// /healthz on $PORT (default 8080), checks itself with -healthcheck, and
// with -exit quits at once (a service that crashes on start). For exec
// probes, -getenv KEY prints $KEY (exit 1 when unset) and -write FILE
// creates FILE (exit 1 when it cannot). With $DATA_DIR set, the service
// writes $DATA_DIR/started before it listens, and fails when it cannot.
// -spew N writes N MiB to stdout before it listens, then "svc: spewed".
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	health := flag.Bool("healthcheck", false, "GET /healthz and exit 0 on 200")
	exit := flag.Bool("exit", false, "exit at once with status 3")
	getenv := flag.String("getenv", "", "print this variable; exit 1 when it is unset")
	write := flag.String("write", "", "create this file; exit 1 when that fails")
	spew := flag.Int("spew", 0, "write this many MiB to stdout before listening")
	flag.Parse()
	if *spew > 0 {
		line := []byte(strings.Repeat("spew ", 1<<20/5-1) + "spew\n")[:1<<20]
		line[len(line)-1] = '\n'
		for range *spew {
			if _, err := os.Stdout.Write(line); err != nil {
				os.Exit(1)
			}
		}
		fmt.Println("svc: spewed")
	}
	if *getenv != "" {
		v, ok := os.LookupEnv(*getenv)
		if !ok {
			fmt.Fprintf(os.Stderr, "svc: %s is not set\n", *getenv)
			os.Exit(1)
		}
		fmt.Println(v)
		return
	}
	if *write != "" {
		if err := os.WriteFile(*write, []byte("x\n"), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "svc:", err)
			os.Exit(1)
		}
		return
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	if *exit {
		fmt.Fprintln(os.Stderr, "svc: crashing on purpose")
		os.Exit(3)
	}
	if *health {
		c := http.Client{Timeout: 2 * time.Second}
		r, err := c.Get("http://127.0.0.1:" + port + "/healthz")
		if err != nil || r.StatusCode != 200 {
			fmt.Fprintln(os.Stderr, "unhealthy:", err)
			os.Exit(1)
		}
		return
	}
	if dir := os.Getenv("DATA_DIR"); dir != "" {
		if err := os.WriteFile(dir+"/started", []byte("ok\n"), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "svc:", err)
			os.Exit(1)
		}
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	fmt.Fprintf(os.Stderr, "svc: listening on :%s as uid %d\n", port, os.Getuid())
	if err := http.ListenAndServe(":"+port, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
