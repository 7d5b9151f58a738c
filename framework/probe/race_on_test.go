//go:build race

package probe

// handshakeSlowdown is how much slower the race detector makes a TLS
// handshake and a request (five to ten times on 2 cores, up to 110 ms seen): the series' own
// answers after the path's knock take that much longer, the path's edges
// do not.
const handshakeSlowdown = 8
