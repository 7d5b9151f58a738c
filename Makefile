# firedrill: one command runs a drill, one runs the tests.
#   make e2e SCENARIO=reboot-master     a drill on a real kind cluster
#   make test                           every suite this machine can run (scripts/make-test): unit, validation, the kind drills, the safety suite, the ssh suites
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The sandbox of this workplace builds the kind images locally (no registry
# is reachable); when it sits beside the repo, take its image names.
SANDBOX ?= $(abspath ../shared/sandbox)
ifneq ($(wildcard $(SANDBOX)/env.sh),)
HAVE_SANDBOX := yes
KIND_NODE_IMAGE ?= $(shell . $(SANDBOX)/env.sh >/dev/null && echo $$KIND_NODE_IMAGE)
AGNHOST_IMAGE ?= $(shell . $(SANDBOX)/env.sh >/dev/null && echo $$AGNHOST_IMAGE)
endif
export KIND_NODE_IMAGE AGNHOST_IMAGE

SCENARIO ?=
# SUITE names a label: `make e2e SUITE=ha` runs every drill labelled ha on one reused cluster.
SUITE ?=
LABELS ?= $(SUITE)
FILES ?=
E2E_TIMEOUT ?= 90m
GINKGO_FLAGS := -v --fail-on-empty --timeout=$(E2E_TIMEOUT) $(if $(LABELS),--label-filter='$(LABELS)') $(if $(CI),--no-color)

CONTEXT ?=
DURATION ?= 5m
# make soak: how many times the drill runs on one cluster.
N ?= 10

.PHONY: help test unit validate e2e e2e-load e2e-safety e2e-ssh e2e-ssh-ha vm-hosts soak clean-leftovers observe sandbox browser kind-host merge-reports history

help:
	@echo "make e2e SCENARIO=reboot-master   run one drill (comma-separate several; LABELS='...' filters by label)"
	@echo "make e2e SUITE=ha                 every drill labelled ha, on one kind-ha cluster"
	@echo "make test                         every suite this machine can run; names each it skips and why (ssh suites: FIREDRILL_SSH_INVENTORY)"
	@echo "make unit                         unit tests, a short fuzz of the scenario loader, actionlint, report.html in Chromium (no cluster)"
	@echo "make validate [FILES='a.yaml b.yaml']  check scenario and profile files without a cluster"
	@echo "make e2e-safety                   real-cluster safety tests: foreign clusters refused, Ctrl-C in every phase"
	@echo "make e2e-load [SCENARIO=a,b]      drills beside a CPU hog (one core busy): same verdicts, budgets and calibration bound"
	@echo "make e2e-ssh [SCENARIO=a,b]       kubeadm cluster over SSH on the sandbox's vm-hosts (default: the three drills of make test)"
	@echo "make e2e-ssh-ha [SCENARIO=a,b]    three masters over SSH behind a load balancer (default: kill-leader-scheduler, kill-apiserver, kill-etcd-follower)"
	@echo "make soak SCENARIO=reboot-master N=10  one drill N times on one cluster: pass rate, min/median/max per figure"
	@echo "make clean-leftovers [YES=1]      list (remove with YES=1) what runs left: undone faults, clusters, probe objects"
	@echo "make observe CONTEXT=ctx DURATION=5m  probe an existing cluster without injecting anything, and report"

# The calibration drills (two cut shapes x 5 s, 20 s, 60 s) guard every
# other number; reboot-master is the vertical slice, reboot-all-nodes-single
# the whole-cluster outage; wipe-etcd and
# recover-control-plane run the recovery procedures for real (about a minute
# and a half each).
TEST_LABELS := single-master && (calibration || reboot || disaster-recovery)

# Every suite this machine can run (scripts/make-test): without the
# sandbox, the kind drills on the profiles' published image, and the ssh
# suites only on hosts named by FIREDRILL_SSH_INVENTORY; what it cannot
# run is named, with how to enable it, and never counted as passed.
test:
	@SANDBOX='$(if $(wildcard $(SANDBOX)/up),$(SANDBOX))' TEST_LABELS='$(TEST_LABELS)' MAKE='$(MAKE)' scripts/make-test

# FUZZTIME bounds the scenario loader's fuzz run (go test -fuzz).
FUZZTIME ?= 15s

unit: browser
	go vet ./...
	go test . ./framework/... ./cmd/... ./suites/render
	go test -run='^$$' -fuzz=FuzzLoad -fuzztime=$(FUZZTIME) ./framework/scenario
	go tool actionlint
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

validate:
	go run ./cmd/firedrill validate $(FILES)

# The report's browser tests (suites/render) open report.html in headless
# Chromium: Debian's package, installed here when missing (no other source
# is reachable from CI).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the report's browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
	@chromium --version 2>/dev/null

# On failure the run's blown figures, INVALID reasons and errors are
# printed last: the tail of a CI log (often all that is kept of it) then
# says which figure failed, not only which spec.
# $$marker is a file the recipe made before its run: a summary older than
# it is an earlier run's, and says nothing about this one. Every run of
# the recipe is read (make e2e-load makes one per cluster profile), not
# only reports/latest, the last; find does not follow that link.
WHAT_FAILED = summaries=$$(find -H reports -mindepth 2 -maxdepth 2 -name summary.md -newer $$marker 2>/dev/null | sort); \
  if [ -n "$$summaries" ]; then for s in $$summaries; do \
    echo "== what failed, from $$(readlink -f $$s):"; \
    awk '/^\#\# .*: (FAIL|INVALID|INTERRUPTED)$$/ || /\| FAIL \|$$/ || /^\*\*(INVALID|Error):\*\*/' $$s; \
  done; else echo "== no drill summary of this run: it failed before its drills (the error is above)"; fi

e2e: sandbox
	marker=$$(mktemp); status=0; SCENARIO='$(SCENARIO)' go tool ginkgo $(GINKGO_FLAGS) ./suites/drills || status=$$?; \
	  if [ $$status != 0 ]; then $(WHAT_FAILED); fi; rm -f $$marker; exit $$status

# Drills beside a CPU hog (suites/load, issue 26): a process of its own
# keeps one core busy from each drill's cluster being ready to the drill's
# end, and ends by itself; the drills must PASS as on a quiet machine, every
# budget met, the calibration within its error bound. By default
# calibrate-reset-5s and reboot-master on kind-single, then kill-etcd-leader
# on kind-ha (load.DefaultDrills), one cluster at a time: ~12 min here.
e2e-load: sandbox
	marker=$$(mktemp); status=0; SCENARIO='$(SCENARIO)' go tool ginkgo $(GINKGO_FLAGS) ./suites/load || status=$$?; \
	  if [ $$status != 0 ]; then $(WHAT_FAILED); fi; rm -f $$marker; exit $$status

# The ssh provider on real SSH hosts: the sandbox's vm-hosts (containers of
# the node image with systemd and sshd, no cluster) get a kubeadm cluster
# over SSH and the drills run on it through the ssh provider; the hosts
# are removed again at the end.
VM_HOSTS_DIR := $(abspath .vm-hosts)
# On ssh-single: a kill, the API cut (the undo left on the machine), the
# etcd restore over SSH and a real reboot, with the lower bounds of a
# forced reboot (clusters/ssh-single.yaml), not kind's docker stop. The
# reboot goes last: a vm-host comes back from one reboot per start.
SSH_SCENARIOS ?= kill-apiserver-single,calibrate-reset-5s,wipe-etcd,reboot-master
# VM_HOSTS machines: 2 for ssh-single, 4 for ssh-ha.
VM_HOSTS ?= 2
vm-hosts: sandbox
	$(SANDBOX)/vm-hosts up $(VM_HOSTS) $(VM_HOSTS_DIR)

# ssh-ha: four fresh hosts, three masters behind the sandbox's load
# balancer (scripts/vm-hosts-lb), the drills given in SSH_HA_SCENARIOS.
SSH_HA_SCENARIOS ?= kill-leader-scheduler,kill-apiserver,kill-etcd-follower,lose-zone-network
# SSH_HA_PROFILE=ssh-ha-small-quota gives the same machines etcd's 100 MiB
# quota, for etcd-nospace: `make e2e-ssh-ha SSH_HA_PROFILE=ssh-ha-small-quota
# SCENARIO=etcd-nospace`.
SSH_HA_PROFILE ?= ssh-ha
# Without the sandbox: the hosts FIREDRILL_SSH_INVENTORY names, behind the
# load balancer FIREDRILL_SSH_ENDPOINT names.
ifeq ($(HAVE_SANDBOX),yes)
e2e-ssh-ha: sandbox
	scripts/vm-hosts-lb down $(VM_HOSTS_DIR)
	$(SANDBOX)/vm-hosts down $(VM_HOSTS_DIR)
	$(SANDBOX)/vm-hosts up 4 $(VM_HOSTS_DIR)
	marker=$$(mktemp); status=0; endpoint=$$(scripts/vm-hosts-lb up $(VM_HOSTS_DIR) 3) && \
	  FIREDRILL_SSH_ENDPOINT=$$endpoint PROFILE='$(SSH_HA_PROFILE)' SCENARIO='$(or $(SCENARIO),$(SSH_HA_SCENARIOS))' go tool ginkgo $(GINKGO_FLAGS) ./suites/drills || status=$$?; \
	  scripts/vm-hosts-lb down $(VM_HOSTS_DIR); $(SANDBOX)/vm-hosts down $(VM_HOSTS_DIR); \
	  if [ $$status != 0 ]; then $(WHAT_FAILED); fi; rm -f $$marker; exit $$status
else
e2e-ssh-ha:
	@test -n "$$FIREDRILL_SSH_INVENTORY" -a -n "$$FIREDRILL_SSH_ENDPOINT" || { echo "make e2e-ssh-ha needs FIREDRILL_SSH_INVENTORY (four hosts the drills may break) and FIREDRILL_SSH_ENDPOINT (a load balancer in front of the first three), or the sandbox" >&2; exit 2; }
	marker=$$(mktemp); status=0; PROFILE='$(SSH_HA_PROFILE)' SCENARIO='$(or $(SCENARIO),$(SSH_HA_SCENARIOS))' go tool ginkgo $(GINKGO_FLAGS) ./suites/drills || status=$$?; \
	  if [ $$status != 0 ]; then $(WHAT_FAILED); fi; rm -f $$marker; exit $$status
endif

# Fresh hosts each time: a vm-host restarts after a reboot once per start
# (docker's --restart=on-failure:1), so hosts a run rebooted are not reused.
# Without the sandbox: the hosts FIREDRILL_SSH_INVENTORY names.
ifeq ($(HAVE_SANDBOX),yes)
e2e-ssh: sandbox
	$(SANDBOX)/vm-hosts down $(VM_HOSTS_DIR)
	$(SANDBOX)/vm-hosts up 2 $(VM_HOSTS_DIR)
	marker=$$(mktemp); status=0; PROFILE=ssh-single SCENARIO='$(or $(SCENARIO),$(SSH_SCENARIOS))' go tool ginkgo $(GINKGO_FLAGS) ./suites/drills || status=$$?; \
	  $(SANDBOX)/vm-hosts down $(VM_HOSTS_DIR); \
	  if [ $$status != 0 ]; then $(WHAT_FAILED); fi; rm -f $$marker; exit $$status
else
e2e-ssh:
	@test -n "$$FIREDRILL_SSH_INVENTORY" || { echo "make e2e-ssh needs FIREDRILL_SSH_INVENTORY (two hosts the drills may break), or the sandbox" >&2; exit 2; }
	marker=$$(mktemp); status=0; PROFILE=ssh-single SCENARIO='$(or $(SCENARIO),$(SSH_SCENARIOS))' go tool ginkgo $(GINKGO_FLAGS) ./suites/drills || status=$$?; \
	  if [ $$status != 0 ]; then $(WHAT_FAILED); fi; rm -f $$marker; exit $$status
endif

soak: sandbox
	@test -n '$(SCENARIO)' || { echo "make soak needs SCENARIO=name" >&2; exit 2; }
	go run ./cmd/firedrill run --scenario '$(SCENARIO)' --repeat $(N)

# kind's known issue "too many open files": six nodes' kubelets and
# systemd exhaust the default inotify limits (GitHub's runners included).
# Raised, never lowered, as the sandbox does.
kind-host:
	@for kv in fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512; do \
	  key=$${kv%=*}; want=$${kv#*=}; have=$$(sysctl -n $$key); \
	  if [ "$$have" -lt "$$want" ]; then echo "sysctl $$kv (was $$have)"; $(SUDO) sysctl -qw $$kv; fi; \
	done

# CI shards: SHARDS holds one folder per shard (as download-artifact
# lays them), each with its run folder(s).
SHARDS ?= shards
OUT ?= merged
HISTORY ?= history
merge-reports:
	go run ./cmd/firedrill report merge --out $(OUT) $$(find $(SHARDS) -mindepth 2 -maxdepth 2 -type d ! -name latest | sort)

# Adds each shard's report.json to HISTORY and renders the trends; a first
# run whose shards all failed early starts an empty HISTORY.
history:
	@for d in $$(find $(SHARDS) -mindepth 2 -maxdepth 2 -type d ! -name latest); do \
	  if [ -f "$$d/report.json" ]; then mkdir -p "$(HISTORY)/$$(basename $$d)" && cp "$$d/report.json" "$(HISTORY)/$$(basename $$d)/"; fi; \
	done
	@mkdir -p $(HISTORY)
	go run ./cmd/firedrill report --history $(HISTORY) --out $(OUT)

clean-leftovers:
	go run ./cmd/firedrill clean $(if $(YES),--yes)

# Real kind clusters: a cluster firedrill did not make is refused and left
# as it was; Ctrl-C in each phase of a drill leaves nothing behind.
# SAFETY_LABELS filters the specs (e.g. etcd-drills: only the etcd drills'
# interrupts, on kind-ha-small-quota and kind-ha). 100m: those add two HA
# clusters' creation and four interrupted drills to the hour the rest took.
SAFETY_LABELS ?=
e2e-safety: sandbox
	go tool ginkgo -v --fail-on-empty --timeout=100m $(if $(SAFETY_LABELS),--label-filter='$(SAFETY_LABELS)') $(if $(CI),--no-color) ./suites/safety

observe:
	go run ./cmd/firedrill observe $(if $(CONTEXT),--context '$(CONTEXT)') --duration $(DURATION)

# Idempotent, under a second when the images exist; skipped outside this
# workplace, where kind pulls its node image from the registry.
sandbox:
	@if [ -x "$(SANDBOX)/up" ]; then "$(SANDBOX)/up"; fi
