package report

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/firedrill/firedrill/framework/record"
)

// Read loads a run's report from its folder: report.json and each drill's
// timeline.json, the files Write wrote; a timeline kept gzipped
// (timeline.json.gz, as recorded runs are kept in the repository) is read
// as well.
func Read(dir string) (*Run, error) {
	var f File
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "report.json"), err)
	}
	r := &Run{ID: f.Run, Dir: dir, Started: f.Started, Finished: f.Finished}
	for _, s := range f.Scenarios {
		// A report is data: its names and paths are checked before they
		// name any file.
		if err := checkName(s); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "report.json"), err)
		}
		if s.TimelineFile != "" {
			if !filepath.IsLocal(s.TimelineFile) {
				return nil, fmt.Errorf("%s: drill %s: timeline %q is not a path inside the run's folder", filepath.Join(dir, "report.json"), s.Name, s.TimelineFile)
			}
			path, data, err := readTimeline(filepath.Join(dir, s.TimelineFile))
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(data, &s.Timeline); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
		r.Drills = append(r.Drills, s)
	}
	return r, nil
}

// readTimeline reads a timeline file, or the same file gzipped (path.gz)
// when path is not there; a path ending in .gz is gunzipped. It returns
// the path it read.
func readTimeline(path string) (string, []byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !strings.HasSuffix(path, ".gz") {
		if gz, gzErr := os.ReadFile(path + ".gz"); gzErr == nil {
			path, data, err = path+".gz", gz, nil
		}
	}
	if err != nil || !strings.HasSuffix(path, ".gz") {
		return path, data, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return path, nil, fmt.Errorf("%s: %w", path, err)
	}
	defer zr.Close()
	if data, err = io.ReadAll(zr); err != nil {
		return path, nil, fmt.Errorf("%s: %w", path, err)
	}
	return path, data, nil
}

// Merge reads the runs in dirs (CI shards) and writes them as one run in
// out: every drill with its timeline, summary.md and report.html over all
// of them. A folder without report.json is skipped, and a report seen
// twice (a "latest" link copied beside its target) counts once. Drills of the
// same name from several runs are named by the run each came from
// (record.Drill.From: "reboot-master@20261206-082529"). It returns the
// merged run; Pass says whether every drill passed.
func Merge(out string, dirs []string) (*Run, bool, error) {
	merged := &Run{ID: "merged", Dir: out}
	// A folder is the same run as another when its report.json is the
	// same: two merged reports share the id "merged", not their drills,
	// and a replay of a run is another report of it.
	seen := map[[sha256.Size]byte]bool{}
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, "report.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		sum := sha256.Sum256(data)
		if seen[sum] {
			continue
		}
		seen[sum] = true
		r, err := Read(dir)
		if err != nil {
			return nil, false, err
		}
		if merged.Started.IsZero() || r.Started.Before(merged.Started) {
			merged.Started = r.Started
		}
		merged.Finished = maxTime(merged.Finished, r.Finished)
		for _, d := range r.Drills {
			// Each drill keeps the run it came from, also when its
			// report predates the recorded environment.
			if d.Environment == nil {
				d.Environment = &record.Environment{Run: r.ID}
			}
			merged.Drills = append(merged.Drills, d)
		}
	}
	if len(merged.Drills) == 0 {
		return nil, false, fmt.Errorf("no report.json in %v", dirs)
	}
	nameByRun(merged.Drills)
	slices.SortStableFunc(merged.Drills, func(a, b record.Drill) int { return a.Started.Compare(b.Started) })
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, false, err
	}
	if err := Write(merged); err != nil {
		return nil, false, err
	}
	pass := true
	for _, d := range merged.Drills {
		pass = pass && d.Verdict == record.VerdictPass
	}
	return merged, pass, nil
}

// nameByRun names each drill whose name and attempt another drill has too
// by the run it came from (From), so two shards' reboot-master read
// "reboot-master@20261206-082529" and "reboot-master@20261206-091012",
// not a bare name and a number. Keys stay unique when the runs' names
// do not tell them apart (one run's drills merged twice, by way of two
// merged reports): a number follows the run ("...@20261206-082529-2").
func nameByRun(drills []record.Drill) {
	count := map[string]int{}
	for i := range drills {
		drills[i].From = ""
		count[drills[i].Key()]++
	}
	keys := map[string]bool{}
	for i := range drills {
		d := &drills[i]
		if count[d.Key()] > 1 {
			d.From = runLabel(d.Environment.Run)
		}
		from := cmp.Or(d.From, "run")
		for n := 2; keys[d.Key()]; n++ {
			d.From = fmt.Sprintf("%s-%d", from, n)
		}
		keys[d.Key()] = true
	}
}

// runLabel is a run's id as a part of a folder's name: a DNS-1123 label
// (run ids are, "20261206-082529"; one read from someone else's report
// may not be).
func runLabel(id string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(id) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if len(s) > 50 {
		s = strings.TrimSuffix(s[:50], "-")
	}
	if s == "" {
		return "run"
	}
	return s
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
