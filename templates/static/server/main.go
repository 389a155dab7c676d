// Command slipway-static is the web server of a static site's image: it
// serves the files of one folder over HTTP on an unprivileged port, as
// whatever non-root user the image runs as, from a read-only file system.
// slipway writes this file into the generated Dockerfile with a heredoc and
// builds it in a stage of its own (CGO_ENABLED=0, the standard library
// only), so the final image is a distroless static base, this one binary
// and the site.
//
//	slipway-static -root /app -port 8080                serve /app on :8080
//	slipway-static -root /app -port 8080 -healthcheck   GET / on 127.0.0.1:8080; exit 0 on 2xx
//
// What it serves: GET and HEAD only; a folder's index.html, never a
// listing; nothing whose path has a segment starting with a dot (but the
// root's .well-known, RFC 8615); no file
// outside the root, symbolic links included (os.Root). A path that names no
// file and has no extension is a client-side route of a single-page app and
// gets the root's index.html; anything else missing gets 404.html when the
// site has one. HTML is revalidated on every load; the fingerprinted bundles
// of the usual build tools (assets/, static/, _app/immutable/) are cached
// for a year.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	root := flag.String("root", "/app", "the folder to serve")
	port := flag.Int("port", 8080, "the TCP port to listen on, every address")
	health := flag.Bool("healthcheck", false, "probe the server on 127.0.0.1:PORT and exit 0 when GET / answers 2xx")
	flag.Parse()
	if flag.NArg() > 0 || *port < 1 || *port > 65535 {
		fmt.Fprintln(os.Stderr, "usage: slipway-static [-root DIR] [-port N] [-healthcheck]")
		os.Exit(2)
	}
	if *health {
		if err := probe(fmt.Sprintf("http://127.0.0.1:%d/", *port)); err != nil {
			fmt.Fprintln(os.Stderr, "slipway-static: healthcheck:", err)
			os.Exit(1)
		}
		return
	}
	if err := serve(*root, *port); err != nil {
		fmt.Fprintln(os.Stderr, "slipway-static:", err)
		os.Exit(1)
	}
}

// serve runs the server until SIGTERM or SIGINT, then drains it.
func serve(dir string, port int) error {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer r.Close()
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler(r.FS()),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(os.Stderr, "slipway-static: serving %s on :%d\n", dir, port)
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// handler serves the files of fsys.
func handler(fsys fs.FS) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		clean := path.Clean("/" + r.URL.Path)
		name := strings.TrimPrefix(clean, "/")
		if name == "" {
			name = "index.html"
		}
		for i, seg := range strings.Split(name, "/") {
			if strings.HasPrefix(seg, ".") && (i > 0 || seg != ".well-known") {
				notFound(w, r, fsys)
				return
			}
		}
		if f, file, ok := open(fsys, name); ok {
			send(w, r, f, file, http.StatusOK)
			return
		}
		if path.Ext(name) == "" {
			if f, file, ok := open(fsys, "index.html"); ok {
				send(w, r, f, file, http.StatusOK)
				return
			}
		}
		notFound(w, r, fsys)
	})
}

// open opens a regular file, or a folder's index.html, and returns the
// name of the file opened.
func open(fsys fs.FS, name string) (fs.File, string, bool) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, "", false
	}
	st, err := f.Stat()
	switch {
	case err != nil:
	case st.Mode().IsRegular():
		return f, name, true
	case st.IsDir():
		f.Close()
		if index := path.Join(name, "index.html"); index != name {
			return open(fsys, index)
		}
	}
	f.Close()
	return nil, "", false
}

// notFound answers 404, with the site's 404.html when it has one.
func notFound(w http.ResponseWriter, r *http.Request, fsys fs.FS) {
	if f, _, ok := open(fsys, "404.html"); ok {
		send(w, r, f, "404.html", http.StatusNotFound)
		return
	}
	http.Error(w, "404 page not found", http.StatusNotFound)
}

// send writes one file. A 200 goes through http.ServeContent (ranges,
// conditional requests, the type from the extension); another status is
// written whole.
func send(w http.ResponseWriter, r *http.Request, f fs.File, name string, status int) {
	defer f.Close()
	h := w.Header()
	switch {
	case strings.HasSuffix(name, ".html"):
		h.Set("Cache-Control", "no-cache")
	case immutable(name):
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	default:
		h.Set("Cache-Control", "public, max-age=300")
	}
	st, err := f.Stat()
	rs, seekable := f.(io.ReadSeeker)
	if err != nil || !seekable {
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	if status == http.StatusOK {
		http.ServeContent(w, r, name, st.ModTime(), rs)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, rs)
	}
}

// immutable reports whether a file lives where build tools put their
// content-hashed bundles.
func immutable(name string) bool {
	for _, dir := range []string{"assets/", "static/", "_app/immutable/"} {
		if strings.HasPrefix(name, dir) {
			return true
		}
	}
	return false
}

// probe GETs url and wants a 2xx answer within a few seconds.
func probe(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
