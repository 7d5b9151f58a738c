package aws

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/firedrill/firedrill/framework/cluster"
)

// sweep is `firedrill clean --provider aws`: Leftovers of a region.
var sweep = &cluster.Sweep{
	What: "look in EC2 for instances and network ACLs any firedrill run made (tagged firedrill:cluster) instead",
	Usage: `With --provider aws: lists the EC2 instances of --region that this machine's records name, launched more
than --older-than ago, and the network ACLs it recorded that still cut a zone off; with --yes it terminates
those instances and moves each subnet back to its own ACL. What carries firedrill's tags without being in
this machine's records is named "not ours", with the command to remove it on purpose, and left.`,
	Flags: func(fs *flag.FlagSet) func(context.Context, cluster.SweepInput) error {
		region := fs.String("region", os.Getenv("AWS_REGION"), "with --provider aws: the region (default $AWS_REGION)")
		olderThan := fs.Duration("older-than", 6*time.Hour, "with --provider aws: only what was made longer ago (younger may be a run's still going)")
		return func(ctx context.Context, in cluster.SweepInput) error {
			if *region == "" {
				return &cluster.UsageError{Msg: "--provider aws needs --region (or AWS_REGION)"}
			}
			p := NewProvider(Options{Out: in.Out, StateDir: in.StateDir})
			found, err := p.Leftovers(ctx, LeftoversInput{Region: *region, OlderThan: *olderThan, Terminate: in.Apply, Out: in.Out})
			switch {
			case err != nil:
				return err
			case len(found) == 0:
				fmt.Fprintf(in.Out, "no firedrill instances or network ACLs older than %s in %s\n", *olderThan, *region)
			case !in.Apply:
				fmt.Fprintf(in.Out, "%d found; with --yes the instances are terminated and each subnet goes back to its own network ACL\n", len(found))
			}
			return nil
		}
	},
}

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
// region tagged by firedrill whose ids this machine's records name,
// launched more than OlderThan ago (the others tagged so are named as not
// ours, with the command to terminate them on purpose, and left), and the
// network ACLs this machine made that
// still cut a zone off (with Terminate, the subnet goes back to its own
// ACL and firedrill's is deleted). Nothing without firedrill's cluster tag
// is ever listed, let alone terminated. A network ACL tagged as
// firedrill's that lacks its creation tag, that this machine has no
// record of making, or whose tags differ from that record is named as not
// ours and left: moving a subnet to the ACL a tag names is for a person
// who knows the tag is right. Lines go to Out, or the provider's output.
func (p *Provider) Leftovers(ctx context.Context, in LeftoversInput) ([]Leftover, error) {
	ec, err := p.client(ctx, in.Region)
	if err != nil {
		return nil, err
	}
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	out := in.Out
	if out == nil {
		out = p.opts.Out
	}
	all, err := describe(ctx, ec, &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("tag-key"), Values: []string{TagCluster}},
		{Name: aws.String("instance-state-name"), Values: notGone},
	}})
	if err != nil {
		return nil, err
	}
	recorded, err := p.recordedInstances(ctx)
	if err != nil {
		return nil, err
	}
	var found []Leftover
	var old []instance
	for _, i := range all {
		if i.tags[TagCluster] == "" || in.Now.Sub(i.launched) < in.OlderThan {
			continue
		}
		// A tag says nothing of who launched it: only an id this
		// machine recorded is terminated; the rest is named and left.
		if !recorded[i.id] {
			fmt.Fprintf(out, "  not ours: instance %s (%s): cluster %s, node %s, run %s, launched %s ago, not in this machine's records: left as it is. %s\n",
				i.id, i.state, i.tags[TagCluster], i.node, i.tags[TagRun], in.Now.Sub(i.launched).Round(time.Minute), notOursHelp(in.Region, []instance{i}))
			continue
		}
		old = append(old, i)
		found = append(found, Leftover{Kind: LeftoverInstance, ID: i.id, Cluster: i.tags[TagCluster], Run: i.tags[TagRun], Node: i.node, State: i.state, Launched: i.launched})
		fmt.Fprintf(out, "  instance %s (%s): cluster %s, node %s, run %s, launched %s ago\n", i.id, i.state,
			i.tags[TagCluster], i.node, i.tags[TagRun], in.Now.Sub(i.launched).Round(time.Minute))
	}
	acls, err := taggedACLs(ctx, ec, []types.Filter{{Name: aws.String("tag-key"), Values: []string{TagCluster}}})
	if err != nil {
		return found, err
	}
	var cuts []aclRecord
	for _, a := range acls {
		// Only a run still going may keep a young one.
		if !a.created.IsZero() && in.Now.Sub(a.created) < in.OlderThan {
			continue
		}
		subnets := strings.Join(slices.Sorted(maps.Keys(a.associations)), ", ")
		rec, why, err := p.ownACL(a)
		if err != nil {
			return found, err
		}
		if why != "" {
			fmt.Fprintf(out, "  not ours: network ACL %s (cluster %s, zone %s, subnets %s, run %s) %s: left as it is. %s\n",
				a.id, a.cluster, a.zone, subnets, a.run, why, healHelp(in.Region, a))
			continue
		}
		cuts = append(cuts, rec)
		found = append(found, Leftover{Kind: LeftoverNetworkACL, ID: a.id, Cluster: a.cluster, Run: a.run, Zone: a.zone, Launched: a.created})
		fmt.Fprintf(out, "  network ACL %s: cluster %s, zone %s cut off (%s), run %s, back to %s when healed\n",
			a.id, a.cluster, a.zone, subnets, a.run, rec.Restore)
	}
	if !in.Terminate {
		return found, nil
	}
	var errs []error
	for _, rec := range cuts {
		errs = append(errs, p.heal(ctx, ec, rec))
	}
	errs = append(errs, p.terminate(ctx, ec, old))
	return found, errors.Join(errs...)
}

// recordedInstances are the instance ids this machine's records of aws
// clusters name.
func (p *Provider) recordedInstances(ctx context.Context) (map[string]bool, error) {
	names, err := p.Made(ctx)
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, name := range names {
		rec, ok, err := p.readRecord(name)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		for _, id := range rec.Instances {
			ids[id] = true
		}
	}
	return ids, nil
}
