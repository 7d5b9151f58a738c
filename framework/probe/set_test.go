package probe

import (
	"reflect"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/overhead"
	"github.com/firedrill/firedrill/framework/timeline"
)

// Without control-plane nodes (a managed control plane) the API servers
// and the static pods cannot be observed: both recovery conditions are
// named unobservable, under the names recovery.all reads them by.
func TestUnobservableWithoutControlPlane(t *testing.T) {
	if u := unobservableWithout([]cluster.Node{{Name: "cp1", Role: cluster.RoleControlPlane}}); len(u) != 0 {
		t.Errorf("with a control plane: %v", u)
	}
	u := unobservableWithout(nil)
	if len(u) != 2 {
		t.Fatalf("without a control plane: %v", u)
	}
	for _, x := range u {
		if _, ok := timeline.ConditionParts[x.Condition]; !ok || x.Why == "" {
			t.Errorf("%+v: not a recovery condition timeline knows, or no reason", x)
		}
	}
}

// The probes' requests are named by endpoint: the kubeconfig's server is
// the client endpoint, each API server's own address its node; with one
// API server, the client endpoint is that server.
func TestEndpointsOf(t *testing.T) {
	cfg := &rest.Config{Host: "https://127.0.0.1:40123"}
	one := endpointsOf(cfg, []cluster.Node{{Name: "cp", Address: "172.29.45.2"}})
	want := overhead.Endpoints{Client: "127.0.0.1:40123", Servers: map[string]string{"172.29.45.2:6443": "cp"}, ClientServer: "cp"}
	if !reflect.DeepEqual(one, want) {
		t.Errorf("single master: %+v, want %+v", one, want)
	}
	ha := endpointsOf(cfg, []cluster.Node{{Name: "cp1", Address: "10.0.0.2"}, {Name: "cp2", Address: "10.0.0.3"}})
	if ha.ClientServer != "" || len(ha.Servers) != 2 || ha.Servers["10.0.0.3:6443"] != "cp2" {
		t.Errorf("behind a load balancer: %+v", ha)
	}
}

// A sample of a series another stands for too is recorded under both,
// the same request: the single master's client endpoint answers for its
// one API server without a second request.
func TestRecorderAlso(t *testing.T) {
	rec := NewRecorder(time.Unix(0, 0))
	client := timeline.APISeries(timeline.EndpointClient, ConnReused, ReadEtcd)
	direct := timeline.APISeries("cp", ConnReused, ReadEtcd)
	rec.Also(client, direct)
	rec.Sample(timeline.Sample{Series: client, Start: time.Unix(1, 0), OK: true, Seq: 7})
	rec.Sample(timeline.Sample{Series: timeline.SeriesWorkload, Start: time.Unix(1, 0), OK: true})
	tl := rec.Close(time.Unix(2, 0))
	var series []string
	for _, s := range tl.Samples {
		series = append(series, s.Series)
		if s.Series == direct && (s.Seq != 7 || !s.Start.Equal(time.Unix(1, 0))) {
			t.Errorf("the direct sample is not the client's: %+v", s)
		}
	}
	if want := []string{client, direct, timeline.SeriesWorkload}; !reflect.DeepEqual(series, want) {
		t.Errorf("series %v, want %v", series, want)
	}
}
