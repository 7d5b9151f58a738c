package aws

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// wire is an EC2 endpoint for tests, behind the SDK's own seam
// (aws.HTTPClient): the real client serializes each call, signs nothing
// (anonymous credentials), and parses what wire answers in EC2's query
// protocol (XML), so the SDK's waiters, paginators and error handling run
// as against AWS. Each action answers from its script in order; the last
// answer repeats. Every request is kept for the test to check.
type wire struct {
	t       *testing.T
	mu      sync.Mutex
	scripts map[string][]reply
	calls   []url.Values
	// before, when set, runs before each call is answered (with the
	// action and how many of it came before): a test cancels its context
	// there, as Ctrl-C does mid-call.
	before func(action string, n int)
}

type reply struct {
	status int
	body   string
}

func newWire(t *testing.T) *wire { return &wire{t: t, scripts: map[string][]reply{}} }

// on scripts the answers of an action.
func (w *wire) on(action string, replies ...reply) *wire {
	w.scripts[action] = append(w.scripts[action], replies...)
	return w
}

func (w *wire) config() *aws.Config {
	return &aws.Config{Region: "eu-west-1", Credentials: aws.AnonymousCredentials{}, HTTPClient: w}
}

// Do implements aws.HTTPClient.
func (w *wire) Do(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	action := form.Get("Action")
	if w.before != nil {
		w.before(action, len(w.of(action)))
		if err := r.Context().Err(); err != nil {
			return nil, err
		}
	}
	w.mu.Lock()
	w.calls = append(w.calls, form)
	script := w.scripts[action]
	var rep reply
	switch {
	case len(script) == 0:
		rep = errorReply(400, "UnscriptedAction", "the test did not script "+action)
		w.t.Errorf("unscripted EC2 call %s: %v", action, form)
	case len(script) == 1:
		rep = script[0]
	default:
		rep, w.scripts[action] = script[0], script[1:]
	}
	w.mu.Unlock()
	if rep.status == 0 {
		rep.status = 200
	}
	return &http.Response{StatusCode: rep.status, Status: http.StatusText(rep.status), Request: r,
		Header: http.Header{"Content-Type": {"text/xml;charset=UTF-8"}}, Body: io.NopCloser(bytes.NewBufferString(rep.body)),
		ContentLength: int64(len(rep.body))}, nil
}

// calls of an action, in order.
func (w *wire) of(action string) []url.Values {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []url.Values
	for _, c := range w.calls {
		if c.Get("Action") == action {
			out = append(out, c)
		}
	}
	return out
}

const ns = `xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"`

// inst is an instance as DescribeInstances and RunInstances show it.
type inst struct {
	id, state, zone, private, public, node, cluster string
	launched                                        time.Time
}

func (i inst) xml() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<item><instanceId>%s</instanceId><instanceState><code>0</code><name>%s</name></instanceState>", i.id, i.state)
	fmt.Fprintf(&b, "<placement><availabilityZone>%s</availabilityZone></placement>", i.zone)
	if i.private != "" {
		fmt.Fprintf(&b, "<privateIpAddress>%s</privateIpAddress>", i.private)
	}
	if i.public != "" {
		fmt.Fprintf(&b, "<ipAddress>%s</ipAddress>", i.public)
	}
	if !i.launched.IsZero() {
		fmt.Fprintf(&b, "<launchTime>%s</launchTime>", i.launched.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	b.WriteString("<tagSet>")
	if i.cluster != "" {
		fmt.Fprintf(&b, "<item><key>%s</key><value>%s</value></item>", TagCluster, i.cluster)
		fmt.Fprintf(&b, "<item><key>%s</key><value>run-1</value></item>", TagRun)
	}
	if i.node != "" {
		fmt.Fprintf(&b, "<item><key>%s</key><value>%s</value></item>", TagNode, i.node)
	}
	b.WriteString("</tagSet></item>")
	return b.String()
}

// describeReply is one page of DescribeInstances (next: its nextToken).
func describeReply(next string, list ...inst) reply {
	var items strings.Builder
	for _, i := range list {
		items.WriteString(i.xml())
	}
	token := ""
	if next != "" {
		token = "<nextToken>" + next + "</nextToken>"
	}
	set := ""
	if len(list) > 0 {
		set = "<item><reservationId>r-1</reservationId><ownerId>1</ownerId><instancesSet>" + items.String() + "</instancesSet></item>"
	}
	return reply{body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><DescribeInstancesResponse %s><requestId>req</requestId><reservationSet>%s</reservationSet>%s</DescribeInstancesResponse>`, ns, set, token)}
}

func runReply(i inst) reply {
	return reply{body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><RunInstancesResponse %s><requestId>req</requestId><reservationId>r-1</reservationId><ownerId>1</ownerId><groupSet/><instancesSet>%s</instancesSet></RunInstancesResponse>`, ns, i.xml())}
}

func emptyReply(action string) reply {
	return reply{body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><%sResponse %s><requestId>req</requestId></%sResponse>`, action, ns, action)}
}

func consoleReply(id, text string) reply {
	return reply{body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><GetConsoleOutputResponse %s><requestId>req</requestId><instanceId>%s</instanceId><timestamp>2026-12-04T08:01:00.000Z</timestamp><output>%s</output></GetConsoleOutputResponse>`,
		ns, id, base64.StdEncoding.EncodeToString([]byte(text)))}
}

func errorReply(status int, code, message string) reply {
	return reply{status: status, body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>req</RequestID></Response>`, code, message)}
}
