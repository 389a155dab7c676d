// Command visits counts page views in Redis.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/gomodule/redigo/redis"
)

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	redisAddr := env("REDIS_ADDR", "localhost:6379")
	pool := &redis.Pool{
		MaxIdle:     10,
		IdleTimeout: 240 * time.Second,
		Dial:        func() (redis.Conn, error) { return redis.Dial("tcp", redisAddr) },
	}

	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		conn := pool.Get()
		defer conn.Close()
		n, err := redis.Int(conn.Do("INCR", "visits"))
		if err != nil {
			http.Error(w, "redis: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "Visitor number: %d\n", n)
	})
	// Liveness only: the service is up even while Redis is not.
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })

	port := env("PORT", "8080")
	log.Printf("listening on :%s, redis at %s", port, redisAddr)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
