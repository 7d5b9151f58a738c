package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/firedrill/firedrill/framework/timeline"
)

func TestZZRenderLatest(t *testing.T) {
	dir := "/work/main/reports/latest"
	var f File
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	tls := map[string]timeline.Timeline{}
	for _, s := range f.Scenarios {
		var tl timeline.Timeline
		b, err := os.ReadFile(filepath.Join(dir, s.Timeline))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &tl); err != nil {
			t.Fatal(err)
		}
		tls[s.Name] = tl
	}
	page, err := HTML(f, tls)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("/tmp/report.html", page, 0o644); err != nil {
		t.Fatal(err)
	}
}
