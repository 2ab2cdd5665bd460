package server

import "time"

// SetReadHeaderTimeout sets s's ReadHeaderTimeout for the listeners of
// its next ServeListeners call (tests of stalled clients).
func SetReadHeaderTimeout(s *Server, d time.Duration) { s.readHeaderTimeout = d }
