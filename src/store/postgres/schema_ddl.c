/*
 * MLflow's schema at alembic head bf29a5ff90ea, as it stands on PostgreSQL.
 *
 * Run one by one, in this order, on an empty database, these statements give
 * the schema MLflow's own migrations leave there: the same tables, column
 * types and order, defaults, the SERIAL sequence behind
 * experiments.experiment_id, and every constraint and index under MLflow's
 * name, so `pg_dump -s` of our database equals MLflow's and a database made by
 * either server opens in the other. tools/migrate/verify_pg_schema.py checks
 * that against the reference MLflow.
 *
 * Tables come in foreign-key order, each with its constraints inline (named
 * as PostgreSQL named them for MLflow where MLflow left them unnamed, e.g.
 * experiments_name_key, runs_status_check, *_fkey), then the indexes. The
 * alembic_version row and the Default experiment (id 0, given explicitly so
 * the sequence still starts at 1) are the backend's to insert.
 */
#include <stddef.h>

const char *const mlf_pg_schema_ddl[] = {
    "CREATE TABLE alembic_version (\n"
    "    version_num VARCHAR(32) NOT NULL,\n"
    "    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n"
    ")",

    /* tracking: experiments, runs and what hangs off them */
    "CREATE TABLE experiments (\n"
    "    experiment_id SERIAL NOT NULL,\n"
    "    name VARCHAR(256) NOT NULL,\n"
    "    artifact_location VARCHAR(256),\n"
    "    lifecycle_stage VARCHAR(32),\n"
    "    creation_time BIGINT,\n"
    "    last_update_time BIGINT,\n"
    "    CONSTRAINT experiment_pk PRIMARY KEY (experiment_id),\n"
    "    CONSTRAINT experiments_name_key UNIQUE (name),\n"
    "    CONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted'))\n"
    ")",
    "CREATE TABLE experiment_tags (\n"
    "    key VARCHAR(250) NOT NULL,\n"
    "    value VARCHAR(5000),\n"
    "    experiment_id INTEGER NOT NULL,\n"
    "    CONSTRAINT experiment_tag_pk PRIMARY KEY (key, experiment_id),\n"
    "    CONSTRAINT experiment_tags_experiment_id_fkey FOREIGN KEY (experiment_id)\n"
    "        REFERENCES experiments (experiment_id)\n"
    ")",
    "CREATE TABLE runs (\n"
    "    run_uuid VARCHAR(32) NOT NULL,\n"
    "    name VARCHAR(250),\n"
    "    source_type VARCHAR(20),\n"
    "    source_name VARCHAR(500),\n"
    "    entry_point_name VARCHAR(50),\n"
    "    user_id VARCHAR(256),\n"
    "    status VARCHAR(9),\n"
    "    start_time BIGINT,\n"
    "    end_time BIGINT,\n"
    "    source_version VARCHAR(50),\n"
    "    lifecycle_stage VARCHAR(20),\n"
    "    artifact_uri VARCHAR(200),\n"
    "    experiment_id INTEGER,\n"
    "    deleted_time BIGINT,\n"
    "    CONSTRAINT run_pk PRIMARY KEY (run_uuid),\n"
    "    CONSTRAINT source_type CHECK (source_type IN ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT')),\n"
    "    CONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')),\n"
    "    CONSTRAINT runs_status_check CHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED')),\n"
    "    CONSTRAINT runs_experiment_id_fkey FOREIGN KEY (experiment_id)\n"
    "        REFERENCES experiments (experiment_id)\n"
    ")",
    "CREATE TABLE metrics (\n"
    "    key VARCHAR(250) NOT NULL,\n"
    "    value DOUBLE PRECISION NOT NULL,\n"
    "    \"timestamp\" BIGINT NOT NULL,\n"
    "    run_uuid VARCHAR(32) NOT NULL,\n"
    "    step BIGINT DEFAULT '0' NOT NULL,\n"
    "    is_nan BOOLEAN DEFAULT false NOT NULL,\n"
    "    CONSTRAINT metric_pk PRIMARY KEY (key, \"timestamp\", step, run_uuid, value, is_nan),\n"
    "    CONSTRAINT metrics_run_uuid_fkey FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)\n"
    ")",
    "CREATE TABLE latest_metrics (\n"
    "    key VARCHAR(250) NOT NULL,\n"
    "    value DOUBLE PRECISION NOT NULL,\n"
    "    \"timestamp\" BIGINT,\n"
    "    step BIGINT NOT NULL,\n"
    "    is_nan BOOLEAN NOT NULL,\n"
    "    run_uuid VARCHAR(32) NOT NULL,\n"
    "    CONSTRAINT latest_metric_pk PRIMARY KEY (key, run_uuid),\n"
    "    CONSTRAINT latest_metrics_run_uuid_fkey FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)\n"
    ")",
    "CREATE TABLE params (\n"
    "    key VARCHAR(250) NOT NULL,\n"
    "    value VARCHAR(8000) NOT NULL,\n"
    "    run_uuid VARCHAR(32) NOT NULL,\n"
    "    CONSTRAINT param_pk PRIMARY KEY (key, run_uuid),\n"
    "    CONSTRAINT params_run_uuid_fkey FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)\n"
    ")",
    "CREATE TABLE tags (\n"
    "    key VARCHAR(250) NOT NULL,\n"
    "    value VARCHAR(8000),\n"
    "    run_uuid VARCHAR(32) NOT NULL,\n"
    "    CONSTRAINT tag_pk PRIMARY KEY (key, run_uuid),\n"
    "    CONSTRAINT tags_run_uuid_fkey FOREIGN KEY (run_uuid) REFERENCES runs (run_uuid)\n"
    ")",

    /* model registry */
    "CREATE TABLE registered_models (\n"
    "    name VARCHAR(256) NOT NULL,\n"
    "    creation_time BIGINT,\n"
    "    last_updated_time BIGINT,\n"
    "    description VARCHAR(5000),\n"
    "    CONSTRAINT registered_model_pk PRIMARY KEY (name)\n"
    ")",
    "CREATE TABLE model_versions (\n"
    "    name VARCHAR(256) NOT NULL,\n"
    "    version INTEGER NOT NULL,\n"
    "    creation_time BIGINT,\n"
    "    last_updated_time BIGINT,\n"
    "    description VARCHAR(5000),\n"
    "    user_id VARCHAR(256),\n"
    "    current_stage VARCHAR(20),\n"
    "    source VARCHAR(500),\n"
    "    run_id VARCHAR(32),\n"
    "    status VARCHAR(20),\n"
    "    status_message VARCHAR(500),\n"
    "    run_link VARCHAR(500),\n"
    "    storage_location VARCHAR(500),\n"
    "    CONSTRAINT model_version_pk PRIMARY KEY (name, version),\n"
    "    CONSTRAINT model_versions_name_fkey FOREIGN KEY (name)\n"
    "        REFERENCES registered_models (name) ON UPDATE CASCADE\n"
    ")",
    "CREATE TABLE model_version_tags (\n"
    "    key VARCHAR(250) NOT NULL,\n"
    "    value TEXT,\n"
    "    name VARCHAR(256) NOT NULL,\n"
    "    version INTEGER NOT NULL,\n"
    "    CONSTRAINT model_version_tag_pk PRIMARY KEY (key, name, version),\n"
    "    CONSTRAINT model_version_tags_name_version_fkey FOREIGN KEY (name, version)\n"
    "        REFERENCES model_versions (name, version) ON UPDATE CASCADE\n"
    ")",
    "CREATE TABLE registered_model_tags (\n"
    "    key VARCHAR(250) NOT NULL,\n"
    "    value VARCHAR(5000),\n"
    "    name VARCHAR(256) NOT NULL,\n"
    "    CONSTRAINT registered_model_tag_pk PRIMARY KEY (key, name),\n"
    "    CONSTRAINT registered_model_tags_name_fkey FOREIGN KEY (name)\n"
    "        REFERENCES registered_models (name) ON UPDATE CASCADE\n"
    ")",
    "CREATE TABLE registered_model_aliases (\n"
    "    alias VARCHAR(256) NOT NULL,\n"
    "    version INTEGER NOT NULL,\n"
    "    name VARCHAR(256) NOT NULL,\n"
    "    CONSTRAINT registered_model_alias_pk PRIMARY KEY (name, alias),\n"
    "    CONSTRAINT registered_model_alias_name_fkey FOREIGN KEY (name)\n"
    "        REFERENCES registered_models (name) ON UPDATE CASCADE ON DELETE CASCADE\n"
    ")",

    /* datasets and run inputs */
    "CREATE TABLE datasets (\n"
    "    dataset_uuid VARCHAR(36) NOT NULL,\n"
    "    experiment_id INTEGER NOT NULL,\n"
    "    name VARCHAR(500) NOT NULL,\n"
    "    digest VARCHAR(36) NOT NULL,\n"
    "    dataset_source_type VARCHAR(36) NOT NULL,\n"
    "    dataset_source TEXT NOT NULL,\n"
    "    dataset_schema TEXT,\n"
    "    dataset_profile TEXT,\n"
    "    CONSTRAINT dataset_pk PRIMARY KEY (experiment_id, name, digest),\n"
    "    CONSTRAINT fk_datasets_experiment_id_experiments FOREIGN KEY (experiment_id)\n"
    "        REFERENCES experiments (experiment_id) ON DELETE CASCADE\n"
    ")",
    "CREATE TABLE inputs (\n"
    "    input_uuid VARCHAR(36) NOT NULL,\n"
    "    source_type VARCHAR(36) NOT NULL,\n"
    "    source_id VARCHAR(36) NOT NULL,\n"
    "    destination_type VARCHAR(36) NOT NULL,\n"
    "    destination_id VARCHAR(36) NOT NULL,\n"
    "    step BIGINT DEFAULT '0' NOT NULL,\n"
    "    CONSTRAINT inputs_pk PRIMARY KEY (source_type, source_id, destination_type, destination_id)\n"
    ")",
    "CREATE TABLE input_tags (\n"
    "    input_uuid VARCHAR(36) NOT NULL,\n"
    "    name VARCHAR(255) NOT NULL,\n"
    "    value VARCHAR(500) NOT NULL,\n"
    "    CONSTRAINT input_tags_pk PRIMARY KEY (input_uuid, name)\n"
    ")",

    /* traces */
    "CREATE TABLE trace_info (\n"
    "    request_id VARCHAR(50) NOT NULL,\n"
    "    experiment_id INTEGER NOT NULL,\n"
    "    timestamp_ms BIGINT NOT NULL,\n"
    "    execution_time_ms BIGINT,\n"
    "    status VARCHAR(50) NOT NULL,\n"
    "    client_request_id VARCHAR(50),\n"
    "    request_preview VARCHAR(1000),\n"
    "    response_preview VARCHAR(1000),\n"
    "    CONSTRAINT trace_info_pk PRIMARY KEY (request_id),\n"
    "    CONSTRAINT fk_trace_info_experiment_id FOREIGN KEY (experiment_id)\n"
    "        REFERENCES experiments (experiment_id)\n"
    ")",
    "CREATE TABLE trace_tags (\n"
    "    key VARCHAR(250) NOT NULL,\n"
    "    value VARCHAR(8000),\n"
    "    request_id VARCHAR(50) NOT NULL,\n"
    "    CONSTRAINT trace_tag_pk PRIMARY KEY (key, request_id),\n"
    "    CONSTRAINT fk_trace_tags_request_id FOREIGN KEY (request_id)\n"
    "        REFERENCES trace_info (request_id) ON DELETE CASCADE\n"
    ")",
    "CREATE TABLE trace_request_metadata (\n"
    "    key VARCHAR(250) NOT NULL,\n"
    "    value VARCHAR(8000),\n"
    "    request_id VARCHAR(50) NOT NULL,\n"
    "    CONSTRAINT trace_request_metadata_pk PRIMARY KEY (key, request_id),\n"
    "    CONSTRAINT fk_trace_request_metadata_request_id FOREIGN KEY (request_id)\n"
    "        REFERENCES trace_info (request_id) ON DELETE CASCADE\n"
    ")",
    "CREATE TABLE assessments (\n"
    "    assessment_id VARCHAR(50) NOT NULL,\n"
    "    trace_id VARCHAR(50) NOT NULL,\n"
    "    name VARCHAR(250) NOT NULL,\n"
    "    assessment_type VARCHAR(20) NOT NULL,\n"
    "    value TEXT NOT NULL,\n"
    "    error TEXT,\n"
    "    created_timestamp BIGINT NOT NULL,\n"
    "    last_updated_timestamp BIGINT NOT NULL,\n"
    "    source_type VARCHAR(50) NOT NULL,\n"
    "    source_id VARCHAR(250),\n"
    "    run_id VARCHAR(32),\n"
    "    span_id VARCHAR(50),\n"
    "    rationale TEXT,\n"
    "    overrides VARCHAR(50),\n"
    "    valid BOOLEAN NOT NULL,\n"
    "    assessment_metadata TEXT,\n"
    "    CONSTRAINT assessments_pk PRIMARY KEY (assessment_id),\n"
    "    CONSTRAINT fk_assessments_trace_id FOREIGN KEY (trace_id)\n"
    "        REFERENCES trace_info (request_id) ON DELETE CASCADE\n"
    ")",
    "CREATE TABLE spans (\n"
    "    trace_id VARCHAR(50) NOT NULL,\n"
    "    experiment_id INTEGER NOT NULL,\n"
    "    span_id VARCHAR(50) NOT NULL,\n"
    "    parent_span_id VARCHAR(50),\n"
    "    name TEXT,\n"
    "    type VARCHAR(500),\n"
    "    status VARCHAR(50) NOT NULL,\n"
    "    start_time_unix_nano BIGINT NOT NULL,\n"
    "    end_time_unix_nano BIGINT,\n"
    "    duration_ns BIGINT GENERATED ALWAYS AS (end_time_unix_nano - start_time_unix_nano) STORED,\n"
    "    content TEXT NOT NULL,\n"
    "    CONSTRAINT spans_pk PRIMARY KEY (trace_id, span_id),\n"
    "    CONSTRAINT fk_spans_trace_id FOREIGN KEY (trace_id)\n"
    "        REFERENCES trace_info (request_id) ON DELETE CASCADE,\n"
    "    CONSTRAINT fk_spans_experiment_id FOREIGN KEY (experiment_id)\n"
    "        REFERENCES experiments (experiment_id)\n"
    ")",

    /* logged models */
    "CREATE TABLE logged_models (\n"
    "    model_id VARCHAR(36) NOT NULL,\n"
    "    experiment_id INTEGER NOT NULL,\n"
    "    name VARCHAR(500) NOT NULL,\n"
    "    artifact_location VARCHAR(1000) NOT NULL,\n"
    "    creation_timestamp_ms BIGINT NOT NULL,\n"
    "    last_updated_timestamp_ms BIGINT NOT NULL,\n"
    "    status INTEGER NOT NULL,\n"
    "    lifecycle_stage VARCHAR(32),\n"
    "    model_type VARCHAR(500),\n"
    "    source_run_id VARCHAR(32),\n"
    "    status_message VARCHAR(1000),\n"
    "    CONSTRAINT logged_models_pk PRIMARY KEY (model_id),\n"
    "    CONSTRAINT logged_models_lifecycle_stage_check CHECK (lifecycle_stage IN ('active', 'deleted')),\n"
    "    CONSTRAINT fk_logged_models_experiment_id FOREIGN KEY (experiment_id)\n"
    "        REFERENCES experiments (experiment_id) ON DELETE CASCADE\n"
    ")",
    "CREATE TABLE logged_model_params (\n"
    "    model_id VARCHAR(36) NOT NULL,\n"
    "    experiment_id INTEGER NOT NULL,\n"
    "    param_key VARCHAR(255) NOT NULL,\n"
    "    param_value TEXT NOT NULL,\n"
    "    CONSTRAINT logged_model_params_pk PRIMARY KEY (model_id, param_key),\n"
    "    CONSTRAINT fk_logged_model_params_model_id FOREIGN KEY (model_id)\n"
    "        REFERENCES logged_models (model_id) ON DELETE CASCADE,\n"
    "    CONSTRAINT fk_logged_model_params_experiment_id FOREIGN KEY (experiment_id)\n"
    "        REFERENCES experiments (experiment_id)\n"
    ")",
    "CREATE TABLE logged_model_tags (\n"
    "    model_id VARCHAR(36) NOT NULL,\n"
    "    experiment_id INTEGER NOT NULL,\n"
    "    tag_key VARCHAR(255) NOT NULL,\n"
    "    tag_value TEXT NOT NULL,\n"
    "    CONSTRAINT logged_model_tags_pk PRIMARY KEY (model_id, tag_key),\n"
    "    CONSTRAINT fk_logged_model_tags_model_id FOREIGN KEY (model_id)\n"
    "        REFERENCES logged_models (model_id) ON DELETE CASCADE,\n"
    "    CONSTRAINT fk_logged_model_tags_experiment_id FOREIGN KEY (experiment_id)\n"
    "        REFERENCES experiments (experiment_id)\n"
    ")",
    "CREATE TABLE logged_model_metrics (\n"
    "    model_id VARCHAR(36) NOT NULL,\n"
    "    metric_name VARCHAR(500) NOT NULL,\n"
    "    metric_timestamp_ms BIGINT NOT NULL,\n"
    "    metric_step BIGINT NOT NULL,\n"
    "    metric_value DOUBLE PRECISION,\n"
    "    experiment_id INTEGER NOT NULL,\n"
    "    run_id VARCHAR(32) NOT NULL,\n"
    "    dataset_uuid VARCHAR(36),\n"
    "    dataset_name VARCHAR(500),\n"
    "    dataset_digest VARCHAR(36),\n"
    "    CONSTRAINT logged_model_metrics_pk\n"
    "        PRIMARY KEY (model_id, metric_name, metric_timestamp_ms, metric_step, run_id),\n"
    "    CONSTRAINT fk_logged_model_metrics_model_id FOREIGN KEY (model_id)\n"
    "        REFERENCES logged_models (model_id) ON DELETE CASCADE,\n"
    "    CONSTRAINT fk_logged_model_metrics_experiment_id FOREIGN KEY (experiment_id)\n"
    "        REFERENCES experiments (experiment_id),\n"
    "    CONSTRAINT fk_logged_model_metrics_run_id FOREIGN KEY (run_id)\n"
    "        REFERENCES runs (run_uuid) ON DELETE CASCADE\n"
    ")",

    /* webhooks */
    "CREATE TABLE webhooks (\n"
    "    webhook_id VARCHAR(256) NOT NULL,\n"
    "    name VARCHAR(256) NOT NULL,\n"
    "    description VARCHAR(1000),\n"
    "    url VARCHAR(500) NOT NULL,\n"
    "    status VARCHAR(20) DEFAULT 'ACTIVE' NOT NULL,\n"
    "    secret VARCHAR(1000),\n"
    "    creation_timestamp BIGINT,\n"
    "    last_updated_timestamp BIGINT,\n"
    "    deleted_timestamp BIGINT,\n"
    "    CONSTRAINT webhook_pk PRIMARY KEY (webhook_id)\n"
    ")",
    "CREATE TABLE webhook_events (\n"
    "    webhook_id VARCHAR(256) NOT NULL,\n"
    "    entity VARCHAR(50) NOT NULL,\n"
    "    action VARCHAR(50) NOT NULL,\n"
    "    CONSTRAINT webhook_event_pk PRIMARY KEY (webhook_id, entity, action),\n"
    "    CONSTRAINT webhook_events_webhook_id_fkey FOREIGN KEY (webhook_id)\n"
    "        REFERENCES webhooks (webhook_id) ON DELETE CASCADE\n"
    ")",

    /* scorers */
    "CREATE TABLE scorers (\n"
    "    experiment_id INTEGER NOT NULL,\n"
    "    scorer_name VARCHAR(256) NOT NULL,\n"
    "    scorer_id VARCHAR(36) NOT NULL,\n"
    "    CONSTRAINT scorer_pk PRIMARY KEY (scorer_id),\n"
    "    CONSTRAINT fk_scorers_experiment_id FOREIGN KEY (experiment_id)\n"
    "        REFERENCES experiments (experiment_id) ON DELETE CASCADE\n"
    ")",
    "CREATE TABLE scorer_versions (\n"
    "    scorer_id VARCHAR(36) NOT NULL,\n"
    "    scorer_version INTEGER NOT NULL,\n"
    "    serialized_scorer TEXT NOT NULL,\n"
    "    creation_time BIGINT,\n"
    "    CONSTRAINT scorer_version_pk PRIMARY KEY (scorer_id, scorer_version),\n"
    "    CONSTRAINT fk_scorer_versions_scorer_id FOREIGN KEY (scorer_id)\n"
    "        REFERENCES scorers (scorer_id) ON DELETE CASCADE\n"
    ")",

    /* evaluation datasets */
    "CREATE TABLE evaluation_datasets (\n"
    "    dataset_id VARCHAR(36) NOT NULL,\n"
    "    name VARCHAR(255) NOT NULL,\n"
    "    schema TEXT,\n"
    "    profile TEXT,\n"
    "    digest VARCHAR(64),\n"
    "    created_time BIGINT,\n"
    "    last_update_time BIGINT,\n"
    "    created_by VARCHAR(255),\n"
    "    last_updated_by VARCHAR(255),\n"
    "    CONSTRAINT evaluation_datasets_pk PRIMARY KEY (dataset_id)\n"
    ")",
    "CREATE TABLE evaluation_dataset_tags (\n"
    "    dataset_id VARCHAR(36) NOT NULL,\n"
    "    key VARCHAR(255) NOT NULL,\n"
    "    value VARCHAR(5000),\n"
    "    CONSTRAINT evaluation_dataset_tags_pk PRIMARY KEY (dataset_id, key),\n"
    "    CONSTRAINT fk_evaluation_dataset_tags_dataset_id FOREIGN KEY (dataset_id)\n"
    "        REFERENCES evaluation_datasets (dataset_id) ON DELETE CASCADE\n"
    ")",
    "CREATE TABLE evaluation_dataset_records (\n"
    "    dataset_record_id VARCHAR(36) NOT NULL,\n"
    "    dataset_id VARCHAR(36) NOT NULL,\n"
    "    inputs JSON NOT NULL,\n"
    "    expectations JSON,\n"
    "    tags JSON,\n"
    "    source JSON,\n"
    "    source_id VARCHAR(36),\n"
    "    source_type VARCHAR(255),\n"
    "    created_time BIGINT,\n"
    "    last_update_time BIGINT,\n"
    "    created_by VARCHAR(255),\n"
    "    last_updated_by VARCHAR(255),\n"
    "    input_hash VARCHAR(64) NOT NULL,\n"
    "    outputs JSON,\n"
    "    CONSTRAINT evaluation_dataset_records_pk PRIMARY KEY (dataset_record_id),\n"
    "    CONSTRAINT unique_dataset_input UNIQUE (dataset_id, input_hash),\n"
    "    CONSTRAINT fk_evaluation_dataset_records_dataset_id FOREIGN KEY (dataset_id)\n"
    "        REFERENCES evaluation_datasets (dataset_id) ON DELETE CASCADE\n"
    ")",
    "CREATE TABLE entity_associations (\n"
    "    association_id VARCHAR(36) NOT NULL,\n"
    "    source_type VARCHAR(36) NOT NULL,\n"
    "    source_id VARCHAR(36) NOT NULL,\n"
    "    destination_type VARCHAR(36) NOT NULL,\n"
    "    destination_id VARCHAR(36) NOT NULL,\n"
    "    created_time BIGINT,\n"
    "    CONSTRAINT entity_associations_pk\n"
    "        PRIMARY KEY (source_type, source_id, destination_type, destination_id)\n"
    ")",

    /* jobs */
    "CREATE TABLE jobs (\n"
    "    id VARCHAR(36) NOT NULL,\n"
    "    creation_time BIGINT NOT NULL,\n"
    "    function_fullname VARCHAR(500) NOT NULL,\n"
    "    params TEXT NOT NULL,\n"
    "    timeout DOUBLE PRECISION,\n"
    "    status INTEGER NOT NULL,\n"
    "    result TEXT,\n"
    "    retry_count INTEGER NOT NULL,\n"
    "    last_update_time BIGINT NOT NULL,\n"
    "    CONSTRAINT jobs_pk PRIMARY KEY (id)\n"
    ")",

    /* indexes, table by table in the order above */
    "CREATE INDEX index_metrics_run_uuid ON metrics (run_uuid)",
    "CREATE INDEX index_latest_metrics_run_uuid ON latest_metrics (run_uuid)",
    "CREATE INDEX index_params_run_uuid ON params (run_uuid)",
    "CREATE INDEX index_tags_run_uuid ON tags (run_uuid)",
    "CREATE INDEX index_datasets_dataset_uuid ON datasets (dataset_uuid)",
    "CREATE INDEX index_datasets_experiment_id_dataset_source_type ON datasets (experiment_id, dataset_source_type)",
    "CREATE INDEX index_inputs_input_uuid ON inputs (input_uuid)",
    "CREATE INDEX index_inputs_destination_type_destination_id_source_type"
    " ON inputs (destination_type, destination_id, source_type)",
    "CREATE INDEX index_trace_info_experiment_id_timestamp_ms ON trace_info (experiment_id, timestamp_ms)",
    "CREATE INDEX index_trace_tags_request_id ON trace_tags (request_id)",
    "CREATE INDEX index_trace_request_metadata_request_id ON trace_request_metadata (request_id)",
    "CREATE INDEX index_assessments_trace_id_created_timestamp ON assessments (trace_id, created_timestamp)",
    "CREATE INDEX index_assessments_run_id_created_timestamp ON assessments (run_id, created_timestamp)",
    "CREATE INDEX index_assessments_last_updated_timestamp ON assessments (last_updated_timestamp)",
    "CREATE INDEX index_assessments_assessment_type ON assessments (assessment_type)",
    "CREATE INDEX index_spans_experiment_id ON spans (experiment_id)",
    "CREATE INDEX index_spans_experiment_id_status_type ON spans (experiment_id, status, type)",
    "CREATE INDEX index_spans_experiment_id_type_status ON spans (experiment_id, type, status)",
    "CREATE INDEX index_spans_experiment_id_duration ON spans (experiment_id, duration_ns)",
    "CREATE INDEX index_logged_model_metrics_model_id ON logged_model_metrics (model_id)",
    "CREATE INDEX idx_webhooks_status ON webhooks (status)",
    "CREATE INDEX idx_webhooks_name ON webhooks (name)",
    "CREATE INDEX idx_webhook_events_entity ON webhook_events (entity)",
    "CREATE INDEX idx_webhook_events_action ON webhook_events (action)",
    "CREATE INDEX idx_webhook_events_entity_action ON webhook_events (entity, action)",
    "CREATE UNIQUE INDEX index_scorers_experiment_id_scorer_name ON scorers (experiment_id, scorer_name)",
    "CREATE INDEX index_scorer_versions_scorer_id ON scorer_versions (scorer_id)",
    "CREATE INDEX index_evaluation_datasets_name ON evaluation_datasets (name)",
    "CREATE INDEX index_evaluation_datasets_created_time ON evaluation_datasets (created_time)",
    "CREATE INDEX index_evaluation_dataset_tags_dataset_id ON evaluation_dataset_tags (dataset_id)",
    "CREATE INDEX index_evaluation_dataset_records_dataset_id ON evaluation_dataset_records (dataset_id)",
    "CREATE INDEX index_entity_associations_association_id ON entity_associations (association_id)",
    "CREATE INDEX index_entity_associations_reverse_lookup"
    " ON entity_associations (destination_type, destination_id, source_type, source_id)",
    "CREATE INDEX index_jobs_function_status_creation_time ON jobs (function_fullname, status, creation_time)",
};

const size_t mlf_pg_schema_ddl_count = sizeof(mlf_pg_schema_ddl) / sizeof(mlf_pg_schema_ddl[0]);
