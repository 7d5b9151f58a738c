package run_test

// The shipped providers register themselves from their packages' init.
// The runner's tests load the shipped catalog (replay) and a kind profile
// (execute), so the test binary imports them here: in an external test
// package, because the runner itself must not import them (deps_test.go).
import (
	_ "github.com/firedrill/firedrill/framework/cluster/aws"
	_ "github.com/firedrill/firedrill/framework/cluster/kind"
	_ "github.com/firedrill/firedrill/framework/cluster/ssh"
)
