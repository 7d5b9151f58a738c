package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/firedrill/firedrill/framework/cluster"
	"github.com/firedrill/firedrill/framework/cluster/ssh"
)

// Cluster is a cluster on EC2 instances: every node ability of the ssh
// provider (exec, boot id, file copies), with reboot and power-off through
// the EC2 API, as the cloud does them.
type Cluster struct {
	*ssh.Cluster
	name      string
	p         *Provider
	ec        *ec2.Client
	instances map[string]instance // by node name
	// run tags what this run makes; subnets (by zone) and podSubnet are
	// what a lost zone network cuts (zonenetwork.go), in region.
	run       string
	region    string
	subnets   map[string]string
	podSubnet string
}

func (c *Cluster) instance(n cluster.Node) (string, error) {
	i, ok := c.instances[n.Name]
	if !ok || i.id == "" {
		return "", fmt.Errorf("node %s is not an instance of cluster %s", n.Name, c.name)
	}
	return i.id, nil
}

// InstanceID is the EC2 instance of a node: what a report names.
func (c *Cluster) InstanceID(n cluster.Node) (string, error) { return c.instance(n) }

// Reboot implements cluster.Rebooter with ec2 RebootInstances (the
// hypervisor's reboot, as an operator's console does it), then waits until
// the node answers SSH from another boot. EC2 may take minutes to act on
// a reboot the guest does not answer; the boot id, not the call's
// return, proves it happened.
func (c *Cluster) Reboot(ctx context.Context, n cluster.Node) error {
	id, err := c.instance(n)
	if err != nil {
		return err
	}
	before, err := c.BootID(ctx, n)
	if err != nil {
		return fmt.Errorf("boot id before the reboot: %w", err)
	}
	if _, err := c.ec.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{id}}); err != nil {
		return fmt.Errorf("ec2 RebootInstances %s (node %s): %w", id, n.Name, err)
	}
	return c.WaitForNewBoot(ctx, n, before)
}

// Stop implements cluster.Stopper: ec2 StopInstances with Force (no
// orderly shutdown of the guest: the node is lost, as when its host
// fails), then the SDK's InstanceStopped waiter.
func (c *Cluster) Stop(ctx context.Context, n cluster.Node) error {
	id, err := c.instance(n)
	if err != nil {
		return err
	}
	if _, err := c.ec.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}, Force: aws.Bool(true)}); err != nil {
		return fmt.Errorf("ec2 StopInstances %s (node %s): %w", id, n.Name, err)
	}
	return c.p.waitStopped(ctx, c.ec, []string{id})
}

// Start implements cluster.Stopper and cluster.Rebooter: a stopped
// instance is started (ec2 StartInstances and the InstanceRunning waiter);
// then the wait lasts until it answers SSH. A running one is only waited
// for.
func (c *Cluster) Start(ctx context.Context, n cluster.Node) error {
	id, err := c.instance(n)
	if err != nil {
		return err
	}
	running, err := c.Running(ctx, n)
	if err != nil {
		return err
	}
	if !running {
		if _, err := c.ec.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
			return fmt.Errorf("ec2 StartInstances %s (node %s): %w", id, n.Name, err)
		}
		if err := c.p.waitRunning(ctx, c.ec, []string{id}); err != nil {
			return err
		}
	}
	return c.Cluster.Start(ctx, n)
}

// Running implements cluster.Stopper: the instance's state is running.
func (c *Cluster) Running(ctx context.Context, n cluster.Node) (bool, error) {
	id, err := c.instance(n)
	if err != nil {
		return false, err
	}
	list, err := describe(ctx, c.ec, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return false, err
	}
	if len(list) != 1 {
		return false, fmt.Errorf("ec2 DescribeInstances %s: %d instances", id, len(list))
	}
	return list[0].state == "running", nil
}
