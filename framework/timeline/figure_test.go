package timeline

import "testing"

// The figure table is the one list: every name once, a unit and a meaning
// each, and every recovery figure recovery.all takes names its component.
func TestFigureTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Figures {
		if seen[f.Name] {
			t.Errorf("%s twice in Figures", f.Name)
		}
		seen[f.Name] = true
		if f.Unit == "" || f.Meaning == "" {
			t.Errorf("%s: unit %q, meaning %q", f.Name, f.Unit, f.Meaning)
		}
	}
	for _, name := range recoveryParts {
		if info, ok := Info(name); !ok || info.Component == "" || info.Recovered == "" {
			t.Errorf("recovery part %s has no component in the table: %+v", name, info)
		}
	}
	if _, ok := Info("no.such.figure"); ok {
		t.Error("Info found a figure that does not exist")
	}
}
