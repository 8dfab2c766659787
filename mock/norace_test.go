//go:build !race

package mock

// raceEnabled: the race detector makes the damaged-file batteries several
// times slower, so they try fewer offsets under it.
const raceEnabled = false
