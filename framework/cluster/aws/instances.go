package aws

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/waitfor"
)

// instance is one EC2 instance of a cluster, as DescribeInstances tells.
type instance struct {
	id, node, zone, address, state string
	launched                       time.Time
	tags                           map[string]string
}

func ids(list []instance) []string {
	out := make([]string, 0, len(list))
	for _, i := range list {
		out = append(out, i.id)
	}
	return out
}

func names(list []instance) []string {
	out := make([]string, 0, len(list))
	for _, i := range list {
		out = append(out, i.node+" ("+i.id+")")
	}
	return out
}

func containsID(list []instance, id string) bool {
	return slices.ContainsFunc(list, func(i instance) bool { return i.id == id })
}

// notGone are the states of an instance that still exists (and costs).
var notGone = []string{"pending", "running", "stopping", "stopped", "shutting-down"}

func instanceOf(in types.Instance) instance {
	i := instance{id: aws.ToString(in.InstanceId), tags: map[string]string{}}
	for _, t := range in.Tags {
		i.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	i.node = i.tags[TagNode]
	if in.Placement != nil {
		i.zone = aws.ToString(in.Placement.AvailabilityZone)
	}
	// The private address: kubeadm advertises it (a public address is
	// NAT on EC2, on no interface of the instance), the API server's
	// certificate names it, and a stopped and started instance keeps it,
	// where its public address changes. So the harness runs where it
	// reaches the VPC (a CI runner in it, a VPN).
	i.address = aws.ToString(in.PrivateIpAddress)
	if in.State != nil {
		i.state = string(in.State.Name)
	}
	i.launched = aws.ToTime(in.LaunchTime)
	return i
}

// describe lists the instances that match the filters, every page of
// them (the SDK's paginator).
func describe(ctx context.Context, ec *ec2.Client, input *ec2.DescribeInstancesInput) ([]instance, error) {
	var out []instance
	pages := ec2.NewDescribeInstancesPaginator(ec, input)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ec2 DescribeInstances: %w", err)
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				out = append(out, instanceOf(in))
			}
		}
	}
	slices.SortFunc(out, func(a, b instance) int { return strings.Compare(a.node, b.node) })
	return out, nil
}

// tagged lists the instances of the cluster that still exist: those
// tagged with its name.
func (p *Provider) tagged(ctx context.Context, ec *ec2.Client, name string) ([]instance, error) {
	return describe(ctx, ec, &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("tag:" + TagCluster), Values: []string{name}},
		{Name: aws.String("instance-state-name"), Values: notGone},
	}})
}

// split divides the instances tagged for the cluster into those whose id
// the record names (each given the record's node name: the record, not a
// tag anyone may set, says which node an instance is) and the rest, which
// this machine did not launch. The tag is checked again here rather than
// trusted to the lookup's filter.
func split(name string, recorded map[string]string, live []instance) (mine, foreign []instance) {
	nodeOf := map[string]string{}
	for node, id := range recorded {
		nodeOf[id] = node
	}
	for _, i := range live {
		if i.tags[TagCluster] != name {
			continue
		}
		if node, ok := nodeOf[i.id]; ok {
			i.node = node
			mine = append(mine, i)
		} else {
			foreign = append(foreign, i)
		}
	}
	return mine, foreign
}

// notOursHelp is what a person runs to deal on purpose with instances
// tagged for a cluster that this machine did not launch: firedrill does
// neither by itself, since only that person knows whose they are.
func notOursHelp(region string, list []instance) string {
	idList := strings.Join(ids(list), " ")
	return fmt.Sprintf("To free on purpose what is yours to free: aws ec2 terminate-instances --region %s --instance-ids %s; "+
		"to take it out of firedrill's way instead: aws ec2 delete-tags --region %s --resources %s --tags Key=%s "+
		"(or give this cluster another name)", region, idList, region, idList, TagCluster)
}

// untagged explains a recorded instance that is not among the cluster's
// tagged ones: gone already (fine), or alive without the tag (left alone,
// an error that names it).
func (p *Provider) untagged(ctx context.Context, ec *ec2.Client, id, name string) error {
	list, err := describe(ctx, ec, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		// EC2's error code, as the SDK parsed it, not its message.
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidInstanceID.NotFound" {
			return nil
		}
		return err
	}
	for _, i := range list {
		if slices.Contains(notGone, i.state) {
			return fmt.Errorf("instance %s (%s) is no longer tagged %s=%s: left as it is", id, i.state, TagCluster, name)
		}
	}
	return nil
}

// launch starts one instance per node of the spec, each in the subnet of
// its zone, every one tagged, and waits until they run. Each instance is
// recorded as soon as EC2 named it; the client token makes a retried
// launch of the same node in the same run launch nothing twice.
func (p *Provider) launch(ctx context.Context, ec *ec2.Client, spec cluster.Spec, runID string, rec *record) ([]instance, error) {
	is := settingsOf(spec).Instances
	start := time.Now()
	fmt.Fprintf(p.opts.Out, "launching %d EC2 instances (%s, %s) in %s for cluster %s\n", len(spec.Nodes), is.InstanceType, is.Image, is.Region, spec.Name)
	var launched []string
	for i, n := range spec.Nodes {
		node := nodeName(spec, i)
		tags := []types.Tag{
			{Key: aws.String("Name"), Value: aws.String(node)},
			{Key: aws.String(TagCluster), Value: aws.String(spec.Name)},
			{Key: aws.String(TagProfile), Value: aws.String(spec.Profile)},
			{Key: aws.String(TagRun), Value: aws.String(runID)},
			{Key: aws.String(TagNode), Value: aws.String(node)},
		}
		out, err := ec.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId:          aws.String(is.Image),
			InstanceType:     types.InstanceType(is.InstanceType),
			KeyName:          aws.String(is.KeyPair),
			MinCount:         aws.Int32(1),
			MaxCount:         aws.Int32(1),
			SubnetId:         aws.String(is.Subnets[n.Zone]),
			SecurityGroupIds: is.SecurityGroups,
			ClientToken:      aws.String(clientToken(runID, node)),
			TagSpecifications: []types.TagSpecification{
				{ResourceType: types.ResourceTypeInstance, Tags: tags},
				{ResourceType: types.ResourceTypeVolume, Tags: tags},
			},
		})
		if err != nil {
			return nil, fmt.Errorf("ec2 RunInstances for node %s in %s (%s): %w", node, n.Zone, is.Subnets[n.Zone], err)
		}
		for _, in := range out.Instances {
			id := aws.ToString(in.InstanceId)
			launched = append(launched, id)
			rec.Instances[node] = id
		}
		if err := p.writeRecord(*rec); err != nil {
			return nil, err
		}
	}
	if err := p.waitRunning(ctx, ec, launched); err != nil {
		return nil, err
	}
	list, err := describe(ctx, ec, &ec2.DescribeInstancesInput{InstanceIds: launched})
	if err != nil {
		return nil, err
	}
	for _, i := range list {
		if i.address == "" {
			return nil, fmt.Errorf("instance %s (%s) runs but has no address", i.id, i.node)
		}
	}
	fmt.Fprintf(p.opts.Out, "  %d instances running after %s: %s\n", len(list), time.Since(start).Round(time.Second), strings.Join(names(list), ", "))
	return list, nil
}

// clientToken is RunInstances' idempotency token for one node of one run
// (at most 64 ASCII characters).
func clientToken(run, node string) string {
	t := "firedrill-" + run + "-" + node
	if len(t) > 64 {
		t = t[len(t)-64:]
	}
	return t
}

// waitRunning waits with the SDK's InstanceRunning waiter, saying at each
// of its polls which instances are not running yet.
func (p *Provider) waitRunning(ctx context.Context, ec *ec2.Client, list []string) error {
	start := time.Now()
	w := ec2.NewInstanceRunningWaiter(ec, func(o *ec2.InstanceRunningWaiterOptions) {
		p.delays(&o.MinDelay, &o.MaxDelay)
		o.Retryable = p.progress("instances running", start, "running", o.Retryable)
	})
	if err := w.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: list}, p.opts.WaitLimit); err != nil {
		return fmt.Errorf("instances %s running: %w", strings.Join(list, ", "), err)
	}
	return nil
}

// waitStopped and waitTerminated are the same with the SDK's
// InstanceStopped and InstanceTerminated waiters.
func (p *Provider) waitStopped(ctx context.Context, ec *ec2.Client, list []string) error {
	start := time.Now()
	w := ec2.NewInstanceStoppedWaiter(ec, func(o *ec2.InstanceStoppedWaiterOptions) {
		p.delays(&o.MinDelay, &o.MaxDelay)
		o.Retryable = p.progress("instances stopped", start, "stopped", o.Retryable)
	})
	if err := w.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: list}, p.opts.WaitLimit); err != nil {
		return fmt.Errorf("instances %s stopped: %w", strings.Join(list, ", "), err)
	}
	return nil
}

func (p *Provider) waitTerminated(ctx context.Context, ec *ec2.Client, list []string) error {
	start := time.Now()
	w := ec2.NewInstanceTerminatedWaiter(ec, func(o *ec2.InstanceTerminatedWaiterOptions) {
		p.delays(&o.MinDelay, &o.MaxDelay)
		o.Retryable = p.progress("instances terminated", start, "terminated", o.Retryable)
	})
	if err := w.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: list}, p.opts.WaitLimit); err != nil {
		return fmt.Errorf("instances %s terminated: %w", strings.Join(list, ", "), err)
	}
	return nil
}

func (p *Provider) delays(lo, hi *time.Duration) {
	if p.opts.MinDelay > 0 {
		*lo = p.opts.MinDelay
	}
	if p.opts.MaxDelay > 0 {
		*hi = p.opts.MaxDelay
	}
	if *lo > *hi {
		*lo = *hi
	}
}

// progress wraps a waiter's Retryable: the waiter's own decision, and a
// progress line at each poll that will be retried, with every instance
// that is not in the wanted state yet.
func (p *Provider) progress(what string, start time.Time, want string,
	retryable func(context.Context, *ec2.DescribeInstancesInput, *ec2.DescribeInstancesOutput, error) (bool, error),
) func(context.Context, *ec2.DescribeInstancesInput, *ec2.DescribeInstancesOutput, error) (bool, error) {
	return func(ctx context.Context, in *ec2.DescribeInstancesInput, out *ec2.DescribeInstancesOutput, err error) (bool, error) {
		retry, rerr := retryable(ctx, in, out, err)
		if retry && rerr == nil {
			var waiting []string
			if out != nil {
				for _, r := range out.Reservations {
					for _, i := range r.Instances {
						if inst := instanceOf(i); inst.state != want {
							waiting = append(waiting, inst.id+" "+inst.state)
						}
					}
				}
			}
			if err != nil {
				waiting = append(waiting, err.Error())
			}
			fmt.Fprintf(p.opts.Out, "    waiting for %s: %s elapsed; not yet: %s\n", what, time.Since(start).Round(time.Second), strings.Join(waiting, ", "))
		}
		return retry, rerr
	}
}

// terminate terminates the instances and waits until they are gone.
func (p *Provider) terminate(ctx context.Context, ec *ec2.Client, list []instance) error {
	if len(list) == 0 {
		return nil
	}
	fmt.Fprintf(p.opts.Out, "terminating %d EC2 instances: %s\n", len(list), strings.Join(names(list), ", "))
	if _, err := ec.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids(list)}); err != nil {
		return fmt.Errorf("ec2 TerminateInstances %s: %w", strings.Join(ids(list), ", "), err)
	}
	return p.waitTerminated(ctx, ec, ids(list))
}

// hostKeys reads the SSH host keys an instance printed on its console at
// first boot (cloud-init's "SSH HOST KEY KEYS" block), as known_hosts
// key fields ("type base64"). The console output appears some minutes
// after boot: the wait says so every poll.
func (p *Provider) hostKeys(ctx context.Context, ec *ec2.Client, i instance) ([]string, error) {
	var keys []string
	err := waitfor.Until(ctx, waitfor.Input{
		What: "SSH host keys of " + i.node + " (" + i.id + ") on its console", Timeout: p.opts.WaitLimit,
		Poll: p.opts.HostKeyPoll, Out: p.opts.Out,
		Check: func(ctx context.Context) error {
			out, err := ec.GetConsoleOutput(ctx, &ec2.GetConsoleOutputInput{InstanceId: aws.String(i.id), Latest: aws.Bool(true)})
			if err != nil {
				return fmt.Errorf("ec2 GetConsoleOutput: %w", err)
			}
			text, err := base64.StdEncoding.DecodeString(aws.ToString(out.Output))
			if err != nil {
				return fmt.Errorf("console output of %s: %w", i.id, err)
			}
			if keys = ConsoleHostKeys(string(text)); len(keys) == 0 {
				return fmt.Errorf("no SSH HOST KEY KEYS block on the console yet")
			}
			return nil
		},
	})
	return keys, err
}

// ConsoleHostKeys returns the keys of the last "-----BEGIN SSH HOST KEY
// KEYS-----" block of a console output, each as "type base64" (the
// comment dropped).
func ConsoleHostKeys(console string) []string {
	const begin, end = "-----BEGIN SSH HOST KEY KEYS-----", "-----END SSH HOST KEY KEYS-----"
	b := strings.LastIndex(console, begin)
	if b < 0 {
		return nil
	}
	rest := console[b+len(begin):]
	e := strings.Index(rest, end)
	if e < 0 {
		return nil
	}
	var keys []string
	for _, line := range strings.Split(rest[:e], "\n") {
		f := strings.Fields(strings.TrimSpace(line))
		if len(f) >= 2 && (strings.HasPrefix(f[0], "ssh-") || strings.HasPrefix(f[0], "ecdsa-")) {
			keys = append(keys, f[0]+" "+f[1])
		}
	}
	return keys
}
