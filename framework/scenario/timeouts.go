package scenario

import (
	"reflect"
	"time"
)

// Timeouts are the harness's own waits and intervals, apart from the
// scenario's (steadyState, probes, recovery): how long one check may take,
// how often waits poll, how long clean-up may take. Each has a default; a
// cluster profile may override any of them (`timeouts:` in its file), the
// way budgetOverrides adjust budgets, so a slow cloud profile can wait
// longer without editing the harness. Zero or absent means the default.
type Timeouts struct {
	// Check bounds one health check (one round of steadyState.checks or
	// recovery.conditions runs each with this deadline).
	Check time.Duration `yaml:"check"`
	// SteadyPoll is the time between two steady-state rounds.
	SteadyPoll time.Duration `yaml:"steadyPoll"`
	// RecoveryPoll is the time between two recovery rounds (and canary
	// creation attempts).
	RecoveryPoll time.Duration `yaml:"recoveryPoll"`
	// Progress is the time between two progress lines of the recovery wait.
	Progress time.Duration `yaml:"progress"`
	// LiftFault bounds lifting a held fault on an exit path.
	LiftFault time.Duration `yaml:"liftFault"`
	// ReadBack bounds reading the writer's counter back after recovery;
	// ReadBackInterrupted after Ctrl-C, when the user is waiting.
	ReadBack            time.Duration `yaml:"readBack"`
	ReadBackInterrupted time.Duration `yaml:"readBackInterrupted"`
	// Cleanup bounds removing the drill's probe objects.
	Cleanup time.Duration `yaml:"cleanup"`
	// KillGone bounds the wait for a killed process to disappear (the
	// kill's evidence); BootID for a rebooted node to tell its new boot.
	KillGone time.Duration `yaml:"killGone"`
	BootID   time.Duration `yaml:"bootID"`
	// Release bounds deleting the run's clusters at its end.
	Release time.Duration `yaml:"release"`
}

// DefaultTimeouts are the values measured to fit kind on a 2-core machine
// with room to spare.
func DefaultTimeouts() Timeouts {
	return Timeouts{
		Check:               3 * time.Second,
		SteadyPoll:          time.Second,
		RecoveryPoll:        500 * time.Millisecond,
		Progress:            5 * time.Second,
		LiftFault:           2 * time.Minute,
		ReadBack:            30 * time.Second,
		ReadBackInterrupted: 5 * time.Second,
		Cleanup:             30 * time.Second,
		KillGone:            10 * time.Second,
		BootID:              30 * time.Second,
		Release:             5 * time.Minute,
	}
}

// With is t with every field o sets (non-zero) taken from o.
func (t Timeouts) With(o *Timeouts) Timeouts {
	if o == nil {
		return t
	}
	tv, ov := reflect.ValueOf(&t).Elem(), reflect.ValueOf(o).Elem()
	for i := range tv.NumField() {
		if d := ov.Field(i).Interface().(time.Duration); d != 0 {
			tv.Field(i).Set(ov.Field(i))
		}
	}
	return t
}

// Timeouts are the defaults with the profile's overrides.
func (c *Catalog) Timeouts(profile string) Timeouts {
	p, ok := c.Profiles[profile]
	if !ok {
		return DefaultTimeouts()
	}
	return DefaultTimeouts().With(p.Timeouts)
}
