// Package pool spreads builds over several BuildKit daemons. It places each
// build by consistent hashing of a stable key (the repository's identity,
// the service's path in it, the target and the platform: never an absolute
// path, so every checkout and every CI runner agrees) on a ring of the
// daemons, with bounded load (no daemon takes more than ceil(c*n/k) of a
// batch of n builds over k daemons), falls over to the next daemon on the
// ring when one is down or refuses, retries a build lost to a dying daemon
// once on another, and sends a build for a platform to a daemon whose
// workers run it natively when there is one.
//
// Placement follows Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing
// with Bounded Loads" (2016): a key walks the ring clockwise from its hash
// and takes the first daemon that is below the cap.
package pool

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"sort"
	"strconv"
)

// Replicas is how many points each daemon has on the ring; more points
// spread keys more evenly.
const Replicas = 160

// DefaultBalance is c in the load cap ceil(c*n/k): 1.25 lets a daemon take
// a quarter more than an even share before its keys spill to the next.
const DefaultBalance = 1.25

type point struct {
	hash uint64
	node int
}

// Ring is a consistent-hash ring of daemon addresses. Its points depend
// only on the addresses, so the same addresses give the same ring in every
// process.
type Ring struct {
	nodes  []string
	points []point
}

// NewRing places Replicas points per address. Duplicate addresses count
// once; the order of addrs does not matter.
func NewRing(addrs []string) *Ring {
	seen := map[string]bool{}
	r := &Ring{}
	for _, a := range addrs {
		if seen[a] {
			continue
		}
		seen[a] = true
		r.nodes = append(r.nodes, a)
	}
	sort.Strings(r.nodes)
	for i, a := range r.nodes {
		for v := range Replicas {
			r.points = append(r.points, point{hash: hash64(a + "#" + strconv.Itoa(v)), node: i})
		}
	}
	sort.Slice(r.points, func(i, j int) bool {
		if r.points[i].hash != r.points[j].hash {
			return r.points[i].hash < r.points[j].hash
		}
		return r.points[i].node < r.points[j].node
	})
	return r
}

// Nodes are the ring's addresses, sorted.
func (r *Ring) Nodes() []string { return append([]string(nil), r.nodes...) }

// Order lists every address once, in the order key meets them walking the
// ring clockwise from its hash: the first is the key's home, the others its
// failover order.
func (r *Ring) Order(key string) []string {
	if len(r.nodes) == 0 {
		return nil
	}
	h := hash64(key)
	i := sort.Search(len(r.points), func(i int) bool { return r.points[i].hash >= h })
	out := make([]string, 0, len(r.nodes))
	seen := make([]bool, len(r.nodes))
	for n := 0; n < len(r.points) && len(out) < len(r.nodes); n++ {
		p := r.points[(i+n)%len(r.points)]
		if !seen[p.node] {
			seen[p.node] = true
			out = append(out, r.nodes[p.node])
		}
	}
	return out
}

// Cap is the bounded-load limit: ceil(c*n/k) builds of a batch of n over k
// daemons (at least 1).
func Cap(c float64, n, k int) int {
	if k <= 0 {
		return 0
	}
	if c < 1 {
		c = 1
	}
	m := int(math.Ceil(c * float64(n) / float64(k)))
	return max(m, 1)
}

// Assign places a batch of keys with bounded load: each key takes the first
// daemon in its ring order that eligible allows (nil: all) and that holds
// fewer than Cap(c, n, k) keys, k being the eligible daemons of that key.
// A key that no daemon allows takes its home regardless. Keys are placed in
// sorted order, so the same batch gets the same placement in every run.
// Duplicate keys are placed once.
func (r *Ring) Assign(keys []string, c float64, eligible func(key, addr string) bool) map[string]string {
	uniq := map[string]bool{}
	var sorted []string
	for _, k := range keys {
		if !uniq[k] {
			uniq[k] = true
			sorted = append(sorted, k)
		}
	}
	sort.Strings(sorted)
	out := make(map[string]string, len(sorted))
	load := map[string]int{}
	// The cap counts, for each set of eligible daemons, the keys that
	// share it: a key for a platform only two daemons run is capped over
	// those two.
	groups := map[string]int{}
	groupOf := func(k string) (string, int) {
		var g []byte
		n := 0
		for _, a := range r.nodes {
			if eligible == nil || eligible(k, a) {
				g = append(g, a...)
				g = append(g, 0)
				n++
			}
		}
		return string(g), n
	}
	kinds := map[string]string{}
	sizes := map[string]int{}
	for _, k := range sorted {
		g, n := groupOf(k)
		kinds[k], sizes[g] = g, n
		groups[g]++
	}
	for _, k := range sorted {
		g := kinds[k]
		order := r.Order(k)
		if sizes[g] == 0 {
			out[k] = order[0]
			load[order[0]]++
			continue
		}
		limit := Cap(c, groups[g], sizes[g])
		placed := false
		for _, a := range order {
			if eligible != nil && !eligible(k, a) {
				continue
			}
			if load[a] < limit {
				out[k], placed = a, true
				load[a]++
				break
			}
		}
		if !placed { // every eligible daemon is full (other groups filled them)
			for _, a := range order {
				if eligible == nil || eligible(k, a) {
					out[k] = a
					load[a]++
					break
				}
			}
		}
	}
	return out
}

func hash64(s string) uint64 {
	h := sha256.Sum256([]byte(s))
	return binary.BigEndian.Uint64(h[:8])
}
