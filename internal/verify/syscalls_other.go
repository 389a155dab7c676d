//go:build !amd64

package verify

// syscallsAMD64 is empty off x86_64: learning a profile needs the
// architecture's system call table, and slipway carries only x86_64's.
var syscallsAMD64 = map[int]string{}
