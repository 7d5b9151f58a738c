package record

// Environment is where and with what a drill ran: what a release manager
// needs before trusting a figure, and what tells two runs' figures apart
// when reports from several machines or CI shards are merged.
type Environment struct {
	// Run is the id of the run the drill was part of; it stays the same
	// when the drill is merged into another report.
	Run      string `json:"run"`
	Provider string `json:"provider"`
	Profile  string `json:"profile"`
	// KubernetesVersion is the API server's own (discovery), not the
	// profile's wish.
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	Nodes             []Node `json:"nodes,omitempty"`
	// Firedrill is the harness's version and Commit its source commit,
	// with "-dirty" when the work tree had changes.
	Firedrill string  `json:"firedrill"`
	Commit    string  `json:"commit,omitempty"`
	Machine   Machine `json:"machine"`
	// Error says what of the above could not be read.
	Error string `json:"error,omitempty"`
}

// Node is one node of the cluster as the API listed it before the drill.
type Node struct {
	Name    string `json:"name"`
	Role    string `json:"role"` // control-plane or worker
	Kubelet string `json:"kubelet,omitempty"`
}

// Machine is the machine the harness ran on: its figures include the
// harness's own latency, so a 2-core laptop and a CI runner differ.
type Machine struct {
	Hostname    string `json:"hostname"`
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	CPUs        int    `json:"cpus"`
	MemoryBytes int64  `json:"memoryBytes,omitempty"`
	Go          string `json:"go"`
	// CI names the CI job when there is one (GitHub Actions: repository,
	// workflow and run id).
	CI string `json:"ci,omitempty"`
}
