package labels

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	f, err := Parse("single-master && (calibration || reboot)")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		labels []string
		want   bool
	}{
		{[]string{"single-master", "reboot"}, true},
		{[]string{"single-master"}, false},
		{[]string{"ha", "calibration"}, false},
	} {
		if got := f.Match(tc.labels); got != tc.want {
			t.Errorf("Match(%v) = %v, want %v", tc.labels, got, tc.want)
		}
	}
	if f.String() != "single-master && (calibration || reboot)" {
		t.Errorf("String() = %q", f.String())
	}
	if _, err := Parse("ha &&"); err == nil || !strings.Contains(err.Error(), `labels "ha &&"`) {
		t.Errorf("Parse(\"ha &&\") err = %v, want one naming the labels", err)
	}
}
