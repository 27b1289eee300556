"""MLflow's tracking store over libmlflow-c.

``TrackingStoreMixin`` implements the store methods whose rpcs mlflow-c
serves: each builds MLflow's own protobuf request, calls the C export and
turns the response into MLflow entities, as MLflow's REST store does over
HTTP. ``CTrackingStore`` puts it in front of MLflow's SqlAlchemyStore on the
same database: the C library creates the schema and serves every ported rpc;
the methods of rpcs not ported yet (traces, logged models, scorers, evaluation
datasets, ...) run MLflow's own SQL code (see ``unported_methods()``).
"""

import contextlib
import json

from mlflow.entities import Experiment, LoggedModel, Metric, Run, RunInfo, ViewType
from mlflow.entities.metric import MetricWithRunId
# traces: info lifecycle (tracecore)
from mlflow.entities.trace_info import TraceInfo
from mlflow.protos.service_pb2 import BatchGetTraceInfos, DeleteTraceTagV3, DeleteTracesV3, GetTraceInfoV3
from mlflow.protos.service_pb2 import LinkPromptsToTrace, LinkTracesToRun, SetTraceTagV3, StartTraceV3
from mlflow.protos.service_pb2 import Trace as ProtoTrace
from mlflow.protos import databricks_pb2
from mlflow.protos.databricks_pb2 import BAD_REQUEST, INVALID_PARAMETER_VALUE
from mlflow.protos.service_pb2 import Dataset as ProtoDataset
from mlflow.protos.service_pb2 import DatasetInput as ProtoDatasetInput
from mlflow.protos.service_pb2 import InputTag as ProtoInputTag
from mlflow.protos.service_pb2 import Metric as ProtoMetric
from mlflow.protos.service_pb2 import Param as ProtoParam
from mlflow.protos.service_pb2 import RunTag as ProtoRunTag
from mlflow.protos.service_pb2 import (
    CreateExperiment,
    CreateLoggedModel,
    DeleteLoggedModel,
    DeleteLoggedModelTag,
    FinalizeLoggedModel,
    GetLoggedModel,
    LogLoggedModelParamsRequest,
    SearchLoggedModels,
    SetLoggedModelTags,
    CreateRun,
    DeleteExperiment,
    DeleteExperimentTag,
    DeleteRun,
    DeleteTag,
    GetExperiment,
    GetExperimentByName,
    GetMetricHistory,
    GetMetricHistoryBulkInterval,
    GetRun,
    LogBatch,
    LogInputs,
    LogMetric,
    LogModel,
    LogOutputs,
    LogParam,
    RestoreExperiment,
    RestoreRun,
    SearchExperiments,
    SearchRuns,
    SetExperimentTag,
    SetTag,
    UpdateExperiment,
    UpdateRun,
)
# traces: assessments
from google.protobuf.field_mask_pb2 import FieldMask
from mlflow.entities.assessment import Assessment, Expectation, Feedback
from mlflow.protos.assessments_pb2 import Assessment as ProtoAssessment
from mlflow.protos.service_pb2 import CreateAssessment, DeleteAssessment, GetAssessmentRequest, UpdateAssessment
from mlflow.store.entities import PagedList
from mlflow.store.tracking import (SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_THRESHOLD,
                                   SEARCH_TRACES_DEFAULT_MAX_RESULTS)
# scorers
from mlflow.entities.scorer import ScorerVersion
from mlflow.genai.scorers.scorer_utils import validate_scorer_name
from mlflow.protos.service_pb2 import DeleteScorer, GetScorer, ListScorers, ListScorerVersions, RegisterScorer
from mlflow.store.tracking.abstract_store import AbstractStore
# issues
from mlflow.entities.issue import Issue
from mlflow.protos.issues_pb2 import CreateIssue, GetIssue, SearchIssues, UpdateIssue
from mlflow.utils.issue_utils import validate_issue_fields, validate_issue_search
from mlflow.exceptions import MlflowException
from mlflow.utils.mlflow_tags import MLFLOW_RUN_NAME
from mlflow.utils.name_utils import _generate_random_name

# evaluation datasets
from mlflow.entities.dataset_record import DatasetRecord
from mlflow.entities.evaluation_dataset import EvaluationDataset
from mlflow.protos.service_pb2 import (
    AddDatasetToExperiments,
    CreateDataset,
    DeleteDataset,
    DeleteDatasetRecords,
    DeleteDatasetTag,
    GetDataset,
    GetDatasetExperimentIds,
    GetDatasetRecords,
    RemoveDatasetFromExperiments,
    SearchEvaluationDatasets,
    SetDatasetTags,
    UpsertDatasetRecords,
)
from mlflow_c.store._base import CServiceMixin, NotPorted, c_store_uri, rpc_method


# What an Assessment entity holds and its proto cannot carry (run_id; the value's Python type, 5 vs 5.0): a
# JSON object in this unknown field of the Assessment message, both ways (MLF_STORE_ASSESSMENT_EXTRAS_FIELD).
_ASSESSMENT_EXTRAS_FIELD = 10000


def _assessment_extras(proto):
    from google.protobuf.unknown_fields import UnknownFieldSet

    for f in UnknownFieldSet(proto):
        if f.field_number == _ASSESSMENT_EXTRAS_FIELD:
            return json.loads(f.data)
    return {}


def _varint(n):
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def _assessment_proto(assessment):
    """assessment.to_proto() with the extras the C store reads."""
    proto = assessment.to_proto()
    extras = {}
    if assessment.run_id is not None:
        extras["run_id"] = assessment.run_id
    value = getattr(assessment, "value", None)
    if value is not None:
        try:
            # the SQL store's json.dumps(value); non-finite numbers stay with the proto's answer
            extras["value"] = json.loads(json.dumps(value, allow_nan=False))
        except (TypeError, ValueError):
            pass
    if extras:
        data = json.dumps(extras).encode()
        # field number, wire type 2 (length-delimited), length, data
        proto.MergeFromString(_varint(_ASSESSMENT_EXTRAS_FIELD << 3 | 2) + _varint(len(data)) + data)
    return proto


def _assessment_entity(proto):
    """Assessment.from_proto, with what Expectation and IssueReference.from_proto drop and the SQL store's
    to_mlflow_entity keeps (overrides, valid, run_id)."""
    a = Assessment.from_proto(proto)
    if not isinstance(a, Feedback):
        a.overrides = proto.overrides or None
        a.valid = proto.valid
    extras = _assessment_extras(proto)
    if extras.get("run_id") is not None:
        a.run_id = extras["run_id"]
    if "value" in extras:  # json.loads of the stored value: 5 where the proto says 5.0
        if isinstance(a, Feedback):
            a.feedback.value = extras["value"]
        elif isinstance(a, Expectation):
            a.expectation.value = extras["value"]
    return a


def _trace_info(proto):
    """TraceInfo.from_proto with its assessments as the SQL store shows them (_assessment_entity)."""
    ti = TraceInfo.from_proto(proto)
    ti.assessments = [_assessment_entity(a) for a in proto.assessments]
    return ti


def _stored_trace(proto):
    """The store's Trace of a getTrace/batchGetTraces answer. Trace.from_proto derives each span's request id
    from its OTel trace id (what a client over HTTP sees); the SQL store returns the spans as stored
    (Span.from_dict), whose request id is the trace's, so the stored one is kept."""
    from mlflow.entities import Span, Trace, TraceData

    return Trace(info=_trace_info(proto.trace_info),
                 data=TraceData(spans=[Span.from_otel_proto(s, preserve_request_id=True) for s in proto.spans]))


@contextlib.contextmanager
def _tracing_errors():
    """The store raises MlflowTracingException (an INTERNAL_ERROR) for a trace whose spans it does not hold;
    the library's error carries the code and message, so the class is restored here."""
    from mlflow.exceptions import MlflowTracingException

    try:
        yield
    except MlflowException as e:
        if e.error_code == "INTERNAL_ERROR" and e.message == "Trace data not stored in tracking store":
            raise MlflowTracingException(e.message) from None
        raise


def _opt_str(v):
    return None if v is None else str(v)


# Entities' to_proto() fails on None fields; these leave them unset instead, so
# that the C store answers with MLflow's "missing value" errors.
def _metric_proto(m):
    return ProtoMetric(key=m.key, value=m.value, timestamp=m.timestamp, step=m.step, model_id=m.model_id or None,
                       dataset_name=m.dataset_name or None, dataset_digest=m.dataset_digest or None,
                       run_id=m.run_id or None)


def _dataset_input_proto(d):
    ds = d.dataset
    dataset = None if ds is None else ProtoDataset(name=ds.name, digest=ds.digest, source_type=ds.source_type,
                                                   source=ds.source, schema=ds.schema, profile=ds.profile)
    return ProtoDatasetInput(tags=[ProtoInputTag(key=t.key, value=t.value) for t in d.tags or []], dataset=dataset)


class TrackingStoreMixin(CServiceMixin):
    """The tracking store methods served by mlflow-c (MLflow's MlflowService rpcs)."""

    _c_service_name = "MlflowService"

    # experiments

    @rpc_method
    def create_experiment(self, name, artifact_location=None, tags=None):
        req = CreateExperiment(name=name, artifact_location=artifact_location,
                               tags=[t.to_proto() for t in tags or []])
        return self._c_call("createExperiment", req).experiment_id

    @rpc_method
    def search_experiments(self, view_type=ViewType.ACTIVE_ONLY, max_results=SEARCH_MAX_RESULTS_DEFAULT,
                           filter_string=None, order_by=None, page_token=None):
        # None cannot cross the protobuf interface (it would mean "the default"): the store refuses it
        if max_results is None:
            raise MlflowException("Invalid value None for parameter 'max_results' supplied. It must be a positive "
                                  "integer", INVALID_PARAMETER_VALUE)
        req = SearchExperiments(view_type=view_type, max_results=max_results, filter=filter_string,
                                order_by=order_by, page_token=page_token)
        resp = self._c_call("searchExperiments", req)
        return PagedList([Experiment.from_proto(e) for e in resp.experiments], resp.next_page_token or None)

    @rpc_method
    def get_experiment(self, experiment_id):
        resp = self._c_call("getExperiment", GetExperiment(experiment_id=str(experiment_id)))
        return Experiment.from_proto(resp.experiment)

    @rpc_method
    def get_experiment_by_name(self, experiment_name):
        try:
            resp = self._c_call("getExperimentByName", GetExperimentByName(experiment_name=experiment_name))
        except MlflowException as e:
            if e.error_code == databricks_pb2.ErrorCode.Name(databricks_pb2.RESOURCE_DOES_NOT_EXIST):
                return None
            raise
        return Experiment.from_proto(resp.experiment)

    @rpc_method
    def delete_experiment(self, experiment_id):
        self._c_call("deleteExperiment", DeleteExperiment(experiment_id=str(experiment_id)))

    @rpc_method
    def restore_experiment(self, experiment_id):
        self._c_call("restoreExperiment", RestoreExperiment(experiment_id=str(experiment_id)))

    @rpc_method
    def rename_experiment(self, experiment_id, new_name):
        self._c_call("updateExperiment", UpdateExperiment(experiment_id=str(experiment_id), new_name=new_name))

    @rpc_method
    def set_experiment_tag(self, experiment_id, tag):
        self._c_call("setExperimentTag",
                     SetExperimentTag(experiment_id=str(experiment_id), key=tag.key, value=tag.value))

    @rpc_method
    def delete_experiment_tag(self, experiment_id, key):
        self._c_call("deleteExperimentTag", DeleteExperimentTag(experiment_id=str(experiment_id), key=key))

    # runs

    @rpc_method
    def create_run(self, experiment_id, user_id, start_time, tags, run_name):
        # MLflow's store names unnamed runs with its own generator; so do we
        # (the C store's generator, used over HTTP, has its own word list).
        if not run_name and not any(t.key == MLFLOW_RUN_NAME for t in tags or []):
            run_name = _generate_random_name()
        req = CreateRun(experiment_id=_opt_str(experiment_id), user_id=user_id, start_time=start_time,
                        tags=[t.to_proto() for t in tags or []], run_name=run_name)
        return Run.from_proto(self._c_call("createRun", req).run)

    @rpc_method
    def update_run_info(self, run_id, run_status, end_time, run_name):
        req = UpdateRun(run_id=run_id, run_uuid=run_id, status=run_status, end_time=end_time, run_name=run_name)
        return RunInfo.from_proto(self._c_call("updateRun", req).run_info)

    @rpc_method
    def get_run(self, run_id):
        return Run.from_proto(self._c_call("getRun", GetRun(run_id=run_id, run_uuid=run_id)).run)

    @rpc_method
    def delete_run(self, run_id):
        self._c_call("deleteRun", DeleteRun(run_id=run_id))

    @rpc_method
    def restore_run(self, run_id):
        self._c_call("restoreRun", RestoreRun(run_id=run_id))

    @rpc_method
    def _search_runs(self, experiment_ids, filter_string, run_view_type, max_results, order_by, page_token):
        req = SearchRuns(experiment_ids=[str(e) for e in experiment_ids], filter=filter_string,
                         run_view_type=ViewType.to_proto(run_view_type), max_results=max_results,
                         order_by=order_by, page_token=page_token)
        resp = self._c_call("searchRuns", req)
        return [Run.from_proto(r) for r in resp.runs], resp.next_page_token or None

    # metrics, params, tags

    @rpc_method
    def log_metric(self, run_id, metric):
        req = LogMetric(run_id=run_id, run_uuid=run_id, key=metric.key, value=metric.value,
                        timestamp=metric.timestamp, step=metric.step, model_id=metric.model_id,
                        dataset_name=metric.dataset_name, dataset_digest=metric.dataset_digest)
        self._c_call("logMetric", req)

    @rpc_method
    def log_param(self, run_id, param):
        if param.value is None:
            # the NOT NULL column refuses it in MLflow's store; protobuf has no None to send
            raise MlflowException("(sqlite3.IntegrityError) NOT NULL constraint failed: params.value", BAD_REQUEST)
        self._c_call("logParam", LogParam(run_id=run_id, run_uuid=run_id, key=param.key, value=param.value))

    @rpc_method
    def set_tag(self, run_id, tag):
        self._c_call("setTag", SetTag(run_id=run_id, run_uuid=run_id, key=tag.key, value=tag.value))

    @rpc_method
    def delete_tag(self, run_id, key):
        self._c_call("deleteTag", DeleteTag(run_id=run_id, key=key))

    @rpc_method
    def log_batch(self, run_id, metrics, params, tags):
        req = LogBatch(run_id=run_id, metrics=[_metric_proto(m) for m in metrics],
                       params=[ProtoParam(key=p.key, value=p.value) for p in params],
                       tags=[ProtoRunTag(key=t.key, value=t.value) for t in tags])
        self._c_call("logBatch", req)

    @rpc_method
    def get_metric_history(self, run_id, metric_key, max_results=None, page_token=None):
        req = GetMetricHistory(run_id=run_id, run_uuid=run_id, metric_key=metric_key, max_results=max_results,
                               page_token=page_token)
        resp = self._c_call("getMetricHistory", req)
        return PagedList([Metric.from_proto(m) for m in resp.metrics], resp.next_page_token or None)

    @rpc_method
    def get_metric_history_bulk_interval(self, run_ids, metric_key, max_results, start_step, end_step):
        req = GetMetricHistoryBulkInterval(run_ids=run_ids, metric_key=metric_key, start_step=start_step,
                                           end_step=end_step, max_results=max_results)
        resp = self._c_call("getMetricHistoryBulkInterval", req)
        return [MetricWithRunId(Metric(m.key, m.value, m.timestamp, m.step), m.run_id) for m in resp.metrics]

    # models and inputs/outputs

    @rpc_method
    def record_logged_model(self, run_id, mlflow_model):
        from mlflow.models import Model

        if not isinstance(mlflow_model, Model):
            raise TypeError(f"Argument 'mlflow_model' should be mlflow.models.Model, got '{type(mlflow_model)}'")
        self._c_call("logModel", LogModel(run_id=run_id, model_json=json.dumps(mlflow_model.get_tags_dict())))

    @rpc_method
    def log_inputs(self, run_id, datasets=None, models=None):
        req = LogInputs(run_id=run_id, datasets=[_dataset_input_proto(d) for d in datasets or []],
                        models=[m.to_proto() for m in models or []])
        self._c_call("logInputs", req)

    @rpc_method
    def log_outputs(self, run_id, models):
        self._c_call("logOutputs", LogOutputs(run_id=run_id, models=[m.to_proto() for m in models]))

    # traces: info lifecycle (tracecore)

    @rpc_method
    def start_trace(self, trace_info):
        req = StartTraceV3(trace=ProtoTrace(trace_info=trace_info.to_proto()))
        return _trace_info(self._c_call("startTraceV3", req).trace.trace_info)

    @rpc_method
    def get_trace_info(self, trace_id):
        resp = self._c_call("getTraceInfoV3", GetTraceInfoV3(trace_id=trace_id))
        return _trace_info(resp.trace.trace_info)

    @rpc_method
    def batch_get_trace_infos(self, trace_ids, location=None, experiment_ids=None):
        if not trace_ids:
            return []
        if experiment_ids is not None and len(experiment_ids) == 0:
            # scoped to no experiment: nothing (the rpc cannot tell an empty list from none)
            return []
        req = BatchGetTraceInfos(trace_ids=list(trace_ids),
                                 experiment_ids=[str(e) for e in experiment_ids or []])
        return [_trace_info(t) for t in self._c_call("batchGetTraceInfos", req).trace_infos]

    @rpc_method
    def set_trace_tag(self, trace_id, key, value):
        self._c_call("setTraceTagV3", SetTraceTagV3(trace_id=trace_id, key=key, value=_opt_str(value)))

    @rpc_method
    def delete_trace_tag(self, trace_id, key):
        self._c_call("deleteTraceTagV3", DeleteTraceTagV3(trace_id=trace_id, key=key))

    @rpc_method
    def _delete_traces(self, experiment_id, max_timestamp_millis=None, max_traces=None, trace_ids=None):
        req = DeleteTracesV3(experiment_id=_opt_str(experiment_id), max_timestamp_millis=max_timestamp_millis,
                             max_traces=max_traces, request_ids=list(trace_ids or []))
        return self._c_call("deleteTracesV3", req).traces_deleted

    @rpc_method
    def link_traces_to_run(self, trace_ids, run_id):
        self._c_call("linkTracesToRun", LinkTracesToRun(trace_ids=list(trace_ids), run_id=run_id))

    @rpc_method
    def link_prompts_to_trace(self, trace_id, prompt_versions):
        req = LinkPromptsToTrace(trace_id=trace_id, prompt_versions=[
            LinkPromptsToTrace.PromptVersionRef(name=pv.name, version=str(pv.version)) for pv in prompt_versions])
        self._c_call("linkPromptsToTrace", req)

    # logged models

    @rpc_method
    def create_logged_model(self, experiment_id, name=None, source_run_id=None, tags=None, params=None,
                            model_type=None):
        req = CreateLoggedModel(experiment_id=_opt_str(experiment_id), name=name, model_type=model_type,
                                source_run_id=source_run_id, params=[p.to_proto() for p in params or []],
                                tags=[t.to_proto() for t in tags or []])
        model = LoggedModel.from_proto(self._c_call("createLoggedModel", req).model)
        model._metrics = None  # the SQL store's new model has no metrics list yet (from_proto makes one)
        return model

    @rpc_method
    def get_logged_model(self, model_id):
        return LoggedModel.from_proto(self._c_call("getLoggedModel", GetLoggedModel(model_id=model_id)).model)

    @rpc_method
    def delete_logged_model(self, model_id):
        self._c_call("deleteLoggedModel", DeleteLoggedModel(model_id=model_id))

    @rpc_method
    def finalize_logged_model(self, model_id, status):
        req = FinalizeLoggedModel(model_id=model_id, status=status.to_int())
        return LoggedModel.from_proto(self._c_call("finalizeLoggedModel", req).model)

    @rpc_method
    def set_logged_model_tags(self, model_id, tags):
        self._c_call("setLoggedModelTags", SetLoggedModelTags(model_id=model_id, tags=[t.to_proto() for t in tags]))

    @rpc_method
    def delete_logged_model_tag(self, model_id, key):
        self._c_call("deleteLoggedModelTag", DeleteLoggedModelTag(model_id=model_id, tag_key=key))

    @rpc_method
    def log_logged_model_params(self, model_id, params):
        req = LogLoggedModelParamsRequest(model_id=model_id, params=[p.to_proto() for p in params])
        self._c_call("LogLoggedModelParams", req)

    @rpc_method
    def search_logged_models(self, experiment_ids, filter_string=None, datasets=None, max_results=None,
                             order_by=None, page_token=None):
        req = SearchLoggedModels(
            experiment_ids=experiment_ids, filter=filter_string, max_results=max_results, page_token=page_token,
            # a dict without dataset_digest leaves it unset: any digest (the C store's store half)
            datasets=[SearchLoggedModels.Dataset(dataset_name=d.get("dataset_name"), dataset_digest=d.get("dataset_digest"))
                      for d in datasets or []],
            order_by=[SearchLoggedModels.OrderBy(field_name=o["field_name"], ascending=o.get("ascending", True),
                                                 dataset_name=o.get("dataset_name"),
                                                 dataset_digest=o.get("dataset_digest"))
                      for o in order_by or []])
        resp = self._c_call("searchLoggedModels", req)
        return PagedList([LoggedModel.from_proto(m) for m in resp.models], resp.next_page_token or None)

    # traces: search (searchTracesV3, calculateTraceFilterCorrelation, queryTraceMetrics)

    @rpc_method
    def search_traces(self, experiment_ids=None, filter_string=None, max_results=SEARCH_TRACES_DEFAULT_MAX_RESULTS,
                      order_by=None, page_token=None, model_id=None, locations=None):
        from mlflow.entities import TraceInfo
        from mlflow.protos.service_pb2 import SearchTracesV3, TraceLocation as ProtoTraceLocation

        if experiment_ids and locations:
            raise MlflowException("`experiment_ids` is deprecated, use `locations` instead.",
                                  INVALID_PARAMETER_VALUE)
        locations = experiment_ids or locations
        if locations is not None and len(locations) == 0:
            # Scoped to no experiment: the rpc cannot carry an empty list (its locations are required), and
            # MLflow's store checks max_results, then matches nothing.
            if max_results is None or max_results < 1:
                raise MlflowException(f"Invalid value {max_results} for parameter 'max_results' supplied. It must "
                                      "be a positive integer", INVALID_PARAMETER_VALUE)
            if max_results > SEARCH_MAX_RESULTS_THRESHOLD:
                raise MlflowException(f"Invalid value {max_results} for parameter 'max_results' supplied. It must "
                                      f"be at most {SEARCH_MAX_RESULTS_THRESHOLD}", INVALID_PARAMETER_VALUE)
            return [], None
        if locations is None:
            # no location filter at all (every experiment): not an rpc's request
            raise NotPorted("search_traces without locations")
        loc = [ProtoTraceLocation(type=ProtoTraceLocation.MLFLOW_EXPERIMENT,
                                  mlflow_experiment=ProtoTraceLocation.MlflowExperimentLocation(
                                      experiment_id=str(e))) for e in locations]
        req = SearchTracesV3(locations=loc, filter=filter_string, max_results=max_results, order_by=order_by,
                             page_token=page_token)
        resp = self._c_call("searchTracesV3", req)
        return [_trace_info(t) for t in resp.traces], resp.next_page_token or None

    @rpc_method
    def calculate_trace_filter_correlation(self, experiment_ids, filter_string1, filter_string2, base_filter=None):
        from mlflow.protos.service_pb2 import CalculateTraceFilterCorrelation
        from mlflow.tracing.analysis import TraceFilterCorrelationResult

        if not experiment_ids:
            # no experiment: no trace to count (the rpc's experiment_ids are required, the store's may be empty)
            return TraceFilterCorrelationResult(npmi=float("nan"), npmi_smoothed=float("nan"), filter1_count=0,
                                                filter2_count=0, joint_count=0, total_count=0)
        req = CalculateTraceFilterCorrelation(experiment_ids=[str(e) for e in experiment_ids],
                                              filter_string1=filter_string1, filter_string2=filter_string2,
                                              base_filter=base_filter)
        resp = self._c_call("calculateTraceFilterCorrelation", req)
        return TraceFilterCorrelationResult(
            npmi=resp.npmi if resp.HasField("npmi") else float("nan"),
            npmi_smoothed=resp.npmi_smoothed if resp.HasField("npmi_smoothed") else float("nan"),
            filter1_count=resp.filter1_count, filter2_count=resp.filter2_count,
            joint_count=resp.joint_count, total_count=resp.total_count)

    @rpc_method
    def query_trace_metrics(self, experiment_ids, view_type, metric_name, aggregations, dimensions=None,
                            filters=None, time_interval_seconds=None, start_time_ms=None, end_time_ms=None,
                            max_results=None, page_token=None):
        from mlflow.entities.trace_metrics import MetricAggregation, MetricDataPoint
        from mlflow.protos.service_pb2 import QueryTraceMetrics

        req = QueryTraceMetrics(experiment_ids=[str(e) for e in experiment_ids], view_type=view_type.to_proto(),
                                metric_name=metric_name, aggregations=[a.to_proto() for a in aggregations],
                                dimensions=dimensions or [], filters=filters or [],
                                time_interval_seconds=time_interval_seconds, start_time_ms=start_time_ms,
                                end_time_ms=end_time_ms, max_results=max_results, page_token=page_token)
        resp = self._c_call("queryTraceMetrics", req)
        # A value's key is str() of its aggregation ("P50" for percentile_value=50): the request's proto
        # carries a double, so the answer says "P50.0"; the store's caller gets the keys of its own objects.
        keys = {str(MetricAggregation.from_proto(a.to_proto())): str(a) for a in aggregations}
        points = [MetricDataPoint.from_proto(p) for p in resp.data_points]
        for p in points:
            p.values = {keys.get(k, k): v for k, v in p.values.items()}
        return PagedList(points, resp.next_page_token or None)

    # traces: assessments


    @rpc_method
    def create_assessment(self, assessment):
        # the C store reads the request as the handler's Assessment.from_proto does
        req = CreateAssessment(assessment=_assessment_proto(assessment))
        return _assessment_entity(self._c_call("createAssessment", req).assessment)

    @rpc_method
    def get_assessment(self, trace_id, assessment_id):
        req = GetAssessmentRequest(trace_id=trace_id, assessment_id=assessment_id)
        return _assessment_entity(self._c_call("GetAssessment", req).assessment)

    @rpc_method
    def update_assessment(self, trace_id, assessment_id, name=None, expectation=None, feedback=None,
                          rationale=None, metadata=None):
        if expectation is not None and feedback is not None:
            # the request's oneof holds one of them
            raise MlflowException.invalid_parameter_value(
                "Cannot specify both `expectation` and `feedback` parameters.")
        # outside HTTP the request's assessment names its trace and itself (the route's path parameters)
        proto = ProtoAssessment(trace_id=trace_id, assessment_id=assessment_id)
        paths = []
        if name is not None:
            proto.assessment_name = name
            paths.append("assessment_name")
        if expectation is not None:  # an ExpectationValue, or an Expectation (the handler's)
            value = expectation.expectation if isinstance(expectation, Expectation) else expectation
            proto.expectation.CopyFrom(value.to_proto())
            paths.append("expectation")
        if feedback is not None:  # a FeedbackValue, or a Feedback
            value = feedback.feedback if isinstance(feedback, Feedback) else feedback
            proto.feedback.CopyFrom(value.to_proto())
            paths.append("feedback")
        if rationale is not None:
            proto.rationale = rationale
            paths.append("rationale")
        if metadata is not None:
            proto.metadata.update({k: str(v) for k, v in metadata.items()})
            paths.append("metadata")
        req = UpdateAssessment(assessment=proto, update_mask=FieldMask(paths=paths))
        return _assessment_entity(self._c_call("updateAssessment", req).assessment)

    @rpc_method
    def delete_assessment(self, trace_id, assessment_id):
        self._c_call("deleteAssessment", DeleteAssessment(trace_id=trace_id, assessment_id=assessment_id))


    # spans: log_spans (no rpc: the library's mlf_ffi_log_spans over an OTLP export request), get_trace,
    # batch_get_traces

    def log_spans(self, location, spans, tracking_uri=None):
        if not spans:
            return []
        import ctypes

        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        from mlflow.tracing.utils.otlp import resource_to_otel_proto

        # one ResourceSpans per span: each keeps its own resource (its attributes become trace tags)
        req = ExportTraceServiceRequest()
        for span in spans:
            rs = req.resource_spans.add()
            rs.resource.CopyFrom(resource_to_otel_proto(getattr(span._span, "resource", None)))
            proto = span.to_otel_proto()
            # the attributes as the span stores them (JSON texts), which MLflow's store keeps verbatim
            del proto.attributes[:]
            for key, text in span._span.attributes.items():
                kv = proto.attributes.add()
                kv.key = key
                kv.value.string_value = text if isinstance(text, str) else json.dumps(text)
            rs.scope_spans.add().spans.append(proto)
        data = req.SerializeToString()
        lib = self._c._lib
        f = lib.mlf_ffi_log_spans
        f.argtypes = [ctypes.c_int64, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t,
                      ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)]
        f.restype = ctypes.c_int
        out = ctypes.c_void_p()
        out_len = ctypes.c_size_t()
        rc = f(self._c._instance, str(location).encode(), data, len(data), ctypes.byref(out), ctypes.byref(out_len))
        try:
            msg = ctypes.string_at(out, out_len.value).decode("utf-8", "replace") if out.value else ""
        finally:
            lib.mlf_ffi_free(out)
        if rc != 0:
            from mlflow_c.store._base import to_mlflow_exception
            from mlflow_c.ffi import MlflowCError

            raise to_mlflow_exception(MlflowCError(lib.mlf_ffi_error_name(rc).decode(), msg))
        return spans

    log_spans._mlflow_c_rpc = True  # served by the library (no fallback: it is no rpc)

    @rpc_method
    def get_trace(self, trace_id, *, allow_partial=False):
        from mlflow.protos.service_pb2 import GetTrace

        with _tracing_errors():
            resp = self._c_call("getTrace", GetTrace(trace_id=trace_id, allow_partial=allow_partial))
        return _stored_trace(resp.trace)

    @rpc_method
    def batch_get_traces(self, trace_ids, location=None, experiment_ids=None):
        from mlflow.protos.service_pb2 import BatchGetTraces

        if not trace_ids or (experiment_ids is not None and not experiment_ids):
            return []
        req = BatchGetTraces(trace_ids=trace_ids, experiment_ids=experiment_ids or [])
        with _tracing_errors():
            resp = self._c_call("batchGetTraces", req)
        return [_stored_trace(t) for t in resp.traces]


    # scorers (scorer.c): registerScorer's store half stores the payload as MLflow's store does (the
    # handler's payload checks are the HTTP server's); the online scoring configurations have no rpc
    # and run MLflow's SQL code

    @rpc_method
    def register_scorer(self, experiment_id, name, serialized_scorer):
        # MLflow's own name check: None and non-strings cannot cross the protobuf interface
        validate_scorer_name(name)
        req = RegisterScorer(experiment_id=str(experiment_id), name=name, serialized_scorer=serialized_scorer)
        r = self._c_call("registerScorer", req)
        return ScorerVersion(experiment_id=r.experiment_id, scorer_name=r.name, scorer_version=r.version,
                             serialized_scorer=r.serialized_scorer, creation_time=r.creation_time,
                             scorer_id=r.scorer_id)

    @rpc_method
    def list_scorers(self, experiment_id):
        resp = self._c_call("listScorers", ListScorers(experiment_id=str(experiment_id)))
        return [ScorerVersion.from_proto(s) for s in resp.scorers]

    @rpc_method
    def list_scorers_across_experiments(self, experiment_ids):
        if not experiment_ids:
            return []
        resp = self._c_call("listScorers", ListScorers(experiment_ids=[str(e) for e in experiment_ids]))
        return [ScorerVersion.from_proto(s) for s in resp.scorers]

    @rpc_method
    def list_scorer_versions(self, experiment_id, name):
        resp = self._c_call("listScorerVersions", ListScorerVersions(experiment_id=str(experiment_id), name=name))
        return [ScorerVersion.from_proto(s) for s in resp.scorers]

    @rpc_method
    def get_scorer(self, experiment_id, name, version=None):
        req = GetScorer(experiment_id=str(experiment_id), name=name)
        if version is not None:
            req.version = version
        return ScorerVersion.from_proto(self._c_call("getScorer", req).scorer)

    @rpc_method
    def delete_scorer(self, experiment_id, name, version=None):
        req = DeleteScorer(experiment_id=str(experiment_id), name=name)
        if version is not None:
            req.version = version
        self._c_call("deleteScorer", req)

    # issues (issue.c): the checks of validate_issue_fields that protobuf cannot carry (types, None) run
    # here, MLflow's own; the rest, the store's, in C. update_issue(categories=[]) cannot be told from
    # categories=None through protobuf: clearing falls to MLflow's SQL code.

    @rpc_method
    def create_issue(self, experiment_id, name, description, status="pending", severity=None, root_causes=None,
                     source_run_id=None, categories=None, created_by=None, *, issue_id=None,
                     last_seen_timestamp=None, metadata=None):
        validate_issue_fields(name=name, status=status, severity=severity, categories=categories,
                              metadata=metadata, last_seen_timestamp=last_seen_timestamp, issue_id=issue_id,
                              created_by=created_by)
        req = CreateIssue(experiment_id=str(experiment_id), name=name, description=description,
                          status=str(getattr(status, "value", status)))
        if severity is not None:
            req.severity = str(getattr(severity, "value", severity))
        if root_causes:
            req.root_causes.extend(root_causes)
        if source_run_id is not None:
            req.source_run_id = source_run_id
        if categories:
            req.categories.extend(categories)
        if created_by is not None:
            req.created_by = created_by
        if issue_id is not None:
            req.issue_id = issue_id
        if last_seen_timestamp is not None:
            req.last_seen_timestamp = last_seen_timestamp
        if metadata:
            req.metadata.update(metadata)
        return Issue.from_proto(self._c_call("createIssue", req).issue)

    @rpc_method
    def get_issue(self, issue_id):
        return Issue.from_proto(self._c_call("getIssue", GetIssue(issue_id=issue_id)).issue)

    @rpc_method
    def update_issue(self, issue_id, status=None, name=None, description=None, severity=None, *,
                     categories=None, last_seen_timestamp=None, last_updated_by=None, metadata=None,
                     delete_metadata_keys=None):
        if categories is not None and not categories:
            raise NotPorted()
        validate_issue_fields(name=name, status=status, severity=severity, categories=categories,
                              metadata=metadata, last_seen_timestamp=last_seen_timestamp,
                              delete_metadata_keys=delete_metadata_keys, last_updated_by=last_updated_by)
        req = UpdateIssue(issue_id=issue_id)
        for field, value in (("status", status), ("severity", severity)):
            if value is not None:
                setattr(req, field, str(getattr(value, "value", value)))
        for field, value in (("name", name), ("description", description), ("last_updated_by", last_updated_by),
                             ("last_seen_timestamp", last_seen_timestamp)):
            if value is not None:
                setattr(req, field, value)
        if categories:
            req.categories.extend(categories)
        if metadata:
            req.metadata.update(metadata)
        if delete_metadata_keys:
            req.delete_metadata_keys.extend(delete_metadata_keys)
        return Issue.from_proto(self._c_call("updateIssue", req).issue)

    @rpc_method
    def search_issues(self, experiment_id=None, filter_string=None, max_results=None, page_token=None,
                      include_trace_count=False, *, name=None, statuses=None, severities=None, categories=None,
                      order_by=None, include_total_count=False, view=None):
        validate_issue_search(name, statuses, severities, order_by)
        validate_issue_fields(categories=categories)
        req = SearchIssues(include_trace_count=include_trace_count)
        for field, value in (("experiment_id", experiment_id), ("filter_string", filter_string),
                             ("max_results", max_results), ("page_token", page_token), ("name", name),
                             ("view", view)):
            if value is not None:
                setattr(req, field, str(value) if field == "experiment_id" else value)
        if include_total_count:
            req.include_total_count = True
        for field, values in (("statuses", statuses), ("severities", severities), ("categories", categories),
                              ("order_by", order_by)):
            if values:
                getattr(req, field).extend(str(getattr(v, "value", v)) for v in values)
        resp = self._c_call("searchIssues", req)
        return PagedList([Issue.from_proto(i) for i in resp.issues], resp.next_page_token or None,
                         total_count=resp.total_count if include_total_count else None)


    # evaluation datasets: each store method is its rpc, the JSON strings as the REST store sends them

    def _eval_dataset(self, proto):
        ds = EvaluationDataset.from_proto(proto)
        ds._tracking_store = self
        return ds

    @rpc_method
    def create_dataset(self, name, tags=None, experiment_ids=None):
        req = CreateDataset(name=name, experiment_ids=[str(e) for e in experiment_ids or []])
        if tags:
            req.tags = json.dumps(tags)
        ds = self._eval_dataset(self._c_call("createDataset", req).dataset)
        ds.experiment_ids = list(experiment_ids or [])
        return ds

    @rpc_method
    def get_dataset(self, dataset_id):
        return self._eval_dataset(self._c_call("getDataset", GetDataset(dataset_id=dataset_id)).dataset)

    @rpc_method
    def delete_dataset(self, dataset_id):
        self._c_call("deleteDataset", DeleteDataset(dataset_id=dataset_id))

    @rpc_method
    def search_datasets(self, experiment_ids=None, filter_string=None, max_results=1000, order_by=None,
                        page_token=None):
        req = SearchEvaluationDatasets(experiment_ids=[str(e) for e in experiment_ids or []],
                                       filter_string=filter_string or "", max_results=max_results,
                                       order_by=order_by or [], page_token=page_token or "")
        resp = self._c_call("searchEvaluationDatasets", req)
        return PagedList([self._eval_dataset(d) for d in resp.datasets], resp.next_page_token or None)

    @rpc_method
    def set_dataset_tags(self, dataset_id, tags):
        self._c_call("setDatasetTags", SetDatasetTags(dataset_id=dataset_id, tags=json.dumps(tags)))

    @rpc_method
    def delete_dataset_tag(self, dataset_id, key):
        self._c_call("deleteDatasetTag", DeleteDatasetTag(dataset_id=dataset_id, key=key))

    @rpc_method
    def upsert_dataset_records(self, dataset_id, records):
        req = UpsertDatasetRecords(dataset_id=dataset_id, records=json.dumps(records))
        resp = self._c_call("upsertDatasetRecords", req)
        return {"inserted": resp.inserted_count, "updated": resp.updated_count}

    @rpc_method
    def _load_dataset_records(self, dataset_id, max_results=None, page_token=None):
        if max_results is not None:
            req = GetDatasetRecords(dataset_id=dataset_id, max_results=max_results or 1000,
                                    page_token=page_token or "")
            resp = self._c_call("getDatasetRecords", req)
            return ([DatasetRecord.from_dict(r) for r in json.loads(resp.records)],
                    resp.next_page_token or None)
        # None: every record (the pages, one after another)
        records, token = [], page_token
        while True:
            req = GetDatasetRecords(dataset_id=dataset_id, max_results=1000, page_token=token or "")
            resp = self._c_call("getDatasetRecords", req)
            records.extend(DatasetRecord.from_dict(r) for r in json.loads(resp.records))
            token = resp.next_page_token
            if not token:
                return records, None

    @rpc_method
    def delete_dataset_records(self, dataset_id, dataset_record_ids):
        req = DeleteDatasetRecords(dataset_id=dataset_id, dataset_record_ids=list(dataset_record_ids))
        return self._c_call("deleteDatasetRecords", req).deleted_count

    @rpc_method
    def get_dataset_experiment_ids(self, dataset_id):
        req = GetDatasetExperimentIds(dataset_id=dataset_id)
        return list(self._c_call("getDatasetExperimentIds", req).experiment_ids)

    @rpc_method
    def add_dataset_to_experiments(self, dataset_id, experiment_ids):
        req = AddDatasetToExperiments(dataset_id=dataset_id, experiment_ids=[str(e) for e in experiment_ids])
        return self._eval_dataset(self._c_call("addDatasetToExperiments", req).dataset)

    @rpc_method
    def remove_dataset_from_experiments(self, dataset_id, experiment_ids):
        from mlflow.store.tracking import sqlalchemy_store

        linked = set(self.get_dataset_experiment_ids(dataset_id))
        req = RemoveDatasetFromExperiments(dataset_id=dataset_id,
                                           experiment_ids=[str(e) for e in experiment_ids])
        ds = self._eval_dataset(self._c_call("removeDatasetFromExperiments", req).dataset)
        # the warnings MLflow's store logs (the rpc's answer cannot carry them)
        for exp_id in experiment_ids:
            if str(exp_id) not in linked:
                sqlalchemy_store._logger.warning(
                    f"Dataset '{dataset_id}' was not associated with experiment '{exp_id}'")
        return ds


def _sqlalchemy_store_class():
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    return SqlAlchemyStore


def c_store_class(base):
    """base (MLflow's SqlAlchemyStore or a subclass) with mlflow-c in front of it."""

    class _Store(TrackingStoreMixin, base):
        def __init__(self, db_uri, default_artifact_root):
            # The C library opens (and if empty, creates) the database first, so
            # MLflow's store finds its schema in place and runs no migration.
            self._c_open(db_uri, default_artifact_root)
            super().__init__(c_store_uri(db_uri), default_artifact_root)

    _Store.__name__ = _Store.__qualname__ = base.__name__
    _Store.__module__ = base.__module__
    return _Store


_CTrackingStore = None


def CTrackingStore(store_uri, artifact_uri=None):
    """MLflow's tracking store on store_uri (sqlite:///... or mlflowc+sqlite:///...),
    served by mlflow-c; artifact_uri defaults as for MLflow's SQL store."""
    global _CTrackingStore
    if _CTrackingStore is None:
        _CTrackingStore = c_store_class(_sqlalchemy_store_class())
    if artifact_uri is None:
        from mlflow.store.tracking import DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH

        artifact_uri = DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH
    return _CTrackingStore(store_uri, artifact_uri)


def ported_methods():
    """The store methods mlflow-c serves (when the library implements their rpc)."""
    return sorted(n for n, f in vars(TrackingStoreMixin).items() if getattr(f, "_mlflow_c_rpc", False))


def unported_methods():
    """The store-interface methods MLflow's SqlAlchemyStore implements itself that
    mlflow-c does not serve yet: they run MLflow's SQL code."""
    ported = set(ported_methods())
    sql_store = _sqlalchemy_store_class()
    return sorted(n for n, f in vars(sql_store).items() if not n.startswith("_") and callable(f)
                  and hasattr(AbstractStore, n) and n not in ported)
