//go:build race

package probe

// handshakeSlowdown is how much the race detector (five to ten times
// slower on 2 cores) may delay a series' burst after the path's knock;
// the path's own edges are held to the same 20 ms.
const handshakeSlowdown = 4
