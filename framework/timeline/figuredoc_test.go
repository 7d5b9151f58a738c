package timeline

import (
	"flag"
	"os"
	"strings"
	"testing"
)

// updateDoc rewrites docs/figures.md from the table:
//
//	go test ./framework/timeline -run TestFiguresDoc -update
var updateDoc = flag.Bool("update", false, "rewrite docs/figures.md from the figure table")

// figuresDoc is where the rendered table lives, from this package's folder.
const figuresDoc = "../../docs/figures.md"

// figuresMarkdown renders the figure table for docs/figures.md: every
// figure a budget may name, in the table's order, with its unit, meaning,
// what bounds it from below, what a scenario needs for it and, for a
// recovery figure, the component it is about.
func figuresMarkdown() string {
	var b strings.Builder
	b.WriteString(`# Figures

<!-- Generated from the table Figures in framework/timeline/figure.go: do not edit.
     go test ./framework/timeline -run TestFiguresDoc -update rewrites it; the test fails while it is out of date. -->

Every figure a budget may name (` + "`budgets[].figure`" + `, [scenarios.md](scenarios.md#scenario-fields)), derived
from a drill's timeline by ` + "`framework/timeline`" + `; ` + "`firedrill list figures`" + ` prints the same list. Times
are from the first inject unless the meaning says otherwise. A figure that could not be measured has no value
and a note saying why, and a budget on it fails. How they are measured, and the rules every figure obeys:
[reports.md](reports.md#what-is-measured-and-how).

Columns: the **unit** (` + "`s`" + ` seconds, written as a duration in a budget; ` + "`count`" + `, an integer; ` + "`%`" + `; ` + "`/s`" + `, a number per second); for a
recovery figure the **component** it is about and what "recovered" means for it; the **lower bound**, what
in the cluster's own settings keeps the figure from being beaten (the scenario gives the number,
` + "`lowerBound`" + `); **needs**, what a scenario must have for the figure to exist (a budget on it elsewhere is a
validation error). Every figure regresses by growing, except those marked *higher is better*.

| figure | unit | meaning | component | lower bound | needs |
|---|---|---|---|---|---|
`)
	for _, f := range Figures {
		meaning := f.Meaning
		if f.HigherIsBetter {
			meaning += " (*higher is better*)"
		}
		component := ""
		if f.Component != "" {
			component = f.Component + ": " + f.Recovered
		}
		cells := []string{"`" + f.Name + "`", string(f.Unit), meaning, component, f.LowerBound, string(f.Needs)}
		for i, c := range cells {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String()
}

// docs/figures.md is the figure table as it is: a figure added, renamed or
// explained anew in figure.go fails here until the page is regenerated.
func TestFiguresDoc(t *testing.T) {
	want := figuresMarkdown()
	if *updateDoc {
		if err := os.WriteFile(figuresDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(figuresDoc)
	if err != nil {
		t.Fatalf("%v (go test ./framework/timeline -run TestFiguresDoc -update writes it)", err)
	}
	if string(got) != want {
		t.Errorf("%s is out of date with the table Figures in figure.go: run go test ./framework/timeline -run TestFiguresDoc -update", figuresDoc)
	}
	for _, f := range Figures {
		if !strings.Contains(string(got), "| `"+f.Name+"` |") {
			t.Errorf("%s does not list %s", figuresDoc, f.Name)
		}
	}
}
