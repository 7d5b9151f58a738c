package drill

import (
	"slices"
	"testing"
	"time"

	"github.com/firedrill/firedrill/framework/scenario"
)

func phaseNames(s *scenario.Scenario) []string {
	var out []string
	for _, p := range (&drillRun{s: s}).phases() {
		out = append(out, p.name)
	}
	return out
}

// A procedure that restores a snapshot has a backup phase before the
// fault; renew-certificates restores none, so its drill has none; a held
// fault (the flood) holds.
func TestPhasesFollowTheProcedure(t *testing.T) {
	for _, tc := range []struct {
		fault     scenario.Fault
		procedure string
		want      []string
	}{
		{scenario.Fault{Action: "wipe-etcd"}, scenario.ProcedureRestoreEtcd,
			[]string{"prepare", "steady-state", "baseline", "backup", "inject", "restore", "recover"}},
		{scenario.Fault{Action: "expire-serving-certificate"}, scenario.ProcedureRenewCertificates,
			[]string{"prepare", "steady-state", "baseline", "inject", "restore", "recover"}},
		{scenario.Fault{Action: "api-flood", Duration: time.Minute}, "",
			[]string{"prepare", "steady-state", "baseline", "inject", "hold", "recover"}},
	} {
		s := &scenario.Scenario{Fault: tc.fault, Recovery: scenario.Recovery{Procedure: tc.procedure}}
		if got := phaseNames(s); !slices.Equal(got, tc.want) {
			t.Errorf("%s: phases %v, want %v", tc.fault.Action, got, tc.want)
		}
	}
}
