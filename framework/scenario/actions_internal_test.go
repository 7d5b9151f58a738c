package scenario

import "testing"

// Every procedure recovers one registered action, and a scenario that
// names it after another is told which (the actions are registered by
// actions_test.go's import of framework/fault).
func TestEveryProcedureRecoversAnAction(t *testing.T) {
	for _, p := range Procedures {
		if len(recoveredBy(p)) == 0 || procedureRecovers[p] == "" {
			t.Errorf("procedure %s recovers %q, described %q", p, recoveredBy(p), procedureRecovers[p])
		}
	}
}

// What an action registers with the format is checked when the program
// starts, not when a scenario first names it.
func TestRegisterActionRefusesMistakes(t *testing.T) {
	for name, needs := range map[string]FaultAction{
		"reboot": {},                                           // registered already
		"melt-a": {Procedure: "pray"},                          // unknown procedure
		"melt-b": {Procedure: ProcedureRestoreEtcd},            // wipe-etcd's
		"melt-c": {Component: ComponentEtcd},                   // takes no component
		"melt-d": {NeedsComponent: true, Component: "kubelet"}, // unknown component
		"melt-e": {Role: "master"},                             // unknown role
		"":       {NeedsDuration: true},                        // no name
	} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("%q %+v registered", name, needs)
				}
			}()
			RegisterAction(name, needs)
		}()
		if _, ok := LookupAction(name); ok && name != "reboot" {
			t.Errorf("%q was registered though refused", name)
		}
	}
	if got, _ := LookupAction("reboot"); got != (FaultAction{}) {
		t.Errorf("reboot's needs changed by a refused registration: %+v", got)
	}
}
