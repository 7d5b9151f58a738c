package main

// The providers firedrill ships: each registers its profile block and
// itself (cluster.Register) from its init. Nothing else in the binary
// names them; another provider is one more import here.
import (
	_ "github.com/firedrill/firedrill/framework/cluster/aws"
	_ "github.com/firedrill/firedrill/framework/cluster/kind"
	_ "github.com/firedrill/firedrill/framework/cluster/ssh"
)
