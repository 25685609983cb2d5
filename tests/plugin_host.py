"""Test host for the components plugin: start it as the Pulumi CLI does, and be its engine.

`start_plugin` runs `python components/ <engine address>` in another working directory with
nothing of this repository on `sys.path` but what the environment installs (as the CLI starts a
source-based Python plugin), and reads the port it prints. `MockEngine` is a real gRPC server for
the engine (logs) and the resource monitor (registrations, invokes): the monitor's behaviour is the
SDK's `MockMonitor` with the given `Mocks`, and it keeps what the plugin asked of it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, Mocks
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from podsandbox.preview.mock_engine import engine_urn
from tests.conftest import REPO

STACK, PROJECT = "test", "consumer"


class _Monitor(MockMonitor):
    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return engine_urn(STACK, PROJECT, parent or None, type_, name)


@dataclass
class Registration:
    type: str
    name: str
    parent: str
    inputs: dict[str, Any]


class _MonitorServicer(resource_pb2_grpc.ResourceMonitorServicer):
    def __init__(self, mocks: Mocks, record: MockEngine) -> None:
        self.monitor = _Monitor(mocks)
        self.record = record

    def SupportsFeature(self, request: Any, context: Any) -> Any:  # noqa: N802
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id != "outputValues")

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self.monitor.GetDeploymentInfo(request)

    def RegisterResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        inputs = rpc.deserialize_properties(request.object)
        self.record.registrations.append(
            Registration(request.type, request.name, request.parent, inputs)
        )
        return self.monitor.RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any) -> Any:  # noqa: N802
        self.record.invokes.append(request.tok)
        return self.monitor.Invoke(request)

    def RegisterPackage(self, request: Any, context: Any) -> Any:  # noqa: N802
        return self.monitor.RegisterPackage(request)

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()


class _EngineServicer(engine_pb2_grpc.EngineServicer):
    def __init__(self, record: MockEngine) -> None:
        self.record = record

    def Log(self, request: Any, context: Any) -> Any:  # noqa: N802
        self.record.logs.append(request.message)
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(self, request: Any, context: Any) -> Any:  # noqa: N802
        return engine_pb2.SetRootResourceResponse()


@dataclass
class MockEngine:
    """The engine's and the resource monitor's gRPC endpoints, and what they were asked."""

    mocks: Mocks
    registrations: list[Registration] = field(default_factory=list)
    invokes: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        engine_pb2_grpc.add_EngineServicer_to_server(_EngineServicer(self), self.server)
        resource_pb2_grpc.add_ResourceMonitorServicer_to_server(
            _MonitorServicer(self.mocks, self), self.server
        )
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.stop(grace=None)


@dataclass
class Plugin:
    process: subprocess.Popen[bytes]
    port: int

    def stub(self) -> provider_pb2_grpc.ResourceProviderStub:
        channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        return provider_pb2_grpc.ResourceProviderStub(channel)

    def stop(self) -> str:
        """Stop the plugin; returns what it wrote on stderr."""
        self.process.kill()
        _, stderr = self.process.communicate(timeout=10)
        return stderr.decode(errors="replace")


def start_plugin(engine_address: str, cwd: Path) -> Plugin:
    """`python components/ <engine>` with the plugin folder first on the path, as the CLI does."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    process = subprocess.Popen(
        [sys.executable, str(REPO / "components"), engine_address],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    line = process.stdout.readline().decode().strip()
    if not line.isdigit():
        process.kill()
        _, stderr = process.communicate(timeout=10)
        raise AssertionError(f"the plugin did not start: {line!r}\n{stderr.decode()}")
    return Plugin(process, int(line))


def construct_request(
    monitor: str, type_token: str, name: str, inputs: dict[str, Any]
) -> provider_pb2.ConstructRequest:
    """What the engine sends to construct a component of another language's program."""
    struct = struct_pb2.Struct()
    struct.update(inputs)
    return provider_pb2.ConstructRequest(
        project=PROJECT,
        stack=STACK,
        organization="organization",
        dryRun=False,
        parallel=4,
        monitorEndpoint=monitor,
        type=type_token,
        name=name,
        inputs=struct,
    )
