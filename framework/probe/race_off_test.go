//go:build !race

package probe

// handshakeSlowdown: see race_on_test.go.
const handshakeSlowdown = 1
