package timeline

import (
	"fmt"
	"time"
)

const emptyWindowNote = "observation window is empty (end not after start)"

// apiFigures derives the API availability figures from the client series.
func apiFigures(tl Timeline, f fault) []result {
	names := []string{APIDowntimeTotal, APIDowntimeLongest, APIAvailability, APIDetect, APIRecovery}
	o := downOf(tl, isAPIClient)
	if o.samples == 0 {
		return allUnknown(names, "no samples of series "+apiClientPrefix+"*")
	}
	if !tl.End.After(tl.Start) {
		return allUnknown(names, emptyWindowNote)
	}
	ivs := Clip(o.intervals, tl.Start, tl.End)
	down, window := total(ivs), tl.End.Sub(tl.Start)
	return []result{
		measured(APIDowntimeTotal, down.Seconds(), ""),
		measured(APIDowntimeLongest, longest(ivs).Seconds(), ""),
		measured(APIAvailability, 100*(1-float64(down)/float64(window)), ""),
		apiDetect(tl, f),
		outageRecovery(APIRecovery, "API", ivs, o.stillDown, f),
	}
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
	if o.samples == 0 {
		return allUnknown(names, "no samples of series "+SeriesWorkload)
	}
	if !tl.End.After(tl.Start) {
		return allUnknown(names, emptyWindowNote)
	}
	ivs := Clip(o.intervals, tl.Start, tl.End)
	return []result{
		measured(WorkloadDowntimeTotal, total(ivs).Seconds(), ""),
		measured(WorkloadDowntimeLongest, longest(ivs).Seconds(), ""),
		outageRecovery(WorkloadRecovery, SeriesWorkload, ivs, o.stillDown, f),
	}
}

// outageRecovery is when the last outage that reached past the fault ended.
// An outage cut by the window end has not ended, whatever its To says.
func outageRecovery(name, what string, ivs []Interval, stillDown bool, f fault) result {
	if !f.injected {
		return unknown(name, noFault)
	}
	if stillDown {
		return unrecovered(name, what+" still down at end of window")
	}
	var last time.Time
	for _, iv := range ivs {
		if iv.To.After(f.at) {
			last = iv.To
		}
	}
	if last.IsZero() {
		return measured(name, 0, what+" never down after the fault")
	}
	return measured(name, last.Sub(f.at).Seconds(), "")
}

// writeFigures derives the writer's figures. Every write sample is one
// attempt to bump the counter; the read-back after recovery says which
// acknowledged values survived.
func writeFigures(tl Timeline) []result {
	var writes []Sample
	for _, s := range tl.Samples {
		if s.Series == SeriesWrite {
			writes = append(writes, s)
		}
	}
	if len(writes) == 0 {
		return allUnknown([]string{WritesAcknowledged, WritesLost, WritesDowntime}, "no samples of series "+SeriesWrite)
	}
	acked := 0
	for _, s := range writes {
		if answered(s) {
			acked++
		}
	}
	downtime := unknown(WritesDowntime, emptyWindowNote)
	if tl.End.After(tl.Start) {
		down := total(Clip(DownIntervals(writes, tl.End), tl.Start, tl.End))
		downtime = measured(WritesDowntime, down.Seconds(), "")
	}
	return []result{measured(WritesAcknowledged, float64(acked), ""), writesLost(tl.WriteCheck, writes), downtime}
}

func writesLost(check *WriteCheck, writes []Sample) result {
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
	var lost []int64
	acked := 0
	for _, s := range writes {
		if !answered(s) {
			continue
		}
		acked++
		if !seen[s.Seq] {
			lost = append(lost, s.Seq)
		}
	}
	note := fmt.Sprintf("%d acknowledged, %d keys found after recovery", acked, len(check.Seen))
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
