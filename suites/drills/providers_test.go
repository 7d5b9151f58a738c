package drills

// The providers the suite's profiles use: each registers its profile
// block and itself from its init (cmd/firedrill/providers.go lists the
// same).
import (
	_ "github.com/firedrill/firedrill/framework/cluster/aws"
	_ "github.com/firedrill/firedrill/framework/cluster/kind"
	_ "github.com/firedrill/firedrill/framework/cluster/ssh"
)
