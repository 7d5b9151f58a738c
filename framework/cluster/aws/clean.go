package aws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Leftover is what some firedrill run made and did not undo (a run
// killed with kill -9, a CI job cancelled, another machine's run): an
// instance it launched and did not terminate, or a network ACL a zone is
// still cut off with.
type Leftover struct {
	Kind                          string // LeftoverInstance or LeftoverNetworkACL
	ID, Cluster, Run, Node, State string
	Zone                          string // a network ACL's
	Launched                      time.Time
}

// Leftover kinds.
const (
	LeftoverInstance   = "instance"
	LeftoverNetworkACL = "network-acl"
)

// LeftoversInput says where to look and what counts as left over.
type LeftoversInput struct {
	Region string
	// OlderThan keeps out instances launched more recently: a run still
	// going owns those.
	OlderThan time.Duration
	// Terminate terminates what was found (and waits until it is gone);
	// without it the call only lists.
	Terminate bool
	Out       io.Writer
	Now       time.Time
}

// Leftovers lists (and with Terminate, terminates) the instances of the
// region tagged by firedrill, of any cluster and any machine, launched
// more than OlderThan ago, and the network ACLs that still cut a zone off
// (with Terminate, each subnet goes back to its own ACL and firedrill's is
// deleted). Nothing without firedrill's cluster tag is ever listed, let
// alone terminated.
func (p *Provider) Leftovers(ctx context.Context, in LeftoversInput) ([]Leftover, error) {
	ec, err := p.client(ctx, in.Region)
	if err != nil {
		return nil, err
	}
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	all, err := describe(ctx, ec, &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("tag-key"), Values: []string{TagCluster}},
		{Name: aws.String("instance-state-name"), Values: notGone},
	}})
	if err != nil {
		return nil, err
	}
	var found []Leftover
	var old []instance
	for _, i := range all {
		if i.tags[TagCluster] == "" || in.Now.Sub(i.launched) < in.OlderThan {
			continue
		}
		old = append(old, i)
		found = append(found, Leftover{Kind: LeftoverInstance, ID: i.id, Cluster: i.tags[TagCluster], Run: i.tags[TagRun], Node: i.node, State: i.state, Launched: i.launched})
		if in.Out != nil {
			fmt.Fprintf(in.Out, "  instance %s (%s): cluster %s, node %s, run %s, launched %s ago\n", i.id, i.state,
				i.tags[TagCluster], i.node, i.tags[TagRun], in.Now.Sub(i.launched).Round(time.Minute))
		}
	}
	acls, err := taggedACLs(ctx, ec, []types.Filter{{Name: aws.String("tag-key"), Values: []string{TagCluster}}})
	if err != nil {
		return found, err
	}
	var cuts []taggedACL
	for _, a := range acls {
		// An ACL without its creation time is old: only a run still
		// going may keep a young one.
		if !a.created.IsZero() && in.Now.Sub(a.created) < in.OlderThan {
			continue
		}
		cuts = append(cuts, a)
		found = append(found, Leftover{Kind: LeftoverNetworkACL, ID: a.id, Cluster: a.cluster, Run: a.run, Zone: a.zone, Launched: a.created})
		if in.Out != nil {
			fmt.Fprintf(in.Out, "  network ACL %s: cluster %s, zone %s cut off (%s), run %s, back to %s when healed\n",
				a.id, a.cluster, a.zone, strings.Join(slices.Sorted(maps.Keys(a.associations)), ", "), a.run, a.restore)
		}
	}
	if !in.Terminate {
		return found, nil
	}
	var errs []error
	for _, a := range cuts {
		errs = append(errs, heal(ctx, ec, a))
	}
	errs = append(errs, p.terminate(ctx, ec, old))
	return found, errors.Join(errs...)
}
