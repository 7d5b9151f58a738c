package fault

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/firedrill/firedrill/framework/journal"
	"github.com/firedrill/firedrill/framework/scenario"
	"github.com/firedrill/firedrill/framework/timeline"
)

// floodServer answers LISTs as an API server under APF would: every
// third request refused with 429; it remembers who asked and what.
type floodServer struct {
	*httptest.Server
	n       atomic.Int64
	authz   atomic.Value
	refused atomic.Int64
}

func newFloodServer(t *testing.T) *floodServer {
	s := &floodServer{}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.authz.Store(r.Header.Get("Authorization"))
		if s.n.Add(1)%3 == 0 {
			s.refused.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","code":429}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"kind":"ConfigMapList","apiVersion":"v1","items":[]}`))
	}))
	t.Cleanup(s.Close)
	return s
}

// The admin's configuration of the test server: its CA, and a client
// certificate the flood must not send.
func (s *floodServer) adminConfig() *rest.Config {
	return &rest.Config{Host: s.URL, BearerToken: "admin-token",
		TLSClientConfig: rest.TLSClientConfig{CAData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})}}
}

// The flood counts every request once, the 429s apart (no client-side
// retry hides one), sends as the ServiceAccount only, to the host it was
// given, and stops by itself at its deadline.
func TestRunFloodCountsItsOwnRejections(t *testing.T) {
	s := newFloodServer(t)
	cfg := floodConfig(s.adminConfig(), "flood-token")
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	first := make(chan struct{})
	start := time.Now()
	got := runFlood(ctx, cfg, 4, floodPaths, first)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the flood ran %s past its 700 ms deadline", took)
	}
	select {
	case <-first:
	default:
		t.Error("first was not closed at the first answer")
	}
	if got.Requests == 0 || got.Requests != got.OK+got.Rejected+got.Errors {
		t.Errorf("counts %+v do not add up", got)
	}
	// Requests the deadline cut are not counted; the server saw them.
	if n := s.n.Load(); int64(got.Requests) > n || int64(got.Rejected) > s.refused.Load() || got.Rejected == 0 {
		t.Errorf("counted %d requests, %d rejected; the server saw %d, refused %d", got.Requests, got.Rejected, n, s.refused.Load())
	}
	if got.Errors != 0 {
		t.Errorf("errors %d: %s", got.Errors, got.Error)
	}
	if a := s.authz.Load(); a != "Bearer flood-token" {
		t.Errorf("the flood sent Authorization %q, want the ServiceAccount's token only", a)
	}
	if got.Host != s.URL || got.User != "system:serviceaccount:firedrill-flood:flood" || got.Workers != 4 {
		t.Errorf("flood %+v", got)
	}
	if got.LatencyP99 < got.LatencyP50 || got.LatencyP50 <= 0 {
		t.Errorf("latencies p50 %v p99 %v", got.LatencyP50, got.LatencyP99)
	}
}

func TestFloodConfigDropsTheAdminsCredentials(t *testing.T) {
	admin := &rest.Config{Host: "https://10.0.0.1:6443", BearerToken: "admin", Username: "u", Password: "p",
		TLSClientConfig: rest.TLSClientConfig{CAData: []byte("ca"), CertData: []byte("cert"), KeyData: []byte("key")}}
	cfg := floodConfig(admin, "sa")
	if cfg.Host != admin.Host || string(cfg.CAData) != "ca" {
		t.Errorf("not the probes' endpoint and CA: %+v", cfg)
	}
	if cfg.BearerToken != "sa" || cfg.Username != "" || cfg.Password != "" || cfg.CertData != nil || cfg.KeyData != nil {
		t.Errorf("the admin's credentials reach the flood: %+v", cfg)
	}
	if cfg.RateLimiter == nil {
		t.Fatal("client-go's default limiter would hold the flood back")
	}
	for range 10 * floodQPS {
		if !cfg.RateLimiter.TryAccept() {
			t.Fatalf("client-go's limiter (%T) holds the flood back", cfg.RateLimiter)
		}
	}
}

// The identity is made, seeded and given a token, and removed again; an
// object of the same name that is not firedrill's is left alone.
func TestFloodIdentityMadeAndRemoved(t *testing.T) {
	cs := floodClientset()
	ctx := context.Background()
	token, err := makeFlood(ctx, cs, time.Minute)
	if err != nil || token != "t0k" {
		t.Fatalf("token %q, %v", token, err)
	}
	cms, _ := cs.CoreV1().ConfigMaps(floodNamespace).List(ctx, metav1.ListOptions{})
	if len(cms.Items) != floodSeed {
		t.Errorf("%d ConfigMaps seeded, want %d", len(cms.Items), floodSeed)
	}
	role, err := cs.RbacV1().ClusterRoles().Get(ctx, floodRole, metav1.GetOptions{})
	if err != nil || len(role.Rules) != 1 || !slices.Equal(role.Rules[0].Verbs, []string{"list"}) || slices.Contains(role.Rules[0].Resources, "secrets") {
		t.Errorf("cluster role %+v, %v: list of pods and ConfigMaps only", role, err)
	}
	if err := removeFlood(ctx, cs); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, floodNamespace, metav1.GetOptions{}); err == nil {
		t.Error("the namespace is left")
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Get(ctx, floodRole, metav1.GetOptions{}); err == nil {
		t.Error("the binding is left")
	}
	// Removed again (clean after Recover): nothing to do.
	if err := removeFlood(ctx, cs); err != nil {
		t.Errorf("second removal: %v", err)
	}
	// Made again over what an earlier flood left (its role and binding):
	// they go first.
	left := floodClientset(
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: floodRole, Labels: floodLabels()}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: floodRole, Labels: floodLabels()}})
	if _, err := makeFlood(ctx, left, time.Minute); err != nil {
		t.Errorf("made over an earlier flood's objects: %v", err)
	}
	foreign := fake.NewClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: floodNamespace}})
	if err := removeFlood(ctx, foreign); err == nil {
		t.Error("a namespace that is not firedrill's was taken for the flood's")
	}
	if _, err := foreign.CoreV1().Namespaces().Get(ctx, floodNamespace, metav1.GetOptions{}); err != nil {
		t.Errorf("a namespace that is not firedrill's was deleted: %v", err)
	}
	if _, err := makeFlood(ctx, foreign, time.Minute); err == nil {
		t.Error("the flood was made beside a namespace that is not firedrill's")
	}
}

// Recover stops the flood, hands its counts to the timeline and closes
// the journal; a second Recover does nothing.
func TestAPIFloodInjectAndRecover(t *testing.T) {
	s := newFloodServer(t)
	dir := t.TempDir()
	f, err := New(scenario.Fault{Action: ActionAPIFlood, Duration: time.Minute}, scenario.DefaultTimeouts(), journal.NewBook(dir, "kind", "c1", "api-flood"))
	if err != nil {
		t.Fatal(err)
	}
	cs := floodClientset()
	fl := f.(*apiFlood)
	fl.admin = func(*rest.Config) (kubernetes.Interface, error) { return cs, nil }
	c := newCluster("cp1", "cp2")
	c.REST = s.adminConfig()
	nodes, _ := c.Nodes(context.Background())
	rec := &floodEvents{}
	if err := f.Inject(context.Background(), c, nodes, rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.evidence) != 1 || !rec.evidence[0].Proven || rec.evidence[0].Target != "cp1" {
		t.Fatalf("evidence %+v, want one proven on the first target", rec.evidence)
	}
	if got := pending(t, dir); !slices.Equal(got, []string{"api-flood cp1 undo remove-flood-identity"}) {
		t.Errorf("journal %v", got)
	}
	time.Sleep(200 * time.Millisecond)
	if err := f.Recover(context.Background(), c, nodes, rec); err != nil {
		t.Fatal(err)
	}
	if rec.flood == nil || rec.flood.Requests == 0 {
		t.Fatalf("flood counts %+v", rec.flood)
	}
	if got := pending(t, dir); len(got) != 0 {
		t.Errorf("journal left %v", got)
	}
	if _, err := cs.CoreV1().Namespaces().Get(context.Background(), floodNamespace, metav1.GetOptions{}); err == nil {
		t.Error("the flood's namespace is left")
	}
	// Requests already in the sockets when Recover returned may still
	// reach the server on a busy machine (CI's unit run saw one): let
	// them land, then nothing more may come while a flood still going
	// would keep sending.
	time.Sleep(200 * time.Millisecond)
	n := s.n.Load()
	time.Sleep(200 * time.Millisecond)
	if got := s.n.Load(); got != n {
		t.Errorf("the flood goes on after Recover: %d more requests 200-400 ms after it", got-n)
	}
	if err := f.Recover(context.Background(), c, nodes, rec); err != nil {
		t.Errorf("second Recover: %v", err)
	}
	figs := timeline.Derive(timeline.Timeline{Flood: rec.flood})
	if i := slices.IndexFunc(figs, func(f timeline.Figure) bool { return f.Name == timeline.FloodRejectedShare }); i < 0 || !figs[i].Measured || figs[i].Value < 20 || figs[i].Value > 45 {
		t.Errorf("flood.rejected.share: %+v, want about a third", figs)
	}
}

type floodEvents struct {
	events
	flood *timeline.Flood
}

func (e *floodEvents) Flood(f timeline.Flood) { e.flood = &f }

// floodClientset is a fake API whose TokenRequests answer "t0k".
func floodClientset(objs ...runtime.Object) *fake.Clientset {
	cs := fake.NewClientset(objs...)
	cs.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "token" {
			return true, &authenticationv1.TokenRequest{Status: authenticationv1.TokenRequestStatus{Token: "t0k"}}, nil
		}
		return false, nil, nil
	})
	return cs
}
