package timeline

import "fmt"

// excessPods is the most pods the probe Deployment had above its replicas:
// more than it wants means two controllers acted on it at once (e.g. two
// controller-managers, each believing it leads).
func excessPods(obs []ReplicaObservation) result {
	if len(obs) == 0 {
		return unknown(WorkloadExcessPods, "no replica observation")
	}
	var worst ReplicaObservation
	var most int32
	for _, o := range obs {
		if excess := o.Pods - o.Desired; excess > most {
			worst, most = o, excess
		}
	}
	if most == 0 {
		return measured(WorkloadExcessPods, 0, "")
	}
	note := fmt.Sprintf("%d pods for %d replicas at %s", worst.Pods, worst.Desired, worst.ObservedAt.UTC().Format("15:04:05.000"))
	return measured(WorkloadExcessPods, float64(most), note)
}
