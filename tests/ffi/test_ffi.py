"""The FFI from Python: python/mlflow_c over libmlflow-c.so, with protobuf
classes generated from our own proto/ (MLflow's classes are wire-identical)."""

import os
import subprocess
import sys
import tempfile
import threading

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "python"))

from mlflow_c import MlflowCError, Service, pin_clock_ms  # noqa: E402


@pytest.fixture(scope="module")
def pb():
    out = tempfile.mkdtemp(prefix="mlflow-c-pb2-")
    # every file of proto/: service.proto imports most of them
    proto_dir = os.path.join(ROOT, "proto")
    protos = sorted(os.path.relpath(os.path.join(d, f), proto_dir)
                    for d, _dirs, files in os.walk(proto_dir) for f in files if f.endswith(".proto"))
    subprocess.run(["protoc", "-I" + os.path.join(ROOT, "proto"), "-I/usr/include", "--python_out=" + out] + protos,
                   check=True)
    sys.path.insert(0, out)
    import service_pb2
    return service_pb2


@pytest.fixture
def svc(tmp_path):
    s = Service("sqlite:///" + str(tmp_path / "ffi.db"), default_artifact_root=str(tmp_path / "artifacts"))
    yield s
    s.close()


def call(svc, pb, rpc, req):
    return svc.call("MlflowService", rpc, req, type(req).Response)


def test_experiment_round_trip(svc, pb):
    resp = call(svc, pb, "createExperiment", pb.CreateExperiment(name="ffi", tags=[pb.ExperimentTag(key="k", value="v")]))
    eid = resp.experiment_id
    assert eid
    exp = call(svc, pb, "getExperiment", pb.GetExperiment(experiment_id=eid)).experiment
    assert exp.name == "ffi" and exp.lifecycle_stage == "active"
    assert [(t.key, t.value) for t in exp.tags] == [("k", "v")]
    assert exp.artifact_location.endswith("/artifacts/" + eid)
    by_name = call(svc, pb, "getExperimentByName", pb.GetExperimentByName(experiment_name="ffi")).experiment
    assert by_name.experiment_id == eid
    call(svc, pb, "updateExperiment", pb.UpdateExperiment(experiment_id=eid, new_name="ffi2"))
    call(svc, pb, "setExperimentTag", pb.SetExperimentTag(experiment_id=eid, key="k2", value="v2"))
    call(svc, pb, "deleteExperimentTag", pb.DeleteExperimentTag(experiment_id=eid, key="k"))
    call(svc, pb, "deleteExperiment", pb.DeleteExperiment(experiment_id=eid))
    exp = call(svc, pb, "getExperiment", pb.GetExperiment(experiment_id=eid)).experiment
    assert exp.name == "ffi2" and exp.lifecycle_stage == "deleted"
    assert [(t.key, t.value) for t in exp.tags] == [("k2", "v2")]
    call(svc, pb, "restoreExperiment", pb.RestoreExperiment(experiment_id=eid))
    found = call(svc, pb, "searchExperiments", pb.SearchExperiments(max_results=10, filter="name = 'ffi2'"))
    assert [e.experiment_id for e in found.experiments] == [eid]


def test_errors_carry_mlflow_codes(svc, pb):
    with pytest.raises(MlflowCError) as e:
        call(svc, pb, "getExperiment", pb.GetExperiment(experiment_id="12345"))
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert e.value.message == "No Experiment with id=12345 exists"
    call(svc, pb, "createExperiment", pb.CreateExperiment(name="dup"))
    with pytest.raises(MlflowCError) as e:
        call(svc, pb, "createExperiment", pb.CreateExperiment(name="dup"))
    assert e.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_garbage_request_bytes(svc, pb):
    class Garbage:
        Response = pb.GetExperiment.Response

        def SerializeToString(self):
            return b"\xff\xff\xff\xff\x0f"

    with pytest.raises(MlflowCError) as e:
        svc.call("MlflowService", "getExperiment", Garbage(), pb.GetExperiment.Response)
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"


def test_not_implemented_rpc(svc, pb):
    with pytest.raises(MlflowCError) as e:
        svc.call("MlflowService", "listWorkspaces", pb.GetExperiment(), pb.GetExperiment.Response)
    assert e.value.error_code == "NOT_IMPLEMENTED"


def test_bad_store_uri():
    with pytest.raises(MlflowCError) as e:
        Service("nosuch://x")
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"


def test_many_threads(svc, pb):
    errors = []

    def work(i):
        try:
            for j in range(20):
                eid = call(svc, pb, "createExperiment", pb.CreateExperiment(name=f"t{i}-{j}")).experiment_id
                assert call(svc, pb, "getExperiment", pb.GetExperiment(experiment_id=eid)).experiment.name == f"t{i}-{j}"
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    found = call(svc, pb, "searchExperiments", pb.SearchExperiments(max_results=1000, filter="name LIKE 't%'"))
    assert len(found.experiments) == 160


def test_pinned_clock(svc, pb):
    pin_clock_ms(1234000)
    try:
        eid = call(svc, pb, "createExperiment", pb.CreateExperiment(name="pinned")).experiment_id
    finally:
        pin_clock_ms(None)
    exp = call(svc, pb, "getExperiment", pb.GetExperiment(experiment_id=eid)).experiment
    assert exp.creation_time == 1234000 and exp.last_update_time == 1234000
    eid = call(svc, pb, "createExperiment", pb.CreateExperiment(name="unpinned")).experiment_id
    assert call(svc, pb, "getExperiment", pb.GetExperiment(experiment_id=eid)).experiment.creation_time > 1234000


def test_rpcs_run_their_store_half(svc, pb):
    """The FFI stands in for MLflow's store classes: rpcs flagged `store-half` in endpoints.def run as the
    store method (no handler checks, None stays None); the HTTP tests cover the handler halves."""
    import model_registry_pb2 as mr

    def registry(req):
        return svc.call("ModelRegistryService", type(req).__name__[0].lower() + type(req).__name__[1:], req,
                        type(req).Response)

    registry(mr.CreateRegisteredModel(name="m"))
    # a local source with a run that does not exist: the handler's source checks would refuse it
    mv = registry(mr.CreateModelVersion(name="m", source="/tmp/somewhere", run_id="0123456789abcdef")).model_version
    assert mv.version == "1" and mv.run_id == "0123456789abcdef" and mv.source == "/tmp/somewhere"
    mv = registry(mr.CreateModelVersion(name="m", source="s3://b/m")).model_version
    assert not mv.HasField("run_id") and not mv.HasField("description")

    eid = call(svc, pb, "createExperiment", pb.CreateExperiment(name="store-half")).experiment_id
    # the handler's `name or None` does not apply: the store refuses ""
    with pytest.raises(MlflowCError) as e:
        call(svc, pb, "createLoggedModel", pb.CreateLoggedModel(experiment_id=eid, name=""))
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    assert e.value.message.startswith("Invalid model name ('') provided.")
    assert call(svc, pb, "createLoggedModel", pb.CreateLoggedModel(experiment_id=eid)).model.info.name != ""

    # an unset dataset field is None for a store caller (over HTTP it reads as "")
    run_id = call(svc, pb, "createRun", pb.CreateRun(experiment_id=eid)).run.info.run_id
    ds = pb.DatasetInput(dataset=pb.Dataset(digest="d", source_type="local", source="s"))
    with pytest.raises(MlflowCError) as e:
        call(svc, pb, "logInputs", pb.LogInputs(run_id=run_id, datasets=[ds]))
    assert e.value.error_code == "INVALID_PARAMETER_VALUE" and e.value.message == "Dataset name cannot be None"


# traces: info lifecycle (tracecore)
def test_trace_info_store_halves(svc, pb):
    """The FFI is MLflow's store: the handler's checks of system-managed tags are not the store's."""
    eid = call(svc, pb, "createExperiment", pb.CreateExperiment(name="ffi-traces")).experiment_id
    ti = pb.TraceInfoV3(trace_id="tr-ffi", state=pb.TraceInfoV3.OK,
                        trace_location=pb.TraceLocation(type=pb.TraceLocation.MLFLOW_EXPERIMENT,
                                                        mlflow_experiment=pb.TraceLocation.MlflowExperimentLocation(
                                                            experiment_id=eid)))
    ti.tags["mlflow.traceName"] = "n"
    ti.trace_metadata["mlflow.trace.tokenUsage"] = '{"input_tokens": 4}'
    out = call(svc, pb, "startTraceV3", pb.StartTraceV3(trace=pb.Trace(trace_info=ti))).trace.trace_info
    assert out.trace_id == "tr-ffi" and out.tags["mlflow.traceName"] == "n"
    assert out.tags["mlflow.artifactLocation"].endswith(f"/{eid}/traces/tr-ffi/artifacts")
    assert dict(out.trace_metadata) == {"mlflow.trace.tokenUsage": '{"input_tokens": 4}',
                                        "mlflow.trace.infoFinalized": "true"}
    # the store half sets what the handler refuses (AbstractStore.set_trace_tag has no such check)
    call(svc, pb, "setTraceTagV3", pb.SetTraceTagV3(trace_id="tr-ffi", key="mlflow.trace.spansLocation",
                                                    value="TRACKING_STORE"))
    call(svc, pb, "deleteTraceTagV3", pb.DeleteTraceTagV3(trace_id="tr-ffi", key="mlflow.trace.spansLocation"))
    got = call(svc, pb, "getTraceInfoV3", pb.GetTraceInfoV3(trace_id="tr-ffi")).trace.trace_info
    assert "mlflow.trace.spansLocation" not in got.tags
    infos = call(svc, pb, "batchGetTraceInfos", pb.BatchGetTraceInfos(trace_ids=["tr-ffi", "tr-none"])).trace_infos
    assert [t.trace_id for t in infos] == ["tr-ffi"]
    resp = call(svc, pb, "deleteTracesV3", pb.DeleteTracesV3(experiment_id=eid, request_ids=["tr-ffi"]))
    assert resp.traces_deleted == 1
    with pytest.raises(MlflowCError) as e:
        call(svc, pb, "getTraceInfoV3", pb.GetTraceInfoV3(trace_id="tr-ffi"))
    assert (e.value.error_code, e.value.message) == ("RESOURCE_DOES_NOT_EXIST", "Trace with ID 'tr-ffi' not found.")
