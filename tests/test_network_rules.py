"""The network policy engines a new cluster can get, and what a cluster without one means."""

from __future__ import annotations

import pytest

from podsandbox.rules import judge, network
from podsandbox.stack import SettingsError, load_settings


def test_the_engines_and_the_network_profile_each_needs():
    assert {name: dict(engine.network_profile) for name, engine in network.ENGINES.items()} == {
        "cilium": {
            "networkPlugin": "azure",
            "networkPluginMode": "overlay",
            "networkDataplane": "cilium",
            "networkPolicy": "cilium",
        },
        "azure": {
            "networkPlugin": "azure",
            "networkPluginMode": "overlay",
            "networkPolicy": "azure",
        },
        "none": {},
    }
    assert [engine.enforces for engine in network.ENGINES.values()] == [True, True, False]
    assert network.DEFAULT_ENGINE is network.CILIUM


def test_the_fields_that_replace_a_cluster_are_pulumi_azure_natives_force_new_ones():
    assert network.REPLACING_FIELDS == (
        "networkPlugin",
        "networkPluginMode",
        "networkDataplane",
        "networkPolicy",
        "podCidr",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("cilium", "cilium"), (" Cilium ", "cilium"), ("AZURE", "azure"), ("none", "none")],
)
def test_engine_names_ignore_case_and_blanks(text, expected):
    engine = network.find_engine(text)
    assert engine is not None and engine.name == expected


@pytest.mark.parametrize("text", ["calico", "", "kubenet", "cilium-overlay"])
def test_other_names_are_no_engine(text):
    assert network.find_engine(text) is None


def test_only_a_cluster_without_an_engine_or_with_npm_is_warned_about():
    assert network.engine_warning(network.CILIUM) is None
    assert network.engine_warning(network.AZURE) == (
        "networkPolicy azure uses Azure Network Policy Manager, which AKS retires for Linux on "
        "2028-09-30; cilium is the engine AKS recommends"
    )
    none = network.engine_warning(network.NONE)
    assert none == (
        "networkPolicy none enforces no NetworkPolicy (networkProfile.networkPolicy is none): the "
        "untrusted namespace's default-deny policy is stored but not enforced, so the sandboxed "
        "pod can reach every pod and service of the cluster"
    )


@pytest.mark.parametrize("policy", [None, "", "none", " None "])
def test_an_existing_cluster_without_an_engine_is_warned_about(policy):
    warning = network.existing_cluster_warning("myAKSCluster", policy)
    assert warning is not None
    assert warning.startswith("existing cluster myAKSCluster enforces no NetworkPolicy")
    assert warning.endswith(
        "; enable a network policy engine on the cluster (AKS docs: use-network-policies)"
    )


@pytest.mark.parametrize("policy", ["azure", "cilium", "calico"])
def test_an_existing_cluster_with_any_engine_is_not(policy):
    assert network.existing_cluster_warning("myAKSCluster", policy) is None


def test_the_judge_names_every_engine_and_a_working_example():
    assert judge.network_policy_finding("cilium") is None
    assert judge.network_policy_finding("None") is None
    finding = judge.network_policy_finding("calico")
    assert finding is not None
    assert (finding.field, finding.value, finding.example) == ("networkPolicy", "calico", "cilium")
    assert finding.allowed.startswith("cilium (Azure CNI overlay powered by Cilium")
    assert "; azure (" in finding.allowed and "; none (" in finding.allowed
    assert not finding.sandboxing_rule


def test_the_setting_left_empty_is_no_choice_and_a_chosen_one_is_read():
    assert load_settings({}, "eastus").network_policy is None
    assert load_settings({"networkPolicy": "Azure"}, "eastus").network_policy is network.AZURE
    with pytest.raises(SettingsError) as caught:
        load_settings({"networkPolicy": "calico"}, "eastus")
    assert [problem.where for problem in caught.value.problems] == ["networkPolicy"]


def test_the_setting_warns_for_new_clusters_only():
    warned = load_settings({"networkPolicy": "none"}, "eastus").warnings
    assert [w for w in warned if "enforces no NetworkPolicy" in w]
    assert not [w for w in load_settings({}, "eastus").warnings if "NetworkPolicy" in w]


def test_choosing_an_engine_for_an_existing_cluster_says_what_to_do_instead():
    with pytest.raises(SettingsError) as caught:
        load_settings({"mode": "existing-cluster", "networkPolicy": "none"})
    assert [str(problem) for problem in caught.value.problems] == [
        "networkPolicy = 'none': applies to new clusters only: an existing cluster keeps its "
        "network profile (the program reads it and warns when NetworkPolicy is not enforced). "
        "Allowed: no networkPolicy in existing-cluster mode. Example: pulumi config rm "
        "networkPolicy"
    ]


def test_an_existing_cluster_gets_no_engine_warning_from_the_settings():
    settings = load_settings({"mode": "existing-cluster"})
    assert settings.network_policy is None
    assert not [w for w in settings.warnings if "NetworkPolicy" in w]


def test_leaving_the_engine_to_the_default_is_explained():
    assert network.DEFAULT_ENGINE_NOTE == (
        "networkPolicy is not chosen: a cluster created now gets cilium, but a cluster this stack "
        "deployed before keeps its network profile, even when it is replaced (AKS's default "
        "enforces no NetworkPolicy); choose networkPolicy to decide, and run `podsandbox verify` "
        "to see"
    )
