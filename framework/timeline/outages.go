package timeline

import (
	"fmt"
	"slices"
	"time"
)

const emptyWindowNote = "observation window is empty (end not after start)"

// usable says whether a group of series can support figures at all, and if
// not, the names all unmeasured with the reason: nothing probed, an empty
// window, or a probe that stopped early (a probe failure is no answer about
// the cluster, so it must not read as "up").
func usable(names []string, o outage, tl Timeline, none string) ([]result, bool) {
	switch {
	case o.samples == 0:
		rs := allUnknown(names, none)
		for i := range rs {
			rs[i].notProbed = true
		}
		return rs, false
	case !tl.End.After(tl.Start):
		return allUnknown(names, emptyWindowNote), false
	case o.probeFailure() != "":
		return allUnknown(names, o.probeFailure()), false
	}
	if from, to := o.window(tl); !to.After(from) {
		return allUnknown(names, "no sample inside the observation window"), false
	}
	return nil, true
}

// apiFigures derives the API availability figures from the client series.
// Availability counts only the time every client series was probed: time
// before a series' first sample is not up, it is unknown.
func apiFigures(tl Timeline, f fault) []result {
	names := []string{APIDowntimeTotal, APIDowntimeLongest, APIAvailability, APIDetect, APIRecovery, APIDowntimeStalled}
	o := downOf(tl, isAPIClient)
	if rs, ok := usable(names, o, tl, "no samples of series "+apiClientPrefix+"*"); !ok {
		return rs
	}
	from, to := o.window(tl)
	ivs := Clip(o.intervals, from, to)
	down, window := total(ivs), to.Sub(from)
	stalled := measured(APIDowntimeStalled, total(Clip(o.stalled, from, to)).Seconds(), "")
	if !hasSeries(tl, SeriesControl) {
		stalled = unknown(APIDowntimeStalled, "no samples of series "+SeriesControl)
		stalled.notProbed = true
	}
	downtime, availability := measured(APIDowntimeTotal, down.Seconds(), ""),
		measured(APIAvailability, 100*(1-float64(down)/float64(window)), coverageNote(tl, from))
	if why := probedTooLittle(tl, from, to); why != "" {
		downtime, availability = unknown(APIDowntimeTotal, why), unknown(APIAvailability, why)
	}
	return []result{
		downtime,
		measured(APIDowntimeLongest, longest(ivs).Seconds(), ""),
		availability,
		apiDetect(tl, f),
		outageRecovery(APIRecovery, "API", ivs, o, f),
		stalled,
	}
}

func hasSeries(tl Timeline, series string) bool {
	return slices.ContainsFunc(tl.Samples, func(s Sample) bool { return s.Series == series })
}

// MinProbedShare is the share of the observation window an availability
// figure (a percentage or a downtime total judged over the window) must
// have had probed: below it, the figure is not measured, since the time
// not probed could have held any outage.
const MinProbedShare = 0.9

// unprobedGrace is unprobed time no window is judged short of: the
// probes' own start (every series' first sample comes some 100 ms after
// the window opens, more on a loaded machine), which in a drill's window of
// a minute is a few percent and in a test's window of a second is most of
// the 10 % MinProbedShare leaves.
const unprobedGrace = time.Second

// probedTooLittle says why an availability figure probed over [from, to)
// is judged on too little of the window, or "".
func probedTooLittle(tl Timeline, from, to time.Time) string {
	window, probed := tl.End.Sub(tl.Start), to.Sub(from)
	if window <= 0 || window-probed <= unprobedGrace {
		return ""
	}
	share := float64(probed) / float64(window)
	if share >= MinProbedShare {
		return ""
	}
	return fmt.Sprintf("probed %.1fs of a %.1fs window (%.0f%%), below %.0f%%",
		probed.Seconds(), window.Seconds(), 100*share, 100*MinProbedShare)
}

// windowDowntime is an outage's total downtime over its probed window, as
// the figure name: not measured when the window was probed too little
// (probedTooLittle).
func windowDowntime(name string, tl Timeline, o outage) result {
	from, to := o.window(tl)
	if why := probedTooLittle(tl, from, to); why != "" {
		return unknown(name, why)
	}
	return measured(name, total(Clip(o.intervals, from, to)).Seconds(), "")
}

// coverageNote says when the probes started later than the window.
func coverageNote(tl Timeline, from time.Time) string {
	if d := from.Sub(tl.Start); d > 0 {
		return fmt.Sprintf("over %.3fs probed of a %.3fs window (the first %.3fs had no sample of every series)",
			tl.End.Sub(from).Seconds(), tl.End.Sub(tl.Start).Seconds(), d.Seconds())
	}
	return ""
}

// apiDetect is how long after the fault a client first got a failure back.
// A request that hangs is only a failure once it returns, so the End counts.
func apiDetect(tl Timeline, f fault) result {
	if !f.injected {
		return unknown(APIDetect, noFault)
	}
	var first time.Time
	for _, s := range tl.Samples {
		if !isAPIClient(s.Series) || answered(s) || s.End.Before(f.at) {
			continue
		}
		if first.IsZero() || s.End.Before(first) {
			first = s.End
		}
	}
	if first.IsZero() {
		return unknown(APIDetect, "API never seen down after the fault")
	}
	return measured(APIDetect, first.Sub(f.at).Seconds(), "")
}

// workloadFigures derives the data-plane figures from the workload series.
func workloadFigures(tl Timeline, f fault) []result {
	names := []string{WorkloadDowntimeTotal, WorkloadDowntimeLongest, WorkloadRecovery}
	o := downOf(tl, func(s string) bool { return s == SeriesWorkload })
	if rs, ok := usable(names, o, tl, "no samples of series "+SeriesWorkload); !ok {
		return rs
	}
	from, to := o.window(tl)
	ivs := Clip(o.intervals, from, to)
	downtime := measured(WorkloadDowntimeTotal, total(ivs).Seconds(), "")
	if why := probedTooLittle(tl, from, to); why != "" {
		downtime = unknown(WorkloadDowntimeTotal, why)
	}
	return []result{
		downtime,
		measured(WorkloadDowntimeLongest, longest(ivs).Seconds(), ""),
		outageRecovery(WorkloadRecovery, SeriesWorkload, ivs, o, f),
	}
}

// outageRecovery is when the last outage that reached past the fault ended:
// the moment after which the series held up until the end. An outage cut
// by the window end has not ended, whatever its To says; a group with no
// sample after the fault, or first probed after it, says nothing about the
// recovery.
func outageRecovery(name, what string, ivs []Interval, o outage, f fault) result {
	if !f.injected {
		return unknown(name, noFault)
	}
	if !o.last.After(f.at) {
		return unknown(name, "no sample of "+what+" after the fault")
	}
	if o.from.After(f.at) {
		return unknown(name, fmt.Sprintf("%s first probed %.1fs after the fault", what, o.from.Sub(f.at).Seconds()))
	}
	if o.stillDown {
		return unrecovered(name, what+" still down at end of window")
	}
	var last time.Time
	for _, iv := range ivs {
		if iv.To.After(f.at) {
			last = later(last, iv.To)
		}
	}
	if last.IsZero() {
		return measured(name, 0, what+" never down after the fault")
	}
	return measured(name, last.Sub(f.at).Seconds(), "")
}

// writeFigures derives the writer's figures. Every write sample is one
// attempt to add a key; the read-back after recovery says which
// acknowledged keys survived.
func writeFigures(tl Timeline, f fault) []result {
	names := []string{WritesAcknowledged, WritesLost, WritesDowntime, WritesDetect}
	o := downOf(tl, func(s string) bool { return s == SeriesWrite })
	if rs, ok := usable(names, o, tl, "no samples of series "+SeriesWrite); !ok {
		return rs
	}
	var writes []Sample
	acked := 0
	for _, s := range tl.Samples {
		if s.Series == SeriesWrite {
			writes = append(writes, s)
			if answered(s) {
				acked++
			}
		}
	}
	return []result{measured(WritesAcknowledged, float64(acked), ""), writesLost(tl, writes, acked), windowDowntime(WritesDowntime, tl, o),
		writesDetect(writes, f)}
}

// writesDetect is how long after the fault a write first failed: when a
// client that writes noticed, which a fault that leaves reads alone (etcd
// out of space) shows nowhere else. A write that hangs fails when it
// returns.
func writesDetect(writes []Sample, f fault) result {
	if !f.injected {
		return unknown(WritesDetect, noFault)
	}
	var first Sample
	for _, s := range writes {
		if answered(s) || s.End.Before(f.at) {
			continue
		}
		if first.End.IsZero() || s.End.Before(first.End) {
			first = s
		}
	}
	if first.End.IsZero() {
		return unknown(WritesDetect, "no write failed after the fault")
	}
	return measured(WritesDetect, first.End.Sub(f.at).Seconds(), first.Error)
}

// writesLost counts the acknowledged writes missing after recovery. With no
// write acknowledged there is nothing that could have been lost, and
// nothing proven: 0 of 0 is no pass. After a restore from a snapshot, the
// writes the snapshot could not hold (inRPOWindow) are counted apart, in
// writes.rpo; every other acknowledged write must be there.
func writesLost(tl Timeline, writes []Sample, acked int) result {
	check := tl.WriteCheck
	if acked == 0 {
		return unknown(WritesLost, fmt.Sprintf("no write acknowledged (0 of %d attempts): nothing to check", len(writes)))
	}
	if check == nil {
		return unknown(WritesLost, "counter not read back after recovery")
	}
	if check.Error != "" {
		return unknown(WritesLost, "counter read-back failed: "+check.Error)
	}
	seen := make(map[int64]bool, len(check.Seen))
	for _, n := range check.Seen {
		seen[n] = true
	}
	restore, _ := restoreStart(tl)
	var lost []int64
	window := 0
	for _, s := range writes {
		switch {
		case !answered(s) || seen[s.Seq]:
		case inRPOWindow(s, tl.Snapshot, restore):
			window++
		default:
			lost = append(lost, s.Seq)
		}
	}
	note := fmt.Sprintf("%d acknowledged, %d keys found after recovery", acked, len(check.Seen))
	if window > 0 {
		note += fmt.Sprintf("; %d more missing were acknowledged after the snapshot (%s)", window, WritesRPO)
	}
	if len(lost) > 0 {
		note += fmt.Sprintf("; lost: %v", lost[:min(len(lost), 10)])
	}
	return measured(WritesLost, float64(len(lost)), note)
}

func allUnknown(names []string, note string) []result {
	rs := make([]result, len(names))
	for i, name := range names {
		rs[i] = unknown(name, note)
	}
	return rs
}

// countNote is "3 stalls" or "".
func countNote(n int, what string) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
