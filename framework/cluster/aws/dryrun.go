package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go/middleware"
)

// dryRun is a step of the SDK's own middleware stack, first of all: it
// prints the call (operation and input) and answers it from the
// simulation, so nothing reaches AWS while the provider's code, the SDK's
// waiters and its paginators run as they would.
func dryRun(out io.Writer, sim *simulation) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("FiredrillDryRun",
			func(ctx context.Context, in middleware.InitializeInput, _ middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				op := awsmiddleware.GetOperationName(ctx)
				fmt.Fprintf(out, "dry run: ec2:%s %s\n", op, compactJSON(in.Parameters))
				res, err := sim.answer(op, in.Parameters)
				return middleware.InitializeOutput{Result: res}, middleware.Metadata{}, err
			}), middleware.Before)
	}
}

// compactJSON is v as JSON without its empty fields: the SDK's inputs are
// mostly nil pointers.
func compactJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return string(raw)
	}
	pruned, _ := json.Marshal(prune(generic))
	return string(pruned)
}

func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			if p := prune(x); p != nil {
				out[k] = p
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, x := range t {
			if p := prune(x); p != nil {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case string:
		if t == "" {
			return nil
		}
	}
	return v
}

// simulation is the EC2 a dry run talks to: instances it "launches" run
// at once, in the zone their subnet names, with addresses from the
// documentation range (192.0.2.0/24), and go where the calls send them.
type simulation struct {
	mu        sync.Mutex
	instances []types.Instance
}

func newSimulation() *simulation { return &simulation{} }

func (s *simulation) answer(op string, params any) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch in := params.(type) {
	case *ec2.RunInstancesInput:
		n := len(s.instances) + 1
		inst := types.Instance{
			InstanceId:       aws.String(fmt.Sprintf("i-dryrun%011d", n)),
			ImageId:          in.ImageId,
			InstanceType:     in.InstanceType,
			SubnetId:         in.SubnetId,
			PrivateIpAddress: aws.String(fmt.Sprintf("192.0.2.%d", 10+n)),
			Placement:        &types.Placement{AvailabilityZone: aws.String("(zone of " + aws.ToString(in.SubnetId) + ")")},
			State:            &types.InstanceState{Name: types.InstanceStateNameRunning},
			LaunchTime:       aws.Time(time.Now()),
		}
		for _, ts := range in.TagSpecifications {
			if ts.ResourceType == types.ResourceTypeInstance {
				inst.Tags = ts.Tags
			}
		}
		s.instances = append(s.instances, inst)
		return &ec2.RunInstancesOutput{Instances: []types.Instance{inst}}, nil
	case *ec2.DescribeInstancesInput:
		var match []types.Instance
		for _, i := range s.instances {
			if (len(in.InstanceIds) == 0 || slices.Contains(in.InstanceIds, aws.ToString(i.InstanceId))) && matches(i, in.Filters) {
				match = append(match, i)
			}
		}
		return &ec2.DescribeInstancesOutput{Reservations: []types.Reservation{{Instances: match}}}, nil
	case *ec2.TerminateInstancesInput:
		s.set(in.InstanceIds, types.InstanceStateNameTerminated)
		return &ec2.TerminateInstancesOutput{}, nil
	case *ec2.StopInstancesInput:
		s.set(in.InstanceIds, types.InstanceStateNameStopped)
		return &ec2.StopInstancesOutput{}, nil
	case *ec2.StartInstancesInput:
		s.set(in.InstanceIds, types.InstanceStateNameRunning)
		return &ec2.StartInstancesOutput{}, nil
	case *ec2.RebootInstancesInput:
		return &ec2.RebootInstancesOutput{}, nil
	}
	return nil, fmt.Errorf("dry run: ec2:%s is not simulated", op)
}

func (s *simulation) set(list []string, state types.InstanceStateName) {
	for i := range s.instances {
		if slices.Contains(list, aws.ToString(s.instances[i].InstanceId)) {
			s.instances[i].State = &types.InstanceState{Name: state}
		}
	}
}

// matches applies the filters the provider uses: tag:KEY, tag-key and
// instance-state-name.
func matches(i types.Instance, filters []types.Filter) bool {
	tags := map[string]string{}
	for _, t := range i.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	for _, f := range filters {
		name := aws.ToString(f.Name)
		switch {
		case name == "tag-key":
			if !slices.ContainsFunc(f.Values, func(k string) bool { _, ok := tags[k]; return ok }) {
				return false
			}
		case strings.HasPrefix(name, "tag:"):
			v, ok := tags[strings.TrimPrefix(name, "tag:")]
			if !ok || !slices.Contains(f.Values, v) {
				return false
			}
		case name == "instance-state-name":
			if i.State == nil || !slices.Contains(f.Values, string(i.State.Name)) {
				return false
			}
		}
	}
	return true
}
