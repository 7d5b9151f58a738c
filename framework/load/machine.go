package load

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// cpuTimes are the machine's CPU times, all cores together, in the
// kernel's ticks: busy is everything but idle and iowait.
type cpuTimes struct{ busy, total uint64 }

// readCPUTimes reads the first line of /proc/stat ("cpu user nice system
// idle iowait irq softirq steal ..."); false where there is none (not
// Linux), and the load test then judges by the hog's own CPU alone.
func readCPUTimes() (cpuTimes, bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuTimes{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return cpuTimes{}, false
	}
	t, err := parseCPULine(sc.Text())
	return t, err == nil
}

func parseCPULine(line string) (cpuTimes, error) {
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return cpuTimes{}, fmt.Errorf("not the machine's cpu line: %q", line)
	}
	var t cpuTimes
	// Guest time is already counted in user and nice.
	for i, f := range fields[1:min(len(fields), 9)] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return cpuTimes{}, fmt.Errorf("field %d of %q: %w", i+2, line, err)
		}
		t.total += v
		if i != 3 && i != 4 { // idle, iowait
			t.busy += v
		}
	}
	return t, nil
}

// busyBetween is the share of the machine's CPU time that was busy from a
// to b, in [0, 1]; false when no time passed.
func busyBetween(a, b cpuTimes) (float64, bool) {
	if b.total <= a.total || b.busy < a.busy {
		return 0, false
	}
	return float64(b.busy-a.busy) / float64(b.total-a.total), true
}
