package aws

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Leftover is an instance some firedrill run launched and did not
// terminate: a run killed with kill -9, a CI job cancelled, another
// machine's run.
type Leftover struct {
	ID, Cluster, Run, Node, State string
	Launched                      time.Time
}

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
// more than OlderThan ago. Nothing without firedrill's cluster tag is
// ever listed, let alone terminated.
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
		found = append(found, Leftover{ID: i.id, Cluster: i.tags[TagCluster], Run: i.tags[TagRun], Node: i.node, State: i.state, Launched: i.launched})
		if in.Out != nil {
			fmt.Fprintf(in.Out, "  instance %s (%s): cluster %s, node %s, run %s, launched %s ago\n", i.id, i.state,
				i.tags[TagCluster], i.node, i.tags[TagRun], in.Now.Sub(i.launched).Round(time.Minute))
		}
	}
	if in.Terminate {
		if err := p.terminate(ctx, ec, old); err != nil {
			return found, err
		}
	}
	return found, nil
}
