//go:build !unix

package nb

import (
	"io/fs"
	"os"
)

// openNoBlock opens path read-only; systems without named pipes in the file
// system cannot block here.
func openNoBlock(path string) (*os.File, error) { return os.Open(path) }

// owned reports whether fi belongs to the current user; without Unix
// ownership the directory is taken as the user's own.
func owned(fs.FileInfo) bool { return true }

// tryLock takes no lock where flock is not available: concurrent runs are
// then checked by the owner test alone.
func tryLock(*os.File) (bool, error) { return true, nil }

func unlockFile(*os.File) {}
