package golden

import "github.com/slipway/slipway/internal/goldenlock"

// The lock lives in internal/goldenlock so that service generation can read
// it without importing the build machinery; these names keep golden's code
// reading as before.
type (
	Lock      = goldenlock.Lock
	LockEntry = goldenlock.LockEntry
)

// LockVersion is the format version of golden.lock.
const LockVersion = goldenlock.LockVersion

// ReadLock reads a lock file; a missing file is an empty lock.
func ReadLock(path string) (*Lock, error) { return goldenlock.ReadLock(path) }

// FindLock looks for golden/golden.lock in dir and its parents.
func FindLock(dir string) (string, error) { return goldenlock.FindLock(dir) }
