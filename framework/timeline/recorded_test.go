package timeline

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func loadTimeline(t *testing.T, path string) Timeline {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var tl Timeline
	if err := json.Unmarshal(data, &tl); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tl
}

// clock is a time of day on the day of the recorded drills.
func clock(hms string) time.Time {
	tm, err := time.Parse("2006-01-02T15:04:05Z", "2026-03-12T"+hms+"Z")
	if err != nil {
		panic(err)
	}
	return tm
}

func since(from, to string) float64 { return clock(to).Sub(clock(from)).Seconds() }

// A reboot of a single-node kind control plane (docker restart of the node
// container), probed every 100ms from outside through a new connection
// (quorum read), a reused one (cache read) and a NodePort workload, with a
// writer every 250ms. Samples are in the order their answers came back. The
// expected values are written as the instants in the file they come from.
func TestRecordedReboot(t *testing.T) {
	tl := loadTimeline(t, "testdata/reboot.json")
	const inject = "14:03:26.49526"

	// The API is down from the first refused request to the answer of the
	// first quorum read after it came back; the cache read recovered first.
	checkIntervals(t, APIClientDown(tl), []Interval{{From: clock("14:03:26.683894"), To: clock("14:03:46.689338")}})
	checkIntervals(t, SeriesDown(tl, APISeries(EndpointClient, "reused", "cache")),
		[]Interval{{From: clock("14:03:26.68449"), To: clock("14:03:46.085875")}})
	// The workload comes back only when its pod is Ready, after a spell
	// of 1s client timeouts.
	checkIntervals(t, SeriesDown(tl, SeriesWorkload), []Interval{{From: clock("14:03:26.685547"), To: clock("14:03:52.786495")}})

	apiDown := since("14:03:26.683894", "14:03:46.689338")
	checkFigures(t, Derive(tl), want{
		values: map[string]float64{
			APIDowntimeTotal:   apiDown,
			APIDowntimeLongest: apiDown,
			// Over the time every client series was probed: from the
			// first sample of the last series to start.
			APIAvailability: 100 * (1 - apiDown/since("14:03:21.484775", "14:04:06.482913")),
			APIDetect:       since(inject, "14:03:26.684827"),
			APIRecovery:     since(inject, "14:03:46.689338"),

			WorkloadDowntimeTotal:   since("14:03:26.685547", "14:03:52.786495"),
			WorkloadDowntimeLongest: since("14:03:26.685547", "14:03:52.786495"),
			WorkloadRecovery:        since(inject, "14:03:52.786495"),

			// Values 1841..1940 acknowledged, 1940 read back.
			WritesAcknowledged: 100,
			WritesLost:         0,
			WritesDowntime:     since("14:03:26.736021", "14:03:46.744018"),

			// New holders, each after waiting out the old holder's 15s.
			LeaseSchedulerRecovery:            since(inject, "14:04:01.800913"),
			LeaseSchedulerTransitions:         1,
			LeaseControllerManagerRecovery:    since(inject, "14:04:02.549913"),
			LeaseControllerManagerTransitions: 1,

			// ReadySince of each mirror pod after the restart.
			PodEtcdRecovery:              since(inject, "14:03:46"),
			PodAPIServerRecovery:         since(inject, "14:03:48"),
			PodSchedulerRecovery:         since(inject, "14:03:51"),
			PodControllerManagerRecovery: since(inject, "14:03:53"),

			// The heartbeat resumed at 14:03:46.870913, but the node was
			// Ready only from 14:03:50.
			NodeRecovery: since(inject, "14:03:50"),

			RecoveryAll: since(inject, "14:04:02.549913"),
		},
		unmeasured: map[string]string{
			FaultWindow:      "fault has no recover action",
			APIDowntimeError: "fault has no recover action",
		},
	})
}

// lose-zone in the ha suite on kind-ha (2026-11-29): zone-c stopped at
// 02:24:27.638. The writer's HTTP/2 connection (client end
// 127.0.0.1:56886) went through the load balancer to zone-c's API server:
// from the write sent at 02:24:27.909 every write failed on it, until one
// sent at 02:24:38.137 went over a new connection (40600) and was answered
// at 02:24:38.464. The direct series to zone-c's etcd member failed for
// 106 s, on its old connection and then with failed dials: the member's
// outage, not a stuck connection, so it must not count.
func TestRecordedStuckConnection(t *testing.T) {
	tl := loadTimeline(t, "testdata/lose-zone-stuck.json")
	r := connectionStuck(tl)
	first, _ := time.Parse(time.RFC3339Nano, "2026-11-29T02:24:27.909101802Z")
	answer, _ := time.Parse(time.RFC3339Nano, "2026-11-29T02:24:38.46386194Z")
	want := answer.Sub(first).Seconds()
	if !r.Measured || !near(r.Value, want) || !strings.Contains(r.Note, "series write: 41 requests failed on connection 127.0.0.1:56886, served again over 127.0.0.1:40600") {
		t.Errorf("connection.stuck = %v (%v, %q), want %.3f on the writer's connection", r.Value, r.Measured, r.Note, want)
	}
}
