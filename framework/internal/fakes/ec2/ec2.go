// Package ec2 is an EC2 endpoint for tests, behind the AWS SDK's own seam
// (aws.HTTPClient): the real client serializes each call, signs nothing
// (anonymous credentials), and parses what Wire answers in EC2's query
// protocol (XML), so the SDK's waiters, paginators and error handling run
// as against AWS. Each action answers from its script in order; the last
// answer repeats. Every request is kept for the test to check.
//
// It is test support (framework/internal): only _test.go files import it.
// It is a package of its own so that only the tests that want the AWS SDK
// link it.
package ec2

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Wire is the endpoint; Config hands it to the SDK.
type Wire struct {
	// Before, when set, runs before each call is answered (with the
	// action and how many of it came before): a test cancels its context
	// there, as Ctrl-C does mid-call.
	Before func(action string, n int)

	t       testing.TB
	mu      sync.Mutex
	scripts map[string][]Reply
	calls   []url.Values
}

// Reply is one answer: an HTTP status (200 when 0) and the body.
type Reply struct {
	Status int
	Body   string
}

// NewWire is an endpoint with nothing scripted: a call of an action it
// has no answer for fails the test.
func NewWire(t testing.TB) *Wire { return &Wire{t: t, scripts: map[string][]Reply{}} }

// On scripts the answers of an action.
func (w *Wire) On(action string, replies ...Reply) *Wire {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.scripts[action] = append(w.scripts[action], replies...)
	return w
}

// Config is an SDK configuration that reaches the wire, in eu-west-1.
func (w *Wire) Config() *aws.Config {
	return &aws.Config{Region: "eu-west-1", Credentials: aws.AnonymousCredentials{}, HTTPClient: w}
}

// Do implements aws.HTTPClient.
func (w *Wire) Do(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	action := form.Get("Action")
	if w.Before != nil {
		w.Before(action, len(w.Of(action)))
		if err := r.Context().Err(); err != nil {
			return nil, err
		}
	}
	w.mu.Lock()
	w.calls = append(w.calls, form)
	script := w.scripts[action]
	var rep Reply
	switch {
	case len(script) == 0:
		rep = ErrorReply(400, "UnscriptedAction", "the test did not script "+action)
		w.t.Errorf("unscripted EC2 call %s: %v", action, form)
	case len(script) == 1:
		rep = script[0]
	default:
		rep, w.scripts[action] = script[0], script[1:]
	}
	w.mu.Unlock()
	if rep.Status == 0 {
		rep.Status = 200
	}
	return &http.Response{StatusCode: rep.Status, Status: http.StatusText(rep.Status), Request: r,
		Header: http.Header{"Content-Type": {"text/xml;charset=UTF-8"}}, Body: io.NopCloser(bytes.NewBufferString(rep.Body)),
		ContentLength: int64(len(rep.Body))}, nil
}

// Calls are every request, in order.
func (w *Wire) Calls() []url.Values {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.calls)
}

// Of are the calls of an action, in order.
func (w *Wire) Of(action string) []url.Values {
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

// NS is the namespace of EC2's answers.
const NS = `xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"`

// Tag is a tag of a resource.
type Tag struct{ Key, Value string }

// Instance is an instance as DescribeInstances and RunInstances show it.
type Instance struct {
	ID, State, Zone, Private, Public string
	Launched                         time.Time
	Tags                             []Tag
}

// XML is the instance's item.
func (i Instance) XML() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<item><instanceId>%s</instanceId><instanceState><code>0</code><name>%s</name></instanceState>", i.ID, i.State)
	fmt.Fprintf(&b, "<placement><availabilityZone>%s</availabilityZone></placement>", i.Zone)
	if i.Private != "" {
		fmt.Fprintf(&b, "<privateIpAddress>%s</privateIpAddress>", i.Private)
	}
	if i.Public != "" {
		fmt.Fprintf(&b, "<ipAddress>%s</ipAddress>", i.Public)
	}
	if !i.Launched.IsZero() {
		fmt.Fprintf(&b, "<launchTime>%s</launchTime>", i.Launched.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	b.WriteString(tagSet(i.Tags))
	b.WriteString("</item>")
	return b.String()
}

func tagSet(tags []Tag) string {
	var b strings.Builder
	b.WriteString("<tagSet>")
	for _, t := range tags {
		fmt.Fprintf(&b, "<item><key>%s</key><value>%s</value></item>", t.Key, t.Value)
	}
	b.WriteString("</tagSet>")
	return b.String()
}

// DescribeReply is one page of DescribeInstances (next: its nextToken).
func DescribeReply(next string, list ...Instance) Reply {
	var items strings.Builder
	for _, i := range list {
		items.WriteString(i.XML())
	}
	token := ""
	if next != "" {
		token = "<nextToken>" + next + "</nextToken>"
	}
	set := ""
	if len(list) > 0 {
		set = "<item><reservationId>r-1</reservationId><ownerId>1</ownerId><instancesSet>" + items.String() + "</instancesSet></item>"
	}
	return Reply{Body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><DescribeInstancesResponse %s><requestId>req</requestId><reservationSet>%s</reservationSet>%s</DescribeInstancesResponse>`, NS, set, token)}
}

// RunReply is RunInstances' answer for one instance.
func RunReply(i Instance) Reply {
	return Reply{Body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><RunInstancesResponse %s><requestId>req</requestId><reservationId>r-1</reservationId><ownerId>1</ownerId><groupSet/><instancesSet>%s</instancesSet></RunInstancesResponse>`, NS, i.XML())}
}

// EmptyReply is an action's answer with nothing in it.
func EmptyReply(action string) Reply {
	return Reply{Body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><%sResponse %s><requestId>req</requestId></%sResponse>`, action, NS, action)}
}

// ConsoleReply is GetConsoleOutput's answer.
func ConsoleReply(id, text string) Reply {
	return Reply{Body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><GetConsoleOutputResponse %s><requestId>req</requestId><instanceId>%s</instanceId><timestamp>2026-12-04T08:01:00.000Z</timestamp><output>%s</output></GetConsoleOutputResponse>`,
		NS, id, base64.StdEncoding.EncodeToString([]byte(text)))}
}

// ErrorReply is an EC2 error.
func ErrorReply(status int, code, message string) Reply {
	return Reply{Status: status, Body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>req</RequestID></Response>`, code, message)}
}

// ACL is a network ACL as DescribeNetworkAcls shows it: the default one
// when it has no tags.
type ACL struct {
	ID           string
	Associations [][2]string // association id, subnet
	Tags         map[string]string
}

// XML is the ACL's item, its tags by key.
func (a ACL) XML() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<item><networkAclId>%s</networkAclId><vpcId>vpc-1</vpcId><default>%v</default><entrySet/><associationSet>", a.ID, a.Tags == nil)
	for _, as := range a.Associations {
		fmt.Fprintf(&b, "<item><networkAclAssociationId>%s</networkAclAssociationId><networkAclId>%s</networkAclId><subnetId>%s</subnetId></item>", as[0], a.ID, as[1])
	}
	b.WriteString("</associationSet>")
	var tags []Tag
	for k, v := range a.Tags {
		tags = append(tags, Tag{k, v})
	}
	slices.SortFunc(tags, func(x, y Tag) int { return strings.Compare(x.Key, y.Key) })
	b.WriteString(tagSet(tags))
	b.WriteString("</item>")
	return b.String()
}

// ACLsReply is DescribeNetworkAcls' answer.
func ACLsReply(list ...ACL) Reply {
	var items strings.Builder
	for _, a := range list {
		items.WriteString(a.XML())
	}
	return Reply{Body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><DescribeNetworkAclsResponse %s><requestId>req</requestId><networkAclSet>%s</networkAclSet></DescribeNetworkAclsResponse>`, NS, items.String())}
}

// CreateACLReply is CreateNetworkAcl's answer: the new ACL's id, in
// vpc when given.
func CreateACLReply(id, vpc string) Reply {
	more := ""
	if vpc != "" {
		more = "<vpcId>" + vpc + "</vpcId><default>false</default>"
	}
	return Reply{Body: `<?xml version="1.0" encoding="UTF-8"?><CreateNetworkAclResponse ` + NS + `><requestId>req</requestId><networkAcl><networkAclId>` + id + `</networkAclId>` + more + `</networkAcl></CreateNetworkAclResponse>`}
}

// ReplaceReply is ReplaceNetworkAclAssociation's answer: the new
// association.
func ReplaceReply(assoc string) Reply {
	return Reply{Body: `<?xml version="1.0" encoding="UTF-8"?><ReplaceNetworkAclAssociationResponse ` + NS + `><requestId>req</requestId><newAssociationId>` + assoc + `</newAssociationId></ReplaceNetworkAclAssociationResponse>`}
}

// Subnet is a subnet as DescribeSubnets shows it (IPv6: its IPv6 block,
// if any).
type Subnet struct{ ID, Zone, CIDR, IPv6 string }

// SubnetsReply is DescribeSubnets' answer, in vpc-1.
func SubnetsReply(list ...Subnet) Reply {
	var items strings.Builder
	for _, s := range list {
		fmt.Fprintf(&items, "<item><subnetId>%s</subnetId><vpcId>vpc-1</vpcId><availabilityZone>%s</availabilityZone><cidrBlock>%s</cidrBlock>", s.ID, s.Zone, s.CIDR)
		if s.IPv6 != "" {
			items.WriteString("<ipv6CidrBlockAssociationSet><item><ipv6CidrBlock>" + s.IPv6 + "</ipv6CidrBlock><associationId>a</associationId></item></ipv6CidrBlockAssociationSet>")
		}
		items.WriteString("</item>")
	}
	return Reply{Body: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><DescribeSubnetsResponse %s><requestId>req</requestId><subnetSet>%s</subnetSet></DescribeSubnetsResponse>`, NS, items.String())}
}
