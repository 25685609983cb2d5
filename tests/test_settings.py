"""Stack settings: defaults, warnings, and one clear message per bad input, all at once."""

from __future__ import annotations

import itertools
import json
import re
import shlex
from typing import Any

import pytest

from podsandbox.guardrail.plan import plan_guardrail
from podsandbox.rules import aks, workloads
from podsandbox.rules.judge import dns_prefix
from podsandbox.rules.pool_limits import PoolOptions
from podsandbox.stack import (
    EXISTING_CLUSTER,
    NEW_CLUSTER,
    SETTINGS,
    KarpenterSettings,
    SettingsError,
    load_settings,
)

BAD_INPUTS = [
    pytest.param(
        {"nodeVmSize": "Zzz"},
        "nodeVmSize = 'Zzz': is not an Azure VM size name. Allowed: a size name such as Standard_D4s_v3 (tier_FamilyVCPUsFeatures_version). Example: pulumi config set nodeVmSize Standard_D4s_v3",
        id="not a size at all",
    ),
    pytest.param(
        {"karpenter": "true"},
        "karpenter = true: applies to existing clusters that run Karpenter's Azure provider: a cluster this stack creates has none, and AKS's node auto-provisioning does not support Pod Sandboxing yet (Azure/AKS #5843). Allowed: false in new-cluster mode. Example: pulumi config set karpenter false",
        id="karpenter on a new cluster",
    ),
    pytest.param(
        {"mode": "existing-cluster", "karpenter": "true", "karpenterCpuLimit": "lots"},
        "karpenterCpuLimit = 'lots': is not a positive quantity. Allowed: a cpu quantity, or empty for no limit. Example: pulumi config set karpenterCpuLimit 64",
        id="karpenter CPU limit",
    ),
    pytest.param(
        {"mode": "existing-cluster", "karpenterMemoryLimit": "0"},
        "karpenterMemoryLimit = '0': is not a positive quantity. Allowed: a memory quantity, or empty for no limit. Example: pulumi config set karpenterMemoryLimit 256Gi",
        id="karpenter memory limit not positive",
    ),
    pytest.param(
        {"mode": "existing-cluster", "karpenterConsolidationPolicy": "Never"},
        "karpenterConsolidationPolicy = 'Never': is not a Karpenter consolidation policy. Allowed: WhenEmpty, WhenEmptyOrUnderutilized or Balanced. Example: pulumi config set karpenterConsolidationPolicy WhenEmpty",
        id="karpenter consolidation policy",
    ),
    pytest.param(
        {"mode": "existing-cluster", "karpenterConsolidateAfter": "5 minutes"},
        "karpenterConsolidateAfter = '5 minutes': is not a Karpenter duration. Allowed: seconds, minutes or hours such as 30s, 5m or 1h30m, or Never. Example: pulumi config set karpenterConsolidateAfter 5m",
        id="karpenter consolidate after",
    ),
    pytest.param(
        {"nodeEnableAutoScaling": "true", "nodeMinCount": "1"},
        "nodeMaxCount (not set): is required with autoscaling. Allowed: 1 to 1000. Example: pulumi config set nodeMaxCount 3",
        id="autoscaling without a maximum",
    ),
    pytest.param(
        {"nodeMinCount": "1"},
        "nodeMinCount = 1: applies only when the pool autoscales. Allowed: autoscaling on, or leave it out. Example: pulumi config rm nodeMinCount",
        id="bounds without autoscaling",
    ),
    pytest.param(
        {"nodeEnableAutoScaling": "true", "nodeMinCount": "0", "nodeMaxCount": "3"},
        "nodeMinCount = 0: is outside what a System pool takes. Allowed: 1 to 1000. Example: pulumi config set nodeMinCount 1",
        id="system pool scales to zero",
    ),
    pytest.param(
        {"nodeEnableAutoScaling": "true", "nodeMinCount": "1", "nodeMaxCount": "1001"},
        "nodeMaxCount = 1001: is outside what a System pool takes. Allowed: 1 to 1000. Example: pulumi config set nodeMaxCount 3",
        id="max above the pool limit",
    ),
    pytest.param(
        {
            "nodeEnableAutoScaling": "true",
            "nodeMinCount": "3",
            "nodeMaxCount": "2",
            "nodeCount": "3",
        },
        "nodeMaxCount = 2: is below the minimum count 3. Allowed: 3 to 1000. Example: pulumi config set nodeMaxCount 3",
        id="max below min",
    ),
    pytest.param(
        {
            "nodeEnableAutoScaling": "true",
            "nodeMinCount": "2",
            "nodeMaxCount": "4",
            "nodeCount": "1",
        },
        "nodeCount = 1: is the initial size, so it must lie between the minimum count 2 and the maximum 4. Allowed: 2 to 4. Example: pulumi config set nodeCount 2",
        id="count outside the bounds",
    ),
    pytest.param(
        {"nodeMaxPods": "300"},
        "nodeMaxPods = 300: is outside what AKS takes. Allowed: 10 to 250. Example: pulumi config set nodeMaxPods 110",
        id="max pods above 250",
    ),
    pytest.param(
        {"nodeMaxPods": "10"},
        "nodeMaxPods = 10: leaves the pool room for 10 pods; AKS requires 30. Allowed: at least 30 per node, or 3 nodes. Example: pulumi config set nodeMaxPods 110",
        id="max pods without room for 30",
    ),
    pytest.param(
        {"nodeOsDiskType": "Premium"},
        "nodeOsDiskType = 'Premium': is not an OS disk type. Allowed: Managed or Ephemeral. Example: pulumi config set nodeOsDiskType Managed",
        id="OS disk type",
    ),
    pytest.param(
        {"nodeOsDiskSizeGb": "20"},
        "nodeOsDiskSizeGb = 20: is outside what AKS takes (30 GB is the smallest AKS node image). Allowed: 30 to 2048. Example: pulumi config set nodeOsDiskSizeGb 128",
        id="OS disk under 30 GB",
    ),
    pytest.param(
        {"nodeAvailabilityZones": '["1", "1"]'},
        "nodeAvailabilityZones = ['1', '1']: repeats a zone at [1]. Allowed: each zone once. Example: pulumi config set nodeAvailabilityZones '[\"1\"]'",
        id="repeated zone",
    ),
    pytest.param(
        {"nodeAvailabilityZones": "1,2"},
        'nodeAvailabilityZones = \'1,2\': is not a list. Allowed: a list of strings. Example: pulumi config set nodeAvailabilityZones \'["1", "2", "3"]\'',
        id="zones not a list",
    ),
    pytest.param(
        {"mode": "existing-cluster", "nodeTaints": '["sandbox:NoSchedule"]'},
        "nodeTaints[0] = 'sandbox:NoSchedule': is not a node taint. Allowed: key=value:Effect, the key and value as Kubernetes labels, the effect NoSchedule, PreferNoSchedule or NoExecute. Example: pulumi config set --path 'nodeTaints[0]' sandbox=true:NoSchedule",
        id="taint not key=value:Effect",
    ),
    pytest.param(
        {"nodeLabels": '{"bad key": "x"}'},
        "nodeLabels = {'bad key': 'x'}: 'bad key' is not a label key. Allowed: a Kubernetes label: a key of at most 63 letters, digits, '-', '_' and '.' (alphanumeric at both ends), with an optional DNS prefix and '/', and a value like it or empty. Example: pulumi config set nodeLabels '{\"workload\": \"sandboxed\"}'",
        id="label key",
    ),
    pytest.param(
        {"nodeLabels": '["a"]'},
        'nodeLabels = \'["a"]\': is not a map of labels. Allowed: an object of strings. Example: pulumi config set nodeLabels \'{"workload": "sandboxed"}\'',
        id="labels not a map",
    ),
    pytest.param(
        {"extraPools": '["kata8:Standard_D8s_v5"]', "pools": '[{"name": "kata4"}]'},
        'pools = \'[{"name": "kata4"}]\': and extraPools both declare pools. Allowed: pools (every pool setting) or extraPools (NAME:VM_SIZE[:COUNT]), not both. Example: pulumi config rm extraPools',
        id="pools and extraPools",
    ),
    pytest.param(
        {"pools": '["kata8"]'},
        'pools[0] = \'kata8\': is not a pool object. Allowed: an object with a name and any pool setting. Example: pulumi config set --path \'pools[0]\' \'{"name": "kata8", "vmSize": "Standard_D8s_v5"}\'',
        id="pools item not an object",
    ),
    pytest.param(
        {"pools": '[{"name": "kata8", "size": "x"}]'},
        "pools[0].size = 'x': is not a pool setting (did you mean vmSize?). Allowed: one of name, vmSize, nodeCount, enableAutoScaling, minCount, maxCount, maxPods, osDiskType, osDiskSizeGb, availabilityZones, nodeTaints, scaleDownMode, maxSurge, nodeLabels. Example: pulumi config rm --path 'pools[0].size' && pulumi config set --path 'pools[0].vmSize' x",
        id="pools unknown setting",
    ),
    pytest.param(
        {"pools": '[{"vmSize": "Standard_D8s_v5"}]'},
        "pools[0].name (not set): is required. Allowed: 1-12 lower-case letters and digits, starting with a letter. Example: pulumi config set --path 'pools[0].name' kata8",
        id="pools item without a name",
    ),
    pytest.param(
        {"pools": '[{"name": "kata8", "vmSize": "Standard_D4_v3"}]'},
        "pools[0].vmSize = 'Standard_D4_v3': cannot host a sandboxing pool: Standard_D4_v3 (Dv3) is Generation 1 only; use Dsv3 (with s), its Generation 2 twin, e.g. Standard_D4s_v3. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: pulumi config set --path 'pools[0].vmSize' Standard_D4s_v3",
        id="pools Gen1 size",
    ),
    pytest.param(
        {"pools": '[{"name": "kata8", "nodeCount": "two"}]'},
        "pools[0].nodeCount = 'two': is not a whole number. Allowed: a whole number. Example: pulumi config set --path 'pools[0].nodeCount' 1",
        id="pools count not a number",
    ),
    pytest.param(
        {"pools": '[{"name": "kata8", "nodeCount": "\u00b2"}]'},
        "pools[0].nodeCount = '\u00b2': is not a whole number. Allowed: a whole number. Example: pulumi config set --path 'pools[0].nodeCount' 1",
        id="pools count a digit int() refuses",
    ),
    pytest.param(
        {"pools": '[{"name": "nodepool1"}]'},
        "pools[0].name = 'nodepool1': repeats the pool name nodepool1. Allowed: a name no other pool of the stack uses. Example: pulumi config set --path 'pools[0].name' kata8",
        id="pools repeats the first pool",
    ),
    pytest.param(
        {"pools": '[{"name": "kata8", "maxCount": 3}]'},
        "pools[0].maxCount = 3: applies only when the pool autoscales. Allowed: autoscaling on, or leave it out. Example: pulumi config rm --path 'pools[0].maxCount'",
        id="pools bound without autoscaling",
    ),
    pytest.param(
        {"pools": '[{"name": "kata8", "nodeTaints": ["x"]}]'},
        "pools[0].nodeTaints[0] = 'x': is not a node taint. Allowed: key=value:Effect, the key and value as Kubernetes labels, the effect NoSchedule, PreferNoSchedule or NoExecute. Example: pulumi config set --path 'pools[0].nodeTaints[0]' sandbox=true:NoSchedule",
        id="pools bad taint",
    ),
    pytest.param(
        {"guardrailEnforcement": "block"},
        "guardrailEnforcement = 'block': is not a guardrail enforcement. Allowed: deny or audit, or empty for the mode's default. Example: pulumi config set guardrailEnforcement audit",
        id="guardrail enforcement",
    ),
    pytest.param(
        {"mode": "brand-new"},
        "mode = 'brand-new': is not a deployment mode. Allowed: new-cluster or existing-cluster. Example: pulumi config set mode new-cluster",
        id="unknown mode",
    ),
    pytest.param(
        {"runtime": "KataCcIsolation"},
        "runtime = 'KataCcIsolation': is not a Pod Sandboxing workload runtime (the other settings were checked against KataVmIsolation, the default). Allowed: KataVmIsolation (GA) or KataMshvVmIsolation (legacy preview). Example: pulumi config set runtime KataVmIsolation",
        id="confidential runtime",
    ),
    pytest.param(
        {"runtime": "kata"},
        "runtime = 'kata': is not a Pod Sandboxing workload runtime (the other settings were checked against KataVmIsolation, the default). Allowed: KataVmIsolation (GA) or KataMshvVmIsolation (legacy preview). Example: pulumi config set runtime KataVmIsolation",
        id="runtime typo",
    ),
    pytest.param(
        {"osSku": "Ubuntu"},
        "osSku = 'Ubuntu': Pod Sandboxing needs OS SKU AzureLinux; Ubuntu cannot run Kata VMs. Allowed: AzureLinux. Example: pulumi config set osSku AzureLinux",
        id="Ubuntu",
    ),
    pytest.param(
        {"osSku": "CBLMariner"},
        "osSku = 'CBLMariner': Pod Sandboxing needs OS SKU AzureLinux; CBLMariner cannot run Kata VMs. Allowed: AzureLinux. Example: pulumi config set osSku AzureLinux",
        id="Mariner",
    ),
    pytest.param(
        {"osSku": "Windows2022"},
        "osSku = 'Windows2022': Pod Sandboxing needs OS SKU AzureLinux; Windows2022 cannot run Kata VMs. Allowed: AzureLinux. Example: pulumi config set osSku AzureLinux",
        id="Windows",
    ),
    pytest.param(
        {"nodeVmSize": "Standard_D4_v3"},
        "nodeVmSize = 'Standard_D4_v3': cannot host a sandboxing pool: Standard_D4_v3 (Dv3) is Generation 1 only; use Dsv3 (with s), its Generation 2 twin, e.g. Standard_D4s_v3. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: pulumi config set nodeVmSize Standard_D4s_v3",
        id="Dv3 Gen1",
    ),
    pytest.param(
        {"nodeVmSize": "Standard_E8_v3"},
        "nodeVmSize = 'Standard_E8_v3': cannot host a sandboxing pool: Standard_E8_v3 (Ev3) is Generation 1 only; use Esv3 (with s), its Generation 2 twin, e.g. Standard_E4s_v3. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: pulumi config set nodeVmSize Standard_D4s_v3",
        id="Ev3 Gen1",
    ),
    pytest.param(
        {"nodeVmSize": "Standard_D4as_v4"},
        "nodeVmSize = 'Standard_D4as_v4': cannot host a sandboxing pool: Standard_D4as_v4 (Dav4 / Dasv4) does not support nested virtualization; its AMD v5 twin does, e.g. Standard_D4as_v5. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: pulumi config set nodeVmSize Standard_D4s_v3",
        id="AMD v4",
    ),
    pytest.param(
        {"nodeVmSize": "Standard_D4ps_v5"},
        "nodeVmSize = 'Standard_D4ps_v5': cannot host a sandboxing pool: Standard_D4ps_v5 (Dpsv5) is Arm64; no Arm size supports nested virtualization. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: pulumi config set nodeVmSize Standard_D4s_v3",
        id="Arm",
    ),
    pytest.param(
        {"nodeVmSize": "Standard_NC4as_T4_v3"},
        "nodeVmSize = 'Standard_NC4as_T4_v3': cannot host a sandboxing pool: Standard_NC4as_T4_v3 (NCv3 / NCasT4_v3) does not support nested virtualization. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: pulumi config set nodeVmSize Standard_D4s_v3",
        id="GPU",
    ),
    pytest.param(
        {"nodeVmSize": "Standard_DC8as_cc_v5"},
        "nodeVmSize = 'Standard_DC8as_cc_v5': cannot host a sandboxing pool: Standard_DC8as_cc_v5 (DCsv2 / DCasv5 / DCesv6) does not support nested virtualization. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: pulumi config set nodeVmSize Standard_D4s_v3",
        id="confidential",
    ),
    pytest.param(
        {"nodeVmSize": "Standard_B2s"},
        "nodeVmSize = 'Standard_B2s': cannot host a sandboxing pool: Standard_B2s (B (v1)) does not support nested virtualization. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: pulumi config set nodeVmSize Standard_D4s_v3",
        id="burstable",
    ),
    pytest.param(
        {"nodeVmSize": "Standard_Q4_v9"},
        "nodeVmSize = 'Standard_Q4_v9': cannot host a sandboxing pool: Standard_Q4_v9: series Qv9 is not in the catalog (checked 2026-06); its nested virtualization support is unknown. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: pulumi config set nodeVmSize Standard_D4s_v3",
        id="unknown series",
    ),
    pytest.param(
        {"nodeVmSize": "Standard_D4d_v5"},
        "nodeVmSize = 'Standard_D4d_v5': cannot host a sandboxing pool: Standard_D4d_v5 (Ddv5) is unverified: the Azure docs do not confirm Gen2 + nested virtualization for this series. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: pulumi config set nodeVmSize Standard_D4s_v3",
        id="unverified",
    ),
    pytest.param(
        {"nodeVmSize": "D4s_v3"},
        "nodeVmSize = 'D4s_v3': is not an Azure VM size name (did you mean Standard_D4s_v3?). Allowed: a size name such as Standard_D4s_v3 (tier_FamilyVCPUsFeatures_version). Example: pulumi config set nodeVmSize Standard_D4s_v3",
        id="not a size",
    ),
    pytest.param(
        {"kubernetesVersion": "1.26.0"},
        "kubernetesVersion = '1.26.0': is below the minimum 1.27.0 for KataVmIsolation. Allowed: 1.27.0 or later, or empty for the AKS default. Example: pulumi config set kubernetesVersion 1.33",
        id="below GA min",
    ),
    pytest.param(
        {"kubernetesVersion": "1.23", "runtime": "KataMshvVmIsolation"},
        "kubernetesVersion = '1.23': is below the minimum 1.24.0 for KataMshvVmIsolation. Allowed: 1.24.0 or later, or empty for the AKS default. Example: pulumi config set kubernetesVersion 1.33",
        id="below legacy min",
    ),
    pytest.param(
        {"kubernetesVersion": "latest"},
        "kubernetesVersion = 'latest': is not a Kubernetes version. Allowed: MAJOR.MINOR or MAJOR.MINOR.PATCH, or empty for the AKS default. Example: pulumi config set kubernetesVersion 1.33",
        id="not a version",
    ),
    pytest.param(
        {"nodeCount": "0"},
        "nodeCount = 0: a node pool needs at least one node. Allowed: an integer of 1 or more. Example: pulumi config set nodeCount 1",
        id="count zero",
    ),
    pytest.param(
        {"nodeCount": "-2"},
        "nodeCount = -2: a node pool needs at least one node. Allowed: an integer of 1 or more. Example: pulumi config set nodeCount 1",
        id="count negative",
    ),
    pytest.param(
        {"nodeCount": "two"},
        "nodeCount = 'two': is not a whole number. Allowed: an integer. Example: pulumi config set nodeCount 1",
        id="count not int",
    ),
    pytest.param(
        {"nodePoolName": "NodePool2"},
        "nodePoolName = 'NodePool2': is not a valid Linux node pool name. Allowed: 1-12 lower-case letters and digits, starting with a letter. Example: pulumi config set nodePoolName nodepool2",
        id="pool upper",
    ),
    pytest.param(
        {"nodePoolName": "pool-2"},
        "nodePoolName = 'pool-2': is not a valid Linux node pool name. Allowed: 1-12 lower-case letters and digits, starting with a letter. Example: pulumi config set nodePoolName nodepool2",
        id="pool hyphen",
    ),
    pytest.param(
        {"nodePoolName": "averylongpoolname"},
        "nodePoolName = 'averylongpoolname': is not a valid Linux node pool name. Allowed: 1-12 lower-case letters and digits, starting with a letter. Example: pulumi config set nodePoolName nodepool2",
        id="pool too long",
    ),
    pytest.param(
        {"nodePoolName": "2pool"},
        "nodePoolName = '2pool': is not a valid Linux node pool name. Allowed: 1-12 lower-case letters and digits, starting with a letter. Example: pulumi config set nodePoolName nodepool2",
        id="pool digit",
    ),
    pytest.param(
        {"clusterName": "-cluster"},
        "clusterName = '-cluster': is not a valid AKS cluster name. Allowed: 1-63 letters, digits, '-' or '_', starting and ending with a letter or digit. Example: pulumi config set clusterName myAKSCluster",
        id="cluster hyphen",
    ),
    pytest.param(
        {"clusterName": "my cluster"},
        "clusterName = 'my cluster': is not a valid AKS cluster name. Allowed: 1-63 letters, digits, '-' or '_', starting and ending with a letter or digit. Example: pulumi config set clusterName myAKSCluster",
        id="cluster space",
    ),
    pytest.param(
        {"resourceGroupName": "group."},
        "resourceGroupName = 'group.': is not a valid resource group name. Allowed: 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'. Example: pulumi config set resourceGroupName myResourceGroup",
        id="rg dot",
    ),
    pytest.param(
        {"resourceGroupName": "rg/x"},
        "resourceGroupName = 'rg/x': is not a valid resource group name. Allowed: 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'. Example: pulumi config set resourceGroupName myResourceGroup",
        id="rg slash",
    ),
    pytest.param(
        {"createResourceGroup": "maybe"},
        "createResourceGroup = 'maybe': is not a boolean. Allowed: true or false. Example: pulumi config set createResourceGroup true",
        id="bool",
    ),
    pytest.param(
        {"protect": "sure"},
        "protect = 'sure': is not a boolean. Allowed: true or false. Example: pulumi config set protect true",
        id="bool2",
    ),
    pytest.param(
        {"sshPublicKey": "not-a-key"},
        "sshPublicKey = 'not-a-key': is not an OpenSSH public key. Allowed: a single line 'ssh-rsa AAAA...' or 'ssh-ed25519 AAAA...', or empty to generate one. Example: pulumi config set sshPublicKey \"$(cat ~/.ssh/id_rsa.pub)\"",
        id="ssh",
    ),
    pytest.param(
        {"demoCpuLimit": "lots"},
        "demoCpuLimit = 'lots': is not a Kubernetes CPU quantity. Allowed: a positive CPU quantity such as 500m or 1. Example: pulumi config set demoCpuLimit 500m",
        id="demoCpuLimit-lots",
    ),
    pytest.param(
        {"demoCpuLimit": "0"},
        "demoCpuLimit = '0': a CPU limit must be above zero. Allowed: a positive CPU quantity such as 500m or 1. Example: pulumi config set demoCpuLimit 500m",
        id="demoCpuLimit-0",
    ),
    pytest.param(
        {"demoMemoryLimit": "64Mi"},
        "demoMemoryLimit = '64Mi': is under the 128Mi minimum of a KataVmIsolation sandbox. Allowed: a memory quantity of at least 128Mi, such as 256Mi or 1Gi. Example: pulumi config set demoMemoryLimit 256Mi",
        id="demoMemoryLimit-64Mi",
    ),
    pytest.param(
        {"demoMemoryLimit": "huge"},
        "demoMemoryLimit = 'huge': is not a Kubernetes memory quantity. Allowed: a memory quantity of at least 128Mi, such as 256Mi or 1Gi. Example: pulumi config set demoMemoryLimit 256Mi",
        id="demoMemoryLimit-huge",
    ),
    pytest.param(
        {"untrustedNamespace": "Bad_NS"},
        "untrustedNamespace = 'Bad_NS': is not a valid Kubernetes namespace name. Allowed: 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit. Example: pulumi config set untrustedNamespace untrusted",
        id="untrustedNamespace-Bad_NS",
    ),
    pytest.param(
        {"demo": "perhaps"},
        "demo = 'perhaps': is not a boolean. Allowed: true or false. Example: pulumi config set demo true",
        id="demo-perhaps",
    ),
    pytest.param(
        {"extraPools": ["kata8"]},
        "extraPools[0] = 'kata8': is not NAME:VM_SIZE[:COUNT]. Allowed: a pool name, a VM size and an optional node count, joined by ':'. Example: pulumi config set --path 'extraPools[0]' kata8:Standard_D8s_v5:2",
        id="extra-no-size",
    ),
    pytest.param(
        {"extraPools": ["Kata8:Standard_D8s_v5"]},
        "extraPools[0] = 'Kata8:Standard_D8s_v5': pool name 'Kata8' is not a valid Linux node pool name. Allowed: 1-12 lower-case letters and digits, starting with a letter. Example: pulumi config set --path 'extraPools[0]' kata8:Standard_D8s_v5:2",
        id="extra-bad-name",
    ),
    pytest.param(
        {"extraPools": ["nodepool1:Standard_D8s_v5"]},
        "extraPools[0] = 'nodepool1:Standard_D8s_v5': repeats the pool name nodepool1. Allowed: a name no other pool of the stack uses. Example: pulumi config set --path 'extraPools[0]' kata8:Standard_D8s_v5:2",
        id="extra-duplicate",
    ),
    pytest.param(
        {"extraPools": ["kata8:Standard_D8s_v5:0"]},
        "extraPools[0] = 'kata8:Standard_D8s_v5:0': node count '0' is not a whole number of 1 or more. Allowed: NAME:VM_SIZE:COUNT with COUNT of 1 or more. Example: pulumi config set --path 'extraPools[0]' kata8:Standard_D8s_v5:2",
        id="extra-zero-count",
    ),
    pytest.param(
        {"extraPools": ["kata8:Standard_D8s_v5:\u00b2"]},
        "extraPools[0] = 'kata8:Standard_D8s_v5:\u00b2': node count '\u00b2' is not a whole number of 1 or more. Allowed: NAME:VM_SIZE:COUNT with COUNT of 1 or more. Example: pulumi config set --path 'extraPools[0]' kata8:Standard_D8s_v5:2",
        id="extra-superscript-count",
    ),
    pytest.param(
        {"extraPools": ["kata8:Standard_D8s_v5:5000"]},
        "extraPools[0] = 'kata8:Standard_D8s_v5:5000': node count 5000 is above AKS's limit of 1000 nodes per pool. Allowed: NAME:VM_SIZE:COUNT with COUNT of 1 to 1000. Example: pulumi config set --path 'extraPools[0]' kata8:Standard_D8s_v5:1",
        id="extra-count-above-the-pool-limit",
    ),
    pytest.param(
        {"extraPools": ["kata8:D8s_v5:2"]},
        "extraPools[0] = 'D8s_v5': is not an Azure VM size name (did you mean Standard_D8s_v5?). Allowed: a size name such as Standard_D4s_v3 (tier_FamilyVCPUsFeatures_version). Example: pulumi config set --path 'extraPools[0]' kata8:Standard_D8s_v5:2",
        id="extra-not-a-size",
    ),
    pytest.param(
        {"extraPools": ["kata8:Standard_D8s_v5", "kata9:Standard_D8as_v4:2"]},
        "extraPools[1] = 'Standard_D8as_v4': cannot host a sandboxing pool: Standard_D8as_v4 (Dav4 / Dasv4) does not support nested virtualization; its AMD v5 twin does, e.g. Standard_D4as_v5. Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with `podsandbox vm-size NAME`). Example: pulumi config set --path 'extraPools[1]' kata9:Standard_D4s_v3:2",
        id="extra-amd-v4",
    ),
    pytest.param(
        {"extraPools": "kata8"},
        "extraPools = 'kata8': is not a list. Allowed: a list of NAME:VM_SIZE[:COUNT]. Example: pulumi config set extraPools '[\"kata8:Standard_D8s_v5:2\"]'",
        id="extra-not-a-list",
    ),
    pytest.param(
        {"demoPool": "kata9"},
        "demoPool = 'kata9': is not one of this stack's sandboxing pools. Allowed: one of nodepool1, or empty. Example: pulumi config set demoPool nodepool1",
        id="demo-pool-unknown",
    ),
    pytest.param(
        {"pools": '{"name": "kata8"}'},
        'pools = \'{"name": "kata8"}\': is not a list. Allowed: a list of pool objects. Example: pulumi config set pools \'[{"name": "kata8", "vmSize": "Standard_D8s_v5"}]\'',
        id="pools not a list",
    ),
    pytest.param(
        {"pools": [{"name": "kata8"}, "kata9"]},
        'pools[1] = \'kata9\': is not a pool object. Allowed: an object with a name and any pool setting. Example: pulumi config set --path \'pools[1]\' \'{"name": "kata8", "vmSize": "Standard_D8s_v5"}\'',
        id="pools second item not an object",
    ),
    pytest.param(
        {"pools": [{"name": ""}]},
        "pools[0].name = '': is required. Allowed: 1-12 lower-case letters and digits, starting with a letter. Example: pulumi config set --path 'pools[0].name' kata8",
        id="pools empty name",
    ),
    pytest.param(
        {"pools": [{"name": "kata8"}, {"name": "kata8"}]},
        "pools[1].name = 'kata8': repeats the pool name kata8. Allowed: a name no other pool of the stack uses. Example: pulumi config set --path 'pools[1].name' kata9",
        id="pools repeat each other",
    ),
    pytest.param(
        {"pools": [{"name": "Kata_8"}]},
        "pools[0].name = 'Kata_8': is not a valid Linux node pool name. Allowed: 1-12 lower-case letters and digits, starting with a letter. Example: pulumi config set --path 'pools[0].name' nodepool2",
        id="pools invalid name",
    ),
    pytest.param(
        {"pools": [{"name": "kata8", "nodeCount": "-1"}]},
        "pools[0].nodeCount = -1: a node pool needs at least one node. Allowed: an integer of 1 or more. Example: pulumi config set --path 'pools[0].nodeCount' 1",
        id="pools negative count as text",
    ),
    pytest.param(
        {"pools": [{"name": "kata8", "enableAutoScaling": "maybe"}]},
        "pools[0].enableAutoScaling = 'maybe': is not true or false. Allowed: true or false. Example: pulumi config set --path 'pools[0].enableAutoScaling' true",
        id="pools autoscaling not a boolean",
    ),
    pytest.param(
        {"nodeTaints": "sandbox=true:NoSchedule"},
        "nodeTaints = 'sandbox=true:NoSchedule': is not a list. Allowed: a list of strings. Example: pulumi config set nodeTaints '[\"sandbox=true:NoSchedule\"]'",
        id="taints not a list",
    ),
    pytest.param(
        {"nodeTaints": '["CriticalAddonsOnly=true:NoSchedule"]', "demo": "false"},
        "nodeTaints = ['CriticalAddonsOnly=true:NoSchedule']: keeps every pod but the system's off the cluster's only pool. Allowed: CriticalAddonsOnly=true:NoSchedule with at least one more (User) pool, or no taint. Example: pulumi config set nodeTaints '[]'",
        id="dedicated system pool alone",
    ),
    pytest.param(
        {"mode": "existing-cluster", "karpenter": "true", "karpenterMemoryLimit": "lots"},
        "karpenterMemoryLimit = 'lots': is not a positive quantity. Allowed: a memory quantity, or empty for no limit. Example: pulumi config set karpenterMemoryLimit 256Gi",
        id="karpenter memory limit",
    ),
    pytest.param(
        {
            "nodeTaints": '["CriticalAddonsOnly=true:NoSchedule"]',
            "pools": [{"name": "kata8"}, {"name": "kata9"}],
            "demoPool": "nodepool1",
        },
        "demoPool = 'nodepool1': is the System pool, whose CriticalAddonsOnly=true:NoSchedule taint keeps application pods off it. Allowed: one of the other pools: kata8, kata9. Example: pulumi config set demoPool kata9",
        id="demo pool is the dedicated system pool",
    ),
    pytest.param(
        {"osSku": "Ubuntu", "pools": [{"name": "kata8"}]},
        "osSku = 'Ubuntu': Pod Sandboxing needs OS SKU AzureLinux; Ubuntu cannot run Kata VMs. Allowed: AzureLinux. Example: pulumi config set osSku AzureLinux",
        id="os sku judged once with pools",
    ),
]


def test_there_are_at_least_25_bad_inputs():
    assert len(BAD_INPUTS) >= 25


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUTS)
def test_each_bad_input_gets_its_exact_message(overrides, message):
    with pytest.raises(SettingsError) as raised:
        load_settings(overrides, "eastus")
    assert [str(problem) for problem in raised.value.problems] == [message]
    assert message in str(raised.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as raised:
        load_settings(
            {
                "mode": "new-cluster",
                "osSku": "Ubuntu",
                "nodeVmSize": "Standard_D4_v3",
                "kubernetesVersion": "1.26.0",
                "nodeCount": "0",
                "nodePoolName": "Pool_1",
            },
            None,
        )
    keys = [problem.where for problem in raised.value.problems]
    assert sorted(keys) == sorted(
        [
            "azure-native:location",
            "osSku",
            "nodeVmSize",
            "kubernetesVersion",
            "nodeCount",
            "nodePoolName",
        ]
    )
    assert str(raised.value).startswith("invalid stack settings (6 problems):\n  - ")


def test_defaults_are_the_how_to_values():
    settings = load_settings({}, "eastus")
    assert settings.mode == NEW_CLUSTER
    assert settings.runtime is aks.GA_RUNTIME
    assert (settings.resource_group_name, settings.cluster_name) == (
        "myResourceGroup",
        "myAKSCluster",
    )
    assert (settings.node_vm_size, settings.node_count) == ("Standard_D4s_v3", 1)
    assert (settings.os_sku, settings.node_pool_name) == ("AzureLinux", "nodepool1")
    assert settings.kubernetes_version is None and settings.ssh_public_key is None
    assert settings.create_resource_group is True and settings.protect is False
    assert settings.warnings == ()


def test_existing_cluster_defaults_to_nodepool2_and_needs_no_location():
    settings = load_settings({"mode": EXISTING_CLUSTER}, None)
    assert settings.node_pool_name == "nodepool2"
    assert settings.location is None


def test_values_are_converted_like_pulumi_config_strings():
    settings = load_settings(
        {
            "nodeCount": "3",
            "protect": "true",
            "createResourceGroup": "false",
            "osSku": "azurelinux",
        },
        "westeurope",
    )
    assert (settings.node_count, settings.protect, settings.create_resource_group) == (
        3,
        True,
        False,
    )
    assert settings.os_sku == "AzureLinux"


def test_runtime_is_matched_without_case_and_normalised():
    assert load_settings({"runtime": "katavmisolation"}, "eastus").runtime is aks.GA_RUNTIME


def test_legacy_runtime_is_accepted_with_a_deprecation_warning():
    settings = load_settings(
        {"runtime": "KataMshvVmIsolation", "kubernetesVersion": "1.24.0"}, "eastus"
    )
    assert settings.runtime is aks.LEGACY_RUNTIME
    assert settings.warnings[0] == (
        "workload runtime KataMshvVmIsolation is the preview-era (legacy) generation; use "
        "KataVmIsolation (RuntimeClass kata-vm-isolation), generally available since 2025-11-18"
    )
    # 1.24 is also too old for the in-cluster guardrail, which is turned off and said so.
    assert settings.warnings[1].startswith(
        "the in-cluster guardrail is off: kubernetesVersion 1.24.0"
    )
    assert len(settings.warnings) == 2


EXISTING = {"mode": "existing-cluster", "clusterName": "aks", "resourceGroupName": "rg"}


def test_the_guardrail_defaults_to_deny_on_a_new_cluster_and_audit_on_an_existing_one():
    assert load_settings({}, "eastus").guardrail == plan_guardrail(True, None, True, None)
    assert load_settings({}, "eastus").guardrail.actions == ("Deny",)
    assert load_settings(EXISTING).guardrail.actions == ("Warn", "Audit")
    assert load_settings(EXISTING).guardrail.enabled


@pytest.mark.parametrize(
    ("config", "actions"),
    [({"guardrailEnforcement": " Deny "}, ("Deny",)), ({"guardrailEnforcement": "AUDIT"},
     ("Warn", "Audit")), ({"guardrailEnforcement": ""}, ("Warn", "Audit"))],
)  # fmt: skip
def test_the_guardrail_enforcement_is_matched_without_case_or_spaces(config, actions):
    assert load_settings({**EXISTING, **config}).guardrail.actions == actions


def test_the_guardrail_can_be_turned_off():
    settings = load_settings({"guardrail": False}, "eastus")
    assert not settings.guardrail.enabled
    assert settings.warnings == ()  # turned off by choice: nothing to warn about
    assert load_settings({"guardrail": "false"}, "eastus").guardrail.enabled is False
    assert load_settings({"guardrail": "true"}, "eastus").guardrail.enabled is True


def test_a_version_below_130_turns_the_guardrail_off_with_a_warning():
    settings = load_settings({"kubernetesVersion": "1.29"}, "eastus")
    assert not settings.guardrail.enabled
    assert settings.warnings == plan_guardrail(True, None, True, "1.29").warnings
    assert settings.warnings[0].startswith(
        "the in-cluster guardrail is off: kubernetesVersion 1.29"
    )


def test_the_same_version_passes_legacy_and_fails_ga():
    load_settings({"runtime": "KataMshvVmIsolation", "kubernetesVersion": "1.25"}, "eastus")
    with pytest.raises(SettingsError, match=r"below the minimum 1\.27\.0"):
        load_settings({"runtime": "KataVmIsolation", "kubernetesVersion": "1.25"}, "eastus")


@pytest.mark.parametrize(
    ("version", "sent"),
    [("1.27", "1.27"), ("1.27.0", "1.27.0"), ("1.33.2", "1.33.2"), ("v1.30", "1.30"),
     (" V1.31.2 ", "1.31.2")],
)  # fmt: skip
def test_versions_at_or_above_the_minimum_pass_as_aks_takes_them(version, sent):
    # `kubectl version` prints v1.30: accepted, and sent to AKS without the v.
    assert load_settings({"kubernetesVersion": version}, "eastus").kubernetes_version == sent


def test_unverified_os_sku_is_accepted_with_a_warning():
    settings = load_settings({"osSku": "AzureLinux3"}, "eastus")
    assert settings.os_sku == "AzureLinux3"
    assert settings.warnings == (
        "OS SKU AzureLinux3 is not documented for Pod Sandboxing (only AzureLinux is); "
        "AKS may reject it",
    )


def test_an_unknown_key_is_a_problem():
    with pytest.raises(SettingsError, match=r"nodeVMSize = 'x': is not a setting"):
        load_settings({"nodeVMSize": "x"}, "eastus")


def test_rules_can_step_aside_but_unusable_values_cannot():
    settings = load_settings(
        {"osSku": "Ubuntu", "nodeVmSize": "Standard_D4_v3"},
        "eastus",
        enforce_sandboxing_rules=False,
    )
    assert (settings.os_sku, settings.node_vm_size) == ("Ubuntu", "Standard_D4_v3")
    with pytest.raises(SettingsError, match="nodeCount"):
        load_settings({"nodeCount": "two"}, "eastus", enforce_sandboxing_rules=False)


def test_a_valid_ssh_key_is_kept():
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host"
    assert load_settings({"sshPublicKey": key}, "eastus").ssh_public_key == key


@pytest.mark.parametrize(
    ("cluster", "prefix"),
    [
        ("myAKSCluster", "myAKSCluster"),
        ("my_cluster", "my-cluster"),
        ("_x_", "x"),
        ("a" * 63, "a" * 54),
    ],
)
def test_dns_prefix_is_a_valid_dns_label(cluster, prefix):
    assert dns_prefix(cluster) == prefix


def test_extra_pools_from_a_list_or_the_json_text_pulumi_passes():
    for value in (["kata8:Standard_D8s_v5:2", "katamem:Standard_E4s_v5"],
                  '["kata8:Standard_D8s_v5:2", "katamem:Standard_E4s_v5"]'):  # fmt: skip
        settings = load_settings({"extraPools": value, "demoPool": "kata8"}, "eastus")
        assert [(p.name, p.vm_size, p.count) for p in settings.pools] == [
            ("nodepool1", "Standard_D4s_v3", 1),
            ("kata8", "Standard_D8s_v5", 2),
            ("katamem", "Standard_E4s_v5", 1),
        ]
        assert (settings.demo_pool, settings.demo_vm_size) == ("kata8", "Standard_D8s_v5")


def test_every_bad_extra_pool_is_reported():
    with pytest.raises(SettingsError) as raised:
        load_settings({"extraPools": ["a:Standard_D4_v3", "b", "c:Standard_D4s_v3:x"]}, "eastus")
    assert [problem.where for problem in raised.value.problems] == [
        "extraPools[0]",
        "extraPools[1]",
        "extraPools[2]",
    ]


def test_unknown_keys_are_each_named_with_every_setting_there_is():
    with pytest.raises(SettingsError) as raised:
        load_settings({"zoneCount": "3", "nodeVMSize": "x"}, "eastus")
    every = ", ".join(setting.key for setting in SETTINGS)
    # The old example (pulumi config set nodeCount 1) fixed nothing: the key it meant gets the
    # value; a key near nothing is removed.
    assert [str(problem) for problem in raised.value.problems] == [
        f"nodeVMSize = 'x': is not a setting of this project (did you mean nodeVmSize?). Allowed: "
        f"one of {every}. Example: pulumi config rm nodeVMSize && pulumi config set nodeVmSize x",
        f"zoneCount = '3': is not a setting of this project. Allowed: one of {every}. "
        "Example: pulumi config rm zoneCount",
    ]


def test_an_unknown_secret_key_is_named_but_its_value_never_shown():
    with pytest.raises(SettingsError) as raised:
        load_settings({"sshPublicKy": "hunter2", "nodeCount": "x"}, "eastus",
                      secret_keys=["sshPublicKy", "nodeCount"])  # fmt: skip
    assert "hunter2" not in str(raised.value) and "'x'" not in str(raised.value)
    assert [(problem.where, repr(problem.value), problem.example) for problem in
            raised.value.problems] == [
        ("sshPublicKy", "[secret]", "pulumi config rm sshPublicKy"),
        ("nodeCount", "[secret]", "pulumi config set nodeCount 1"),
    ]  # fmt: skip


def test_a_boolean_is_not_a_node_count():
    with pytest.raises(SettingsError) as raised:
        load_settings({"nodeCount": True}, "eastus")
    assert [str(problem) for problem in raised.value.problems] == [
        "nodeCount = 'True': is not a whole number. Allowed: an integer. "
        "Example: pulumi config set nodeCount 1"
    ]


def test_a_new_cluster_without_a_region():
    with pytest.raises(SettingsError) as raised:
        load_settings({}, None)
    assert [str(problem) for problem in raised.value.problems] == [
        "azure-native:location (not set): new-cluster mode needs an Azure region for the cluster. "
        "Allowed: an Azure region name. Example: pulumi config set azure-native:location eastus"
    ]


def test_the_demo_pool_must_be_one_of_the_stacks_pools():
    with pytest.raises(SettingsError) as raised:
        load_settings({"extraPools": ["kata8:Standard_D8s_v5"], "demoPool": "kata9"}, "eastus")
    assert [str(problem) for problem in raised.value.problems] == [
        "demoPool = 'kata9': is not one of this stack's sandboxing pools. Allowed: one of "
        "nodepool1, kata8, or empty. Example: pulumi config set demoPool kata8"
    ]


def test_every_setting_reaches_the_typed_settings():
    settings = load_settings(
        {"demo": "false", "demoCpuLimit": "1", "demoMemoryLimit": "1Gi",
         "untrustedNamespace": "tenants", "protect": "true", "createResourceGroup": "false"},
        " westeurope ",
    )  # fmt: skip
    assert (settings.location, settings.demo, settings.protect) == ("westeurope", False, True)
    assert (settings.demo_cpu_limit, settings.demo_memory_limit) == ("1", "1Gi")
    assert (settings.untrusted_namespace, settings.create_resource_group) == ("tenants", False)
    defaults = load_settings({}, "eastus")
    assert (defaults.demo, defaults.demo_cpu_limit, defaults.demo_memory_limit) == (
        True, "500m", "256Mi",
    )  # fmt: skip


@pytest.mark.parametrize(("key", "value"), [("demoMemoryLimit", "128Mi"), ("demoCpuLimit", "1n")])
def test_the_smallest_demo_limits_are_accepted(key, value):
    assert getattr(load_settings({key: value}, "eastus"), _ATTRIBUTE[key]) == value


_ATTRIBUTE = {"demoMemoryLimit": "demo_memory_limit", "demoCpuLimit": "demo_cpu_limit"}


@pytest.mark.parametrize(("value", "pools"), [("", []), ([], []), ("[]", [])])
def test_no_extra_pools(value, pools):
    assert list(load_settings({"extraPools": value}, "eastus").extra_pools) == pools


def test_extra_pool_items_that_are_not_text_or_repeat_a_name():
    with pytest.raises(SettingsError) as raised:
        load_settings(
            {"extraPools": ["kata8:Standard_D8s_v5", 5, "kata8:Standard_E4s_v5",
                            "kata9:Standard_D4_v3:0"]},
            "eastus",
        )  # fmt: skip
    assert [str(problem) for problem in raised.value.problems] == [
        "extraPools[1] = 5: is not NAME:VM_SIZE[:COUNT]. Allowed: a pool name, a VM size and an "
        "optional node count, joined by ':'. Example: pulumi config set --path 'extraPools[1]' "
        "kata8:Standard_D8s_v5:2",
        "extraPools[2] = 'kata8:Standard_E4s_v5': repeats the pool name kata8. Allowed: a name no "
        "other pool of the stack uses. Example: pulumi config set --path 'extraPools[2]' "
        "kata8:Standard_D8s_v5:2",
        "extraPools[3] = 'kata9:Standard_D4_v3:0': node count '0' is not a whole number of 1 or "
        "more. Allowed: NAME:VM_SIZE:COUNT with COUNT of 1 or more. Example: pulumi config set "
        "--path 'extraPools[3]' kata8:Standard_D8s_v5:2",
        "extraPools[3] = 'Standard_D4_v3': cannot host a sandboxing pool: Standard_D4_v3 (Dv3) is "
        "Generation 1 only; use Dsv3 (with s), its Generation 2 twin, e.g. Standard_D4s_v3. "
        "Allowed: a Generation 2 x64 size with nested virtualization, e.g. Standard_D4s_v3, "
        "Standard_D4s_v5, Standard_D4as_v5, Standard_E4s_v5 (check one with "
        "`podsandbox vm-size NAME`). Example: pulumi config set --path 'extraPools[3]' "
        "kata9:Standard_D4s_v3:1",
    ]


def test_extra_pools_with_sizes_the_rules_would_refuse_are_kept_when_they_step_aside():
    settings = load_settings({"extraPools": ["kata8:Standard_D4_v3:2"]}, "eastus",
                             enforce_sandboxing_rules=False)  # fmt: skip
    assert [(p.name, p.vm_size, p.count) for p in settings.extra_pools] == [
        ("kata8", "Standard_D4_v3", 2)
    ]


def test_the_kubelogin_mode_is_read_for_existing_clusters():
    assert load_settings({"mode": "existing-cluster"}).kubelogin_mode == "azurecli"
    chosen = load_settings({"mode": "existing-cluster", "kubeloginMode": "spn"})
    assert chosen.kubelogin_mode == "spn"
    with pytest.raises(SettingsError) as caught:
        load_settings({"mode": "existing-cluster", "kubeloginMode": "devicecode"})
    [problem] = caught.value.problems
    assert (problem.where, problem.value, problem.example) == (
        "kubeloginMode",
        "devicecode",
        "pulumi config set kubeloginMode azurecli",
    )
    assert problem.reason == "is not a non-interactive kubelogin login mode"
    assert problem.allowed == (
        "azurecli (the Azure CLI's signed-in account (az login; azure/login in a workflow)); "
        "workloadidentity (a federated workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID and "
        "AZURE_FEDERATED_TOKEN_FILE, or a GitHub Actions OIDC token)); spn (a service principal "
        "(AAD_SERVICE_PRINCIPAL_CLIENT_ID and AAD_SERVICE_PRINCIPAL_CLIENT_SECRET, or "
        "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET))"
    )


def test_a_new_cluster_takes_no_kubelogin_mode():
    assert load_settings({}, "eastus").kubelogin_mode == "azurecli"
    with pytest.raises(SettingsError) as caught:
        load_settings({"kubeloginMode": "spn"}, "eastus")
    assert [str(problem) for problem in caught.value.problems] == [
        "kubeloginMode = 'spn': applies to existing clusters only: a cluster this stack creates "
        "has local accounts, not Microsoft Entra ID. Allowed: azurecli (the default) in "
        "new-cluster mode. Example: pulumi config rm kubeloginMode"
    ]
    with pytest.raises(SettingsError):
        load_settings({"kubeloginMode": "devicecode"}, "eastus")


def test_an_invalid_runtime_does_not_hide_the_other_problems():
    with pytest.raises(SettingsError) as raised:
        load_settings(
            {
                "runtime": "KataCcIsolation",
                "osSku": "Ubuntu",
                "nodeVmSize": "Standard_D4_v3",
                "kubernetesVersion": "1.25",
            },
            "eastus",
        )
    keys = [problem.where for problem in raised.value.problems]
    assert keys == ["runtime", "nodeVmSize", "kubernetesVersion", "osSku"]
    assert "checked against KataVmIsolation, the default" in str(raised.value.problems[0])
    assert "below the minimum 1.27.0 for KataVmIsolation" in str(raised.value.problems[2])


@pytest.mark.parametrize(
    ("namespace", "owner"),
    [
        ("default", "Kubernetes' default namespace"),
        ("kube-system", "reserves (kube-*)"),
        ("kube-public", "reserves (kube-*)"),
        ("kube-node-lease", "reserves (kube-*)"),
        ("gatekeeper-system", "the Azure Policy add-on"),
        ("app-routing-system", "the application routing add-on"),
        ("aks-istio-system", "the Istio add-on"),
        ("aks-istio-ingress", "the Istio add-on's ingress gateways"),
        ("flux-system", "the GitOps (Flux) extension"),
        ("dapr-system", "the Dapr extension"),
        ("calico-system", "Calico"),
        ("aks-command", "az aks command invoke"),
    ],
)
def test_the_untrusted_namespace_cannot_be_one_kubernetes_or_aks_owns(namespace, owner):
    with pytest.raises(SettingsError) as raised:
        load_settings({"untrustedNamespace": namespace}, "eastus")
    [problem] = raised.value.problems
    assert problem.where == "untrustedNamespace" and problem.value == namespace
    assert problem.reason == (
        f"is {workloads.reserved_namespace(namespace)}; the program would take it over (Pod "
        "Security labels, a default-deny NetworkPolicy)"
    )
    assert owner in problem.reason
    assert "not default, kube-* or one AKS and its add-ons own" in problem.allowed
    assert problem.example == "pulumi config set untrustedNamespace untrusted"


def test_the_owner_of_a_reserved_namespace_is_said_in_words():
    assert workloads.reserved_namespace("default") == (
        "Kubernetes' default namespace, where workloads land that name no other"
    )
    assert workloads.reserved_namespace("kube-x") == (
        "a namespace Kubernetes reserves (kube-*) for the system"
    )
    assert workloads.reserved_namespace("flux-system") == (
        "owned by the GitOps (Flux) extension (Azure/AKS #5645)"
    )
    assert workloads.reserved_namespace("tenants") is None


@pytest.mark.parametrize(
    "namespace", ["untrusted", "tenants", "aks-store", "kube", "sandbox-kube-x"]
)
def test_a_namespace_of_ones_own_is_accepted(namespace):
    assert (
        load_settings({"untrustedNamespace": namespace}, "eastus").untrusted_namespace == namespace
    )


@pytest.mark.parametrize(
    ("written", "hint"),
    [("1.3", "1.30"), ("1.4", "1.40"), ("1.2", None), ("1.25", None), ("1.3.0", None)],
)
def test_a_version_yaml_read_as_a_number_gets_a_hint_to_quote_it(written, hint):
    with pytest.raises(SettingsError) as raised:
        load_settings({"kubernetesVersion": written}, "eastus")
    [problem] = raised.value.problems
    if hint is None:
        assert "YAML" not in problem.reason
        assert problem.example == "pulumi config set kubernetesVersion 1.33"
    else:
        assert problem.reason == (
            f"is below the minimum 1.27.0 for KataVmIsolation; if you wrote {hint}, YAML read it "
            f'as the number {written}: quote it in the stack file (kubernetesVersion: "{hint}")'
        )
        assert problem.example == f'pulumi config set kubernetesVersion "{hint}"'


def test_the_legacy_runtime_hint_follows_its_own_minimum():
    # 1.2 read as 1.20 is still below the legacy minimum 1.24: no hint.
    with pytest.raises(SettingsError) as raised:
        load_settings({"runtime": "KataMshvVmIsolation", "kubernetesVersion": "1.2"}, "eastus")
    assert "YAML" not in raised.value.problems[0].reason


# --- production pools: options, pools, the demo's placement ------------------------------------


def test_the_first_pools_options_are_read_with_their_types():
    settings = load_settings(
        {"nodeEnableAutoScaling": "true", "nodeMinCount": "2", "nodeMaxCount": " 4 ",
         "nodeCount": "3", "nodeMaxPods": "110", "nodeOsDiskType": "Ephemeral",
         "nodeOsDiskSizeGb": "64", "nodeAvailabilityZones": '["1", "2"]',
         "nodeTaints": [], "nodeLabels": '{"workload": "sandboxed"}'},
        "eastus",
    )  # fmt: skip
    assert settings.node_options == PoolOptions(
        enable_auto_scaling=True, min_count=2, max_count=4, max_pods=110,
        os_disk_type="Ephemeral", os_disk_size_gb=64, availability_zones=("1", "2"),
        node_labels=(("workload", "sandboxed"),),
    )  # fmt: skip
    assert settings.pools[0].options == settings.node_options
    assert load_settings({}, "eastus").node_options == PoolOptions()
    # Unset integers and empty text are AKS's defaults, not zero.
    empty = load_settings({"nodeMaxPods": "", "nodeOsDiskType": "", "nodeLabels": ""}, "eastus")
    assert empty.node_options == PoolOptions()


def test_a_new_clusters_first_pool_is_judged_as_a_system_pool_and_an_existing_ones_as_a_user_pool():
    bounds = {"nodeEnableAutoScaling": True, "nodeMinCount": 0, "nodeMaxCount": 3}
    with pytest.raises(SettingsError, match="nodeMinCount = 0: is outside what a System pool"):
        load_settings(bounds, "eastus")
    existing = load_settings({**bounds, "mode": "existing-cluster"})
    assert existing.node_options.min_count == 0


POOLS = [
    {"name": "apps", "vmSize": "Standard_D4s_v5", "nodeCount": 2},
    {"name": "kata", "vmSize": "Standard_D8s_v5", "nodeCount": "1", "enableAutoScaling": "true",
     "minCount": "0", "maxCount": 10, "maxPods": 110, "osDiskType": "Managed",
     "osDiskSizeGb": 128, "availabilityZones": ["1"], "nodeTaints": ["sandbox=true:NoSchedule"],
     "nodeLabels": {"workload": "sandboxed"}},
]  # fmt: skip


@pytest.mark.parametrize("given", [POOLS, json.dumps(POOLS)], ids=["object", "json"])
def test_pools_are_read_as_objects_or_their_json(given):
    settings = load_settings({"pools": given, "demoPool": "kata"}, "eastus")
    apps, kata = settings.extra_pools
    assert (apps.name, apps.vm_size, apps.count, apps.options) == (
        "apps",
        "Standard_D4s_v5",
        2,
        PoolOptions(),
    )
    assert (kata.count, kata.options) == (1, PoolOptions(
        enable_auto_scaling=True, min_count=0, max_count=10, max_pods=110, os_disk_type="Managed",
        os_disk_size_gb=128, availability_zones=("1",), node_taints=("sandbox=true:NoSchedule",),
        node_labels=(("workload", "sandboxed"),)))  # fmt: skip
    assert [pool.name for pool in settings.pools] == ["nodepool1", "apps", "kata"]
    assert settings.demo_tolerations == [
        {"key": "sandbox", "operator": "Equal", "value": "true", "effect": "NoSchedule"}
    ]


def test_extra_pools_and_pools_are_the_same_pools():
    short = load_settings({"extraPools": ["kata8:Standard_D8s_v5:2"]}, "eastus")
    long = load_settings(
        {"pools": [{"name": "kata8", "vmSize": "Standard_D8s_v5", "nodeCount": 2}]}, "eastus"
    )
    assert short.extra_pools == long.extra_pools
    assert load_settings({"pools": "", "extraPools": ""}, "eastus").extra_pools == ()


def test_every_problem_of_every_pools_item_is_reported():
    items = ["x", {"name": "kata8", "size": "x", "nodeCount": "two", "maxPods": "many"},
             {"vmSize": "Standard_D8s_v5"}]  # fmt: skip
    with pytest.raises(SettingsError) as raised:
        load_settings({"pools": items}, "eastus")
    assert [problem.where for problem in raised.value.problems] == [
        "pools[0]", "pools[1].size", "pools[1].nodeCount", "pools[1].maxPods", "pools[2].name",
    ]  # fmt: skip


def test_the_demo_tolerates_its_pools_taints_but_never_the_system_pools():
    config = {
        "nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"],
        "pools": [{"name": "apps"}, {"name": "kata", "nodeTaints": ["sandbox=true:NoSchedule",
                  "soft=yes:PreferNoSchedule"]}, {"name": "gpu", "nodeTaints": ["gpu=a:NoExecute"]}],
    }  # fmt: skip
    unpinned = load_settings(config, "eastus")
    assert [t["key"] for t in unpinned.demo_tolerations] == ["sandbox", "gpu"]
    pinned = load_settings({**config, "demoPool": "apps"}, "eastus")
    assert pinned.demo_tolerations == []


def test_the_trusted_demo_pod_needs_an_untainted_pool_on_a_new_cluster():
    tainted = {"pools": [{"name": "kata", "nodeTaints": ["sandbox=true:NoSchedule"]}],
               "nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"]}  # fmt: skip
    with pytest.raises(SettingsError) as raised:
        load_settings(tainted, "eastus")
    [problem] = raised.value.problems
    assert str(problem) == (
        "demo = true: the trusted demo pod tolerates no taint, and every pool of the cluster has "
        "a NoSchedule or NoExecute taint. Allowed: a pool without such taints, or no demo. "
        "Example: pulumi config set demo false"
    )
    assert not load_settings({**tainted, "demo": False}, "eastus").demo
    # A PreferNoSchedule taint keeps no pod off, and an existing cluster has pools of its own.
    soft = {"pools": [{"name": "kata", "nodeTaints": ["a=b:PreferNoSchedule"]}],
            "nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"]}  # fmt: skip
    load_settings(soft, "eastus")
    load_settings({**EXISTING, "nodeTaints": ["sandbox=true:NoSchedule"]})


def test_the_demo_cannot_be_pinned_to_a_system_pool_kept_for_system_pods():
    config = {"nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"], "pools": [{"name": "kata"}],
              "demoPool": "nodepool1"}  # fmt: skip
    with pytest.raises(SettingsError) as raised:
        load_settings(config, "eastus")
    assert [str(problem) for problem in raised.value.problems] == [
        "demoPool = 'nodepool1': is the System pool, whose CriticalAddonsOnly=true:NoSchedule "
        "taint keeps application pods off it. Allowed: one of the other pools: kata. Example: "
        "pulumi config set demoPool kata"
    ]


def test_a_demo_pod_that_fits_no_node_of_its_pools_is_warned_about():
    big = {"demoCpuLimit": "8", "demoMemoryLimit": "1Gi"}
    [warning] = [w for w in load_settings(big, "eastus").warnings if "demo pod" in w]
    assert warning == (
        "the untrusted demo pod takes 8 CPU and 1.59Gi of a node, more than one node of its pool "
        "holds: nodepool1 (Standard_D4s_v3); it would stay Pending. Lower demoCpuLimit or "
        "demoMemoryLimit, or use a larger VM size"
    )
    # A larger pool it may land on is enough; pinned elsewhere, it is not.
    roomy = {**big, "extraPools": ["kata16:Standard_D16s_v5"]}
    assert not [w for w in load_settings(roomy, "eastus").warnings if "demo pod" in w]
    pinned = load_settings({**roomy, "demoPool": "nodepool1"}, "eastus")
    assert [w for w in pinned.warnings if "demo pod" in w]
    assert not [w for w in load_settings({**big, "demo": False}, "eastus").warnings
                if "demo pod" in w]  # fmt: skip


def test_karpenter_is_read_for_an_existing_cluster():
    assert load_settings(EXISTING).karpenter is None
    assert load_settings({}, "eastus").karpenter is None  # off: nothing to refuse
    settings = load_settings({**EXISTING, "karpenter": "true", "karpenterCpuLimit": "64",
                              "karpenterConsolidationPolicy": "WhenEmpty",
                              "karpenterConsolidateAfter": "5m"})  # fmt: skip
    assert settings.karpenter == KarpenterSettings({"cpuLimit": "64", "memoryLimit": "",
                                                    "consolidationPolicy": "WhenEmpty",
                                                    "consolidateAfter": "5m"})  # fmt: skip
    both = load_settings({**EXISTING, "karpenter": "true", "karpenterCpuLimit": "64",
                          "karpenterMemoryLimit": "256Gi"})  # fmt: skip
    assert both.karpenter is not None
    assert both.karpenter.values["cpuLimit"] == "64"
    assert both.karpenter.values["memoryLimit"] == "256Gi"
    defaults = load_settings({**EXISTING, "karpenter": True})
    assert defaults.karpenter == KarpenterSettings({"cpuLimit": "", "memoryLimit": "",
                                                    "consolidationPolicy": "WhenEmptyOrUnderutilized",
                                                    "consolidateAfter": "0s"})  # fmt: skip


@pytest.mark.parametrize("key", ["extraPools", "pools"])
def test_a_cluster_takes_at_most_100_pools(key):
    # AKS's quota: 100 node pools per cluster, the first pool included.
    def items(count: int) -> list[object]:
        if key == "extraPools":
            return [f"p{index}:Standard_D4s_v3" for index in range(count)]
        return [{"name": f"p{index}"} for index in range(count)]

    assert len(load_settings({"mode": "existing-cluster", key: items(99)}).pools) == 100
    with pytest.raises(SettingsError) as raised:
        load_settings({"mode": "existing-cluster", key: items(100)})
    [problem] = raised.value.problems
    assert (problem.where, problem.value) == (key, 100)
    assert "more than the 100 node pools an AKS cluster takes" in problem.reason
    assert problem.allowed == "at most 99 more pools"
    # The example works when followed: without the list, the stack is valid.
    assert problem.example == f"pulumi config rm {key}"
    assert len(load_settings({"mode": "existing-cluster"}).pools) == 1


def test_the_upgrade_surge_is_read_for_every_pool_and_its_example_works():
    settings = load_settings(
        {"mode": "existing-cluster", "nodeMaxSurge": "33%",
         "pools": [{"name": "kata8", "maxSurge": "5"}], "extraPools": []}
    )  # fmt: skip
    assert [pool.options.max_surge for pool in settings.pools] == ["33%", "5"]
    assert load_settings({"mode": "existing-cluster"}).node_options.max_surge is None
    with pytest.raises(SettingsError) as raised:
        load_settings({"mode": "existing-cluster", "nodeMaxSurge": "150%"})
    [problem] = raised.value.problems
    assert (problem.where, problem.example) == (
        "nodeMaxSurge", "pulumi config set nodeMaxSurge 33%",
    )  # fmt: skip
    fixed = {"mode": "existing-cluster", "nodeMaxSurge": "33%"}  # the example, followed
    assert load_settings(fixed).node_options.max_surge == "33%"


def test_the_scale_down_mode_is_read_for_every_pool():
    settings = load_settings(
        {
            "mode": "existing-cluster",
            "nodeScaleDownMode": "Deallocate",
            "pools": [{"name": "kata8", "scaleDownMode": "Delete"}],
        }
    )
    assert [pool.options.scale_down_mode for pool in settings.pools] == ["Deallocate", "Delete"]
    assert load_settings({"mode": "existing-cluster"}).node_options.scale_down_mode is None
    with pytest.raises(SettingsError) as raised:
        load_settings(
            {"mode": "existing-cluster", "nodeScaleDownMode": "Deallocate",
             "nodeOsDiskType": "Ephemeral"}
        )  # fmt: skip
    [problem] = raised.value.problems
    assert (problem.where, problem.example) == (
        "nodeScaleDownMode", "pulumi config set nodeScaleDownMode Delete",
    )  # fmt: skip
    # The example works when followed.
    fixed = {
        "mode": "existing-cluster",
        "nodeScaleDownMode": "Delete",
        "nodeOsDiskType": "Ephemeral",
    }
    assert load_settings(fixed).node_options.scale_down_mode == "Delete"


@pytest.mark.parametrize(
    "values",
    [
        {"nodeEnableAutoScaling": "true"},
        {"nodeEnableAutoScaling": "true", "nodeMinCount": "5", "nodeMaxCount": "10"},
        {
            "nodeEnableAutoScaling": "true",
            "nodeMinCount": "5",
            "nodeMaxCount": "3",
            "nodeCount": "5",
        },
        {"nodeEnableAutoScaling": "true", "nodeMinCount": "0", "nodeMaxCount": "2000"},
        {"nodeMaxPods": "10"},
        {"nodeMaxPods": "300"},
        {"nodeOsDiskSizeGb": "10"},
        {"nodeMinCount": "2"},
        {"nodeMinCount": "1", "nodeMaxCount": "3"},
    ],
)
def test_each_printed_example_works_when_followed(values):
    # Apply every `pulumi config set KEY VALUE` or `pulumi config rm KEY` the error prints: the
    # settings are then valid.
    values = {"mode": "existing-cluster", **values}
    with pytest.raises(SettingsError) as raised:
        load_settings(values)
    for problem in raised.value.problems:
        command = problem.example.split()
        assert command[:2] == ["pulumi", "config"] and command[2] in ("set", "rm"), problem.example
        if command[2] == "rm":
            del values[command[3]]
        else:
            values[command[3]] = command[4]
    assert load_settings(values).node_options is not None


NO_SINGLE_VALUE_FIX = {
    "ssh": "the example reads the user's own key file ($(cat ~/.ssh/id_rsa.pub))",
}
"""Bad-input rows whose printed example is no single `pulumi config` command a test can apply,
with why; a test holds this list to the rows whose example does not apply."""


def config_path(key: str) -> list[str | int]:
    """`pools[0].nodeTaints[1]` -> ["pools", 0, "nodeTaints", 1] (the CLI's `--path` syntax)."""
    return [int(index) if index else name
            for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", key)]  # fmt: skip


def follow(values: dict[str, Any], location: object, example: str) -> tuple[dict[str, Any], object]:
    """`values` and the region after running the printed `pulumi config set|rm` commands (joined
    by &&), as the CLI would store them: text, a `--path` key inside its list or object."""
    values = json.loads(json.dumps(values))
    for command in example.split(" && "):
        words = shlex.split(command)
        assert words[:2] == ["pulumi", "config"] and words[2] in ("set", "rm"), example
        path = "--path" in words
        words = [word for word in words[3:] if word != "--path"]
        key, value = words[0], (words[1] if len(words) > 1 else None)
        if key == "azure-native:location":
            location = value
            continue
        steps: list[str | int] = config_path(key) if path else [key]
        here: Any = values
        for step, following in itertools.pairwise(steps):
            if isinstance(here, dict) and isinstance(here.get(step), str):
                here[step] = json.loads(here[step])  # a structured setting given as JSON text
            if isinstance(here, dict) and step not in here:
                here[step] = [] if isinstance(following, int) else {}
            here = here[step]
        last = steps[-1]
        if value is None:
            del here[last]
        elif isinstance(here, list) and last == len(here):
            here.append(value)
        else:
            here[last] = value
    return values, location


def applied_rows() -> list[Any]:
    return [row for row in BAD_INPUTS if "Example: pulumi config" in str(row.values[1])]


@pytest.mark.parametrize(("overrides", "message"), applied_rows())
def test_every_printed_fix_works_when_followed(request, overrides, message):
    with pytest.raises(SettingsError) as raised:
        load_settings(overrides, "eastus")
    [problem] = [p for p in raised.value.problems if str(p) == message]
    row = request.node.callspec.id
    values, location = follow(dict(overrides), "eastus", problem.example)
    try:
        load_settings(values, location)  # type: ignore[arg-type]
        left = []
    except SettingsError as error:
        left = [p for p in error.problems if (p.where, p.reason) == (problem.where, problem.reason)]
    assert (left == []) is (row not in NO_SINGLE_VALUE_FIX), (row, problem.example, left)


def test_the_rows_without_a_single_value_fix_are_rows():
    ids = {row.id for row in BAD_INPUTS}
    assert set(NO_SINGLE_VALUE_FIX) <= ids


def test_a_settings_error_lists_its_problems_in_the_stack_files_order():
    with pytest.raises(SettingsError) as raised:
        load_settings({"osSku": "Ubuntu", "nodeCount": "zero", "pools": "x"}, None)
    listed = raised.value.listing(
        "Pulumi.dev.yaml", ["pools", "azure-native:location", "osSku", "nodeCount"]
    )
    first, *problems = listed.splitlines()
    assert first == "4 problems in Pulumi.dev.yaml:"
    assert [line.split()[1] for line in problems] == [
        "pools", "azure-native:location", "osSku", "nodeCount",
    ]  # fmt: skip
    one = SettingsError(raised.value.problems[:1]).listing("Pulumi.x.yaml")
    assert one.splitlines()[0] == "1 problem in Pulumi.x.yaml:"  # keys not in the file: as read


def test_a_list_items_problem_sorts_with_its_list():
    with pytest.raises(SettingsError) as raised:
        load_settings({"pools": [{"name": "Bad"}], "osSku": "Ubuntu"}, "eastus")
    listed = raised.value.listing("Pulumi.dev.yaml", ["pools", "osSku"]).splitlines()
    assert listed[1].startswith("  - pools[0].name") and listed[2].startswith("  - osSku")


def test_with_karpenter_the_demo_tolerates_the_kata_node_pools_taint():
    """Karpenter's Kata NodePool is tainted for Kata pods only: the untrusted demo pod tolerates
    it when Karpenter is on and the pod is not pinned to a pool (pinned, it cannot land there)."""
    kata = {"key": "podsandbox.io/kata", "operator": "Equal", "value": "true",
            "effect": "NoSchedule"}  # fmt: skip
    assert load_settings({**EXISTING, "karpenter": True}).demo_tolerations == [kata]
    assert load_settings(EXISTING).demo_tolerations == []
    tainted = {**EXISTING, "karpenter": True, "nodeTaints": ["sandbox=true:NoSchedule"]}
    assert load_settings(tainted).demo_tolerations == [
        {"key": "sandbox", "operator": "Equal", "value": "true", "effect": "NoSchedule"}, kata,
    ]  # fmt: skip
    pinned = load_settings({**tainted, "demoPool": "nodepool2"})
    assert [t["key"] for t in pinned.demo_tolerations] == ["sandbox"]


def test_problems_of_keys_the_file_does_not_set_come_last_in_read_order():
    with pytest.raises(SettingsError) as raised:
        load_settings({"osSku": "Ubuntu", "nodeCount": "zero", "mode": "sideways"}, "eastus")
    listed = raised.value.listing("Pulumi.dev.yaml", ["osSku"]).splitlines()[1:]
    # osSku is in the file; the others keep the order they were read in (mode, then nodeCount).
    assert [line.split()[1] for line in listed] == ["osSku", "mode", "nodeCount"]


@pytest.mark.parametrize(
    ("where", "key"),
    [("nodeCount", "nodeCount"), ("pools[0].vmSize", "pools"), ("pools[2]", "pools"),
     ("nodeLabels.team", "nodeLabels"), ("pools[0].nodeTaints[1]", "pools"),
     ("azure-native:location", "azure-native:location")],
)  # fmt: skip
def test_a_problem_is_about_the_key_that_sets_it(where, key):
    from podsandbox.stack.settings import setting_of

    assert setting_of(where) == key


def test_the_warnings_no_component_says_are_the_programs_to_log():
    old = load_settings({"mode": "existing-cluster", "kubernetesVersion": "1.29"})
    assert len(old.program_warnings) == 1
    assert old.program_warnings[0].startswith("the in-cluster guardrail is off")
    assert set(old.program_warnings) <= set(old.warnings)
    assert load_settings({"mode": "existing-cluster"}).program_warnings == ()


def test_a_judged_fields_config_key_keeps_its_index():
    from podsandbox.stack.reader import config_key

    assert config_key("availabilityZones[1]") == "nodeAvailabilityZones[1]"
    assert config_key("vmSize") == "nodeVmSize"


def test_a_secret_list_hides_its_items_values():
    with pytest.raises(SettingsError) as raised:
        load_settings({"mode": "existing-cluster", "pools": [{"name": "Bad9"}]},
                      secret_keys=["pools"])  # fmt: skip
    [problem] = raised.value.problems
    assert problem.where == "pools[0].name" and repr(problem.value) == "[secret]"


def test_a_pools_list_option_given_as_text_that_is_no_json_is_refused():
    with pytest.raises(SettingsError) as raised:
        load_settings({"mode": "existing-cluster",
                       "pools": [{"name": "kata8", "availabilityZones": "[1,"}]})  # fmt: skip
    [problem] = raised.value.problems
    assert (problem.where, problem.reason) == ("pools[0].availabilityZones", "is not a list")


def test_an_unknown_pools_item_key_moves_its_value_whatever_its_type():
    with pytest.raises(SettingsError) as raised:
        load_settings({"mode": "existing-cluster",
                       "pools": [{"name": "kata8", "nodeCnt": 2, "colour": "blue"}]})  # fmt: skip
    moved, dropped = raised.value.problems
    assert moved.reason == "is not a pool setting (did you mean nodeCount?)"
    assert moved.example == (
        "pulumi config rm --path 'pools[0].nodeCnt' && "
        "pulumi config set --path 'pools[0].nodeCount' 2"
    )
    assert dropped.reason == "is not a pool setting"
    assert dropped.example == "pulumi config rm --path 'pools[0].colour'"


def test_an_unknown_key_of_a_secret_pools_item_never_moves_its_value_into_the_example():
    with pytest.raises(SettingsError) as raised:
        load_settings({"mode": "existing-cluster",
                       "pools": [{"name": "kata8", "vmsize": "hunter2-size"}]},
                      secret_keys=["pools"])  # fmt: skip
    [problem] = raised.value.problems
    assert "hunter2" not in str(raised.value)
    # The unknown key is part of the secret value too (set as encrypted JSON, the stack file
    # shows none of it): the problem names it as hidden.
    assert (problem.where, repr(problem.value), problem.example) == (
        "pools[0].[secret]",
        "[secret]",
        "pulumi config rm --path 'pools[0].[secret]'",
    )


def test_an_unknown_key_moves_a_value_that_is_not_text_as_json():
    with pytest.raises(SettingsError) as raised:
        load_settings({"pool": [{"name": "kata8"}]}, "eastus")
    [problem] = raised.value.problems
    assert problem.example == (
        'pulumi config rm pool && pulumi config set pools \'[{"name": "kata8"}]\''
    )
    values, _ = follow({"pool": [{"name": "kata8"}]}, "eastus", problem.example)
    assert [pool.name for pool in load_settings(values, "eastus").extra_pools] == ["kata8"]
