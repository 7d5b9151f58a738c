package underload

// The load suite's drills run on kind (load.DefaultDrills); the kind
// provider registers its profile block and itself from its init. The
// catalog names the other shipped providers' profiles too, and loading it
// needs their registrations.
import (
	_ "github.com/firedrill/firedrill/framework/cluster/aws"
	_ "github.com/firedrill/firedrill/framework/cluster/kind"
	_ "github.com/firedrill/firedrill/framework/cluster/ssh"
)
