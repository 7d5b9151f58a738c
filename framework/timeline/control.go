package timeline

// SeriesControl is the harness watching itself: a listener inside the
// harness process on loopback, sampled at the same rate and with the same
// deadline as the cluster. It does not depend on the cluster at all, so
// when it fails too, the harness was stalled (CPU starvation on a small
// machine, a GC pause, the host's network stack), not the cluster.
const SeriesControl = "harness/control"

// HarnessStalls is when the control series was down, within the window:
// the harness could not probe in time, whatever the cluster did. These
// windows are kept out of every downtime of the cluster and reported apart.
func HarnessStalls(tl Timeline) []Interval {
	var ctl []Sample
	for _, s := range tl.Samples {
		if s.Series == SeriesControl {
			ctl = append(ctl, s)
		}
	}
	if len(ctl) == 0 {
		return nil
	}
	return Clip(DownIntervals(ctl, tl.End), tl.Start, tl.End)
}

// harnessFigures are the harness's own stalls.
func harnessFigures(tl Timeline) []result {
	o := downOf(tl, func(s string) bool { return s == SeriesControl })
	if o.samples == 0 {
		r := unknown(HarnessStallTotal, "no samples of series "+SeriesControl+" (recorded before the harness watched itself)")
		r.notProbed = true
		return []result{r}
	}
	if pf := o.probeFailure(); pf != "" {
		return []result{unknown(HarnessStallTotal, pf)}
	}
	stalls := HarnessStalls(tl)
	return []result{measured(HarnessStallTotal, total(stalls).Seconds(), countNote(len(stalls), "stall"))}
}
