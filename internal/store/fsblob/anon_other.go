//go:build !linux

package fsblob

import (
	"errors"
	"os"
)

var errNoAnon = errors.New("fsblob: unnamed temp files are not supported here")

func openAnon(dir string) (*os.File, error) { return nil, errNoAnon }
func linkAnon(f *os.File, dst string) error { return errNoAnon }
