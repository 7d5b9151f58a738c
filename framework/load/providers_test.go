package load_test

// The shipped catalog's profiles name every shipped provider, and loading
// it (TestDefaultDrills) needs their registrations, which their packages'
// init make: in an external test package, so that framework/load itself
// links no provider.
import (
	_ "github.com/firedrill/firedrill/framework/cluster/aws"
	_ "github.com/firedrill/firedrill/framework/cluster/kind"
	_ "github.com/firedrill/firedrill/framework/cluster/ssh"
)
