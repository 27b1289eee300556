/*
 * MLflow's schema at alembic head bf29a5ff90ea, created on an empty database.
 *
 * The DDL strings are the exact text SQLite keeps in sqlite_master for a
 * database MLflow migrated to that head (tables alembic rebuilt carry their
 * quoted names, e.g. CREATE TABLE "runs"), in the order a fresh MLflow
 * database lists them, so `.schema` of our database equals MLflow's.
 */
#include "store/sqlite/sqlite.h"

#include <string.h>

const char *const mlf_sqlite_schema_ddl[] = {
    "CREATE TABLE experiments (\n"
    "\texperiment_id INTEGER NOT NULL, \n"
    "\tname VARCHAR(256) NOT NULL, \n"
    "\tartifact_location VARCHAR(256), \n"
    "\tlifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT, \n"
    "\tCONSTRAINT experiment_pk PRIMARY KEY (experiment_id), \n"
    "\tCONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), \n"
    "\tUNIQUE (name)\n"
    ")",
    "CREATE TABLE alembic_version (\n"
    "\tversion_num VARCHAR(32) NOT NULL, \n"
    "\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n"
    ")",
    "CREATE TABLE experiment_tags (\n"
    "\t\"key\" VARCHAR(250) NOT NULL, \n"
    "\tvalue VARCHAR(5000), \n"
    "\texperiment_id INTEGER NOT NULL, \n"
    "\tCONSTRAINT experiment_tag_pk PRIMARY KEY (\"key\", experiment_id), \n"
    "\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n"
    ")",
    "CREATE TABLE registered_models (\n"
    "\tname VARCHAR(256) NOT NULL, \n"
    "\tcreation_time BIGINT, \n"
    "\tlast_updated_time BIGINT, \n"
    "\tdescription VARCHAR(5000), \n"
    "\tCONSTRAINT registered_model_pk PRIMARY KEY (name), \n"
    "\tUNIQUE (name)\n"
    ")",
    "CREATE TABLE \"runs\" (\n"
    "\trun_uuid VARCHAR(32) NOT NULL, \n"
    "\tname VARCHAR(250), \n"
    "\tsource_type VARCHAR(20), \n"
    "\tsource_name VARCHAR(500), \n"
    "\tentry_point_name VARCHAR(50), \n"
    "\tuser_id VARCHAR(256), \n"
    "\tstatus VARCHAR(9), \n"
    "\tstart_time BIGINT, \n"
    "\tend_time BIGINT, \n"
    "\tsource_version VARCHAR(50), \n"
    "\tlifecycle_stage VARCHAR(20), \n"
    "\tartifact_uri VARCHAR(200), \n"
    "\texperiment_id INTEGER, deleted_time BIGINT, \n"
    "\tCONSTRAINT run_pk PRIMARY KEY (run_uuid), \n"
    "\tCONSTRAINT source_type CHECK (source_type IN ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT')), \n"
    "\tCONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), \n"
    "\tCHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED')), \n"
    "\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n"
    ")",
    "CREATE TABLE registered_model_tags (\n"
    "\t\"key\" VARCHAR(250) NOT NULL, \n"
    "\tvalue VARCHAR(5000), \n"
    "\tname VARCHAR(256) NOT NULL, \n"
    "\tCONSTRAINT registered_model_tag_pk PRIMARY KEY (\"key\", name), \n"
    "\tFOREIGN KEY(name) REFERENCES registered_models (name) ON UPDATE cascade\n"
    ")",
    "CREATE TABLE \"model_versions\" (\n"
    "\tname VARCHAR(256) NOT NULL, \n"
    "\tversion INTEGER NOT NULL, \n"
    "\tcreation_time BIGINT, \n"
    "\tlast_updated_time BIGINT, \n"
    "\tdescription VARCHAR(5000), \n"
    "\tuser_id VARCHAR(256), \n"
    "\tcurrent_stage VARCHAR(20), \n"
    "\tsource VARCHAR(500), \n"
    "\trun_id VARCHAR(32), \n"
    "\tstatus VARCHAR(20), \n"
    "\tstatus_message VARCHAR(500), \n"
    "\trun_link VARCHAR(500), storage_location VARCHAR(500), \n"
    "\tCONSTRAINT model_version_pk PRIMARY KEY (name, version), \n"
    "\tFOREIGN KEY(name) REFERENCES registered_models (name) ON UPDATE CASCADE\n"
    ")",
    "CREATE TABLE \"latest_metrics\" (\n"
    "\t\"key\" VARCHAR(250) NOT NULL, \n"
    "\tvalue FLOAT NOT NULL, \n"
    "\ttimestamp BIGINT, \n"
    "\tstep BIGINT NOT NULL, \n"
    "\tis_nan BOOLEAN NOT NULL, \n"
    "\trun_uuid VARCHAR(32) NOT NULL, \n"
    "\tCONSTRAINT latest_metric_pk PRIMARY KEY (\"key\", run_uuid), \n"
    "\tCHECK (is_nan IN (0, 1)), \n"
    "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n"
    ")",
    "CREATE TABLE \"metrics\" (\n"
    "\t\"key\" VARCHAR(250) NOT NULL, \n"
    "\tvalue FLOAT NOT NULL, \n"
    "\ttimestamp BIGINT NOT NULL, \n"
    "\trun_uuid VARCHAR(32) NOT NULL, \n"
    "\tstep BIGINT DEFAULT '0' NOT NULL, \n"
    "\tis_nan BOOLEAN DEFAULT '0' NOT NULL, \n"
    "\tCONSTRAINT metric_pk PRIMARY KEY (\"key\", timestamp, step, run_uuid, value, is_nan), \n"
    "\tCHECK (is_nan IN (0, 1)), \n"
    "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n"
    ")",
    "CREATE INDEX index_metrics_run_uuid ON metrics (run_uuid)",
    "CREATE INDEX index_latest_metrics_run_uuid ON latest_metrics (run_uuid)",
    "CREATE TABLE registered_model_aliases (\n"
    "\talias VARCHAR(256) NOT NULL, \n"
    "\tversion INTEGER NOT NULL, \n"
    "\tname VARCHAR(256) NOT NULL, \n"
    "\tCONSTRAINT registered_model_alias_pk PRIMARY KEY (name, alias), \n"
    "\tCONSTRAINT registered_model_alias_name_fkey FOREIGN KEY(name) REFERENCES registered_models (name) ON DELETE "
    "cascade ON UPDATE cascade\n"
    ")",
    "CREATE TABLE inputs (\n"
    "\tinput_uuid VARCHAR(36) NOT NULL, \n"
    "\tsource_type VARCHAR(36) NOT NULL, \n"
    "\tsource_id VARCHAR(36) NOT NULL, \n"
    "\tdestination_type VARCHAR(36) NOT NULL, \n"
    "\tdestination_id VARCHAR(36) NOT NULL, step BIGINT DEFAULT '0' NOT NULL, \n"
    "\tCONSTRAINT inputs_pk PRIMARY KEY (source_type, source_id, destination_type, destination_id)\n"
    ")",
    "CREATE INDEX index_inputs_input_uuid ON inputs (input_uuid)",
    "CREATE INDEX index_inputs_destination_type_destination_id_source_type ON inputs (destination_type, "
    "destination_id, source_type)",
    "CREATE TABLE input_tags (\n"
    "\tinput_uuid VARCHAR(36) NOT NULL, \n"
    "\tname VARCHAR(255) NOT NULL, \n"
    "\tvalue VARCHAR(500) NOT NULL, \n"
    "\tCONSTRAINT input_tags_pk PRIMARY KEY (input_uuid, name)\n"
    ")",
    "CREATE TABLE \"params\" (\n"
    "\t\"key\" VARCHAR(250) NOT NULL, \n"
    "\tvalue VARCHAR(8000) NOT NULL, \n"
    "\trun_uuid VARCHAR(32) NOT NULL, \n"
    "\tCONSTRAINT param_pk PRIMARY KEY (\"key\", run_uuid), \n"
    "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n"
    ")",
    "CREATE INDEX index_params_run_uuid ON params (run_uuid)",
    "CREATE TABLE trace_info (\n"
    "\trequest_id VARCHAR(50) NOT NULL, \n"
    "\texperiment_id INTEGER NOT NULL, \n"
    "\ttimestamp_ms BIGINT NOT NULL, \n"
    "\texecution_time_ms BIGINT, \n"
    "\tstatus VARCHAR(50) NOT NULL, client_request_id VARCHAR(50), request_preview VARCHAR(1000), response_preview "
    "VARCHAR(1000), \n"
    "\tCONSTRAINT trace_info_pk PRIMARY KEY (request_id), \n"
    "\tCONSTRAINT fk_trace_info_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n"
    ")",
    "CREATE INDEX index_trace_info_experiment_id_timestamp_ms ON trace_info (experiment_id, timestamp_ms)",
    "CREATE TABLE \"trace_tags\" (\n"
    "\t\"key\" VARCHAR(250) NOT NULL, \n"
    "\tvalue VARCHAR(8000), \n"
    "\trequest_id VARCHAR(50) NOT NULL, \n"
    "\tCONSTRAINT trace_tag_pk PRIMARY KEY (\"key\", request_id), \n"
    "\tCONSTRAINT fk_trace_tags_request_id FOREIGN KEY(request_id) REFERENCES trace_info (request_id) ON DELETE "
    "CASCADE\n"
    ")",
    "CREATE INDEX index_trace_tags_request_id ON trace_tags (request_id)",
    "CREATE TABLE \"trace_request_metadata\" (\n"
    "\t\"key\" VARCHAR(250) NOT NULL, \n"
    "\tvalue VARCHAR(8000), \n"
    "\trequest_id VARCHAR(50) NOT NULL, \n"
    "\tCONSTRAINT trace_request_metadata_pk PRIMARY KEY (\"key\", request_id), \n"
    "\tCONSTRAINT fk_trace_request_metadata_request_id FOREIGN KEY(request_id) REFERENCES trace_info (request_id) ON "
    "DELETE CASCADE\n"
    ")",
    "CREATE INDEX index_trace_request_metadata_request_id ON trace_request_metadata (request_id)",
    "CREATE TABLE \"tags\" (\n"
    "\t\"key\" VARCHAR(250) NOT NULL, \n"
    "\tvalue VARCHAR(8000), \n"
    "\trun_uuid VARCHAR(32) NOT NULL, \n"
    "\tCONSTRAINT tag_pk PRIMARY KEY (\"key\", run_uuid), \n"
    "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n"
    ")",
    "CREATE INDEX index_tags_run_uuid ON tags (run_uuid)",
    "CREATE TABLE \"datasets\" (\n"
    "\tdataset_uuid VARCHAR(36) NOT NULL, \n"
    "\texperiment_id INTEGER NOT NULL, \n"
    "\tname VARCHAR(500) NOT NULL, \n"
    "\tdigest VARCHAR(36) NOT NULL, \n"
    "\tdataset_source_type VARCHAR(36) NOT NULL, \n"
    "\tdataset_source TEXT NOT NULL, \n"
    "\tdataset_schema TEXT, \n"
    "\tdataset_profile TEXT, \n"
    "\tCONSTRAINT dataset_pk PRIMARY KEY (experiment_id, name, digest), \n"
    "\tCONSTRAINT fk_datasets_experiment_id_experiments FOREIGN KEY(experiment_id) REFERENCES experiments "
    "(experiment_id) ON DELETE CASCADE\n"
    ")",
    "CREATE INDEX index_datasets_dataset_uuid ON datasets (dataset_uuid)",
    "CREATE INDEX index_datasets_experiment_id_dataset_source_type ON datasets (experiment_id, dataset_source_type)",
    "CREATE TABLE logged_models (\n"
    "\tmodel_id VARCHAR(36) NOT NULL, \n"
    "\texperiment_id INTEGER NOT NULL, \n"
    "\tname VARCHAR(500) NOT NULL, \n"
    "\tartifact_location VARCHAR(1000) NOT NULL, \n"
    "\tcreation_timestamp_ms BIGINT NOT NULL, \n"
    "\tlast_updated_timestamp_ms BIGINT NOT NULL, \n"
    "\tstatus INTEGER NOT NULL, \n"
    "\tlifecycle_stage VARCHAR(32), \n"
    "\tmodel_type VARCHAR(500), \n"
    "\tsource_run_id VARCHAR(32), \n"
    "\tstatus_message VARCHAR(1000), \n"
    "\tCONSTRAINT logged_models_pk PRIMARY KEY (model_id), \n"
    "\tCONSTRAINT logged_models_lifecycle_stage_check CHECK (lifecycle_stage IN ('active', 'deleted')), \n"
    "\tCONSTRAINT fk_logged_models_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON "
    "DELETE CASCADE\n"
    ")",
    "CREATE TABLE logged_model_metrics (\n"
    "\tmodel_id VARCHAR(36) NOT NULL, \n"
    "\tmetric_name VARCHAR(500) NOT NULL, \n"
    "\tmetric_timestamp_ms BIGINT NOT NULL, \n"
    "\tmetric_step BIGINT NOT NULL, \n"
    "\tmetric_value FLOAT, \n"
    "\texperiment_id INTEGER NOT NULL, \n"
    "\trun_id VARCHAR(32) NOT NULL, \n"
    "\tdataset_uuid VARCHAR(36), \n"
    "\tdataset_name VARCHAR(500), \n"
    "\tdataset_digest VARCHAR(36), \n"
    "\tCONSTRAINT logged_model_metrics_pk PRIMARY KEY (model_id, metric_name, metric_timestamp_ms, metric_step, "
    "run_id), \n"
    "\tCONSTRAINT fk_logged_model_metrics_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments "
    "(experiment_id), \n"
    "\tCONSTRAINT fk_logged_model_metrics_model_id FOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE "
    "CASCADE, \n"
    "\tCONSTRAINT fk_logged_model_metrics_run_id FOREIGN KEY(run_id) REFERENCES runs (run_uuid) ON DELETE CASCADE\n"
    ")",
    "CREATE INDEX index_logged_model_metrics_model_id ON logged_model_metrics (model_id)",
    "CREATE TABLE logged_model_params (\n"
    "\tmodel_id VARCHAR(36) NOT NULL, \n"
    "\texperiment_id INTEGER NOT NULL, \n"
    "\tparam_key VARCHAR(255) NOT NULL, \n"
    "\tparam_value TEXT NOT NULL, \n"
    "\tCONSTRAINT logged_model_params_pk PRIMARY KEY (model_id, param_key), \n"
    "\tCONSTRAINT fk_logged_model_params_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments "
    "(experiment_id), \n"
    "\tCONSTRAINT fk_logged_model_params_model_id FOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE "
    "CASCADE\n"
    ")",
    "CREATE TABLE logged_model_tags (\n"
    "\tmodel_id VARCHAR(36) NOT NULL, \n"
    "\texperiment_id INTEGER NOT NULL, \n"
    "\ttag_key VARCHAR(255) NOT NULL, \n"
    "\ttag_value TEXT NOT NULL, \n"
    "\tCONSTRAINT logged_model_tags_pk PRIMARY KEY (model_id, tag_key), \n"
    "\tCONSTRAINT fk_logged_model_tags_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments "
    "(experiment_id), \n"
    "\tCONSTRAINT fk_logged_model_tags_model_id FOREIGN KEY(model_id) REFERENCES logged_models (model_id) ON DELETE "
    "CASCADE\n"
    ")",
    "CREATE TABLE \"model_version_tags\" (\n"
    "\t\"key\" VARCHAR(250) NOT NULL, \n"
    "\tvalue TEXT, \n"
    "\tname VARCHAR(256) NOT NULL, \n"
    "\tversion INTEGER NOT NULL, \n"
    "\tCONSTRAINT model_version_tag_pk PRIMARY KEY (\"key\", name, version), \n"
    "\tFOREIGN KEY(name, version) REFERENCES model_versions (name, version) ON UPDATE CASCADE\n"
    ")",
    "CREATE TABLE assessments (\n"
    "\tassessment_id VARCHAR(50) NOT NULL, \n"
    "\ttrace_id VARCHAR(50) NOT NULL, \n"
    "\tname VARCHAR(250) NOT NULL, \n"
    "\tassessment_type VARCHAR(20) NOT NULL, \n"
    "\tvalue TEXT NOT NULL, \n"
    "\terror TEXT, \n"
    "\tcreated_timestamp BIGINT NOT NULL, \n"
    "\tlast_updated_timestamp BIGINT NOT NULL, \n"
    "\tsource_type VARCHAR(50) NOT NULL, \n"
    "\tsource_id VARCHAR(250), \n"
    "\trun_id VARCHAR(32), \n"
    "\tspan_id VARCHAR(50), \n"
    "\trationale TEXT, \n"
    "\toverrides VARCHAR(50), \n"
    "\tvalid BOOLEAN NOT NULL, \n"
    "\tassessment_metadata TEXT, \n"
    "\tCONSTRAINT assessments_pk PRIMARY KEY (assessment_id), \n"
    "\tCONSTRAINT fk_assessments_trace_id FOREIGN KEY(trace_id) REFERENCES trace_info (request_id) ON DELETE CASCADE\n"
    ")",
    "CREATE INDEX index_assessments_trace_id_created_timestamp ON assessments (trace_id, created_timestamp)",
    "CREATE INDEX index_assessments_run_id_created_timestamp ON assessments (run_id, created_timestamp)",
    "CREATE INDEX index_assessments_last_updated_timestamp ON assessments (last_updated_timestamp)",
    "CREATE INDEX index_assessments_assessment_type ON assessments (assessment_type)",
    "CREATE TABLE spans (\n"
    "\ttrace_id VARCHAR(50) NOT NULL, \n"
    "\texperiment_id INTEGER NOT NULL, \n"
    "\tspan_id VARCHAR(50) NOT NULL, \n"
    "\tparent_span_id VARCHAR(50), \n"
    "\tname TEXT, \n"
    "\ttype VARCHAR(500), \n"
    "\tstatus VARCHAR(50) NOT NULL, \n"
    "\tstart_time_unix_nano BIGINT NOT NULL, \n"
    "\tend_time_unix_nano BIGINT, \n"
    "\tduration_ns BIGINT GENERATED ALWAYS AS (end_time_unix_nano - start_time_unix_nano) STORED, \n"
    "\tcontent TEXT NOT NULL, \n"
    "\tCONSTRAINT spans_pk PRIMARY KEY (trace_id, span_id), \n"
    "\tCONSTRAINT fk_spans_trace_id FOREIGN KEY(trace_id) REFERENCES trace_info (request_id) ON DELETE CASCADE, \n"
    "\tCONSTRAINT fk_spans_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n"
    ")",
    "CREATE INDEX index_spans_experiment_id ON spans (experiment_id)",
    "CREATE INDEX index_spans_experiment_id_status_type ON spans (experiment_id, status, type)",
    "CREATE INDEX index_spans_experiment_id_type_status ON spans (experiment_id, type, status)",
    "CREATE INDEX index_spans_experiment_id_duration ON spans (experiment_id, duration_ns)",
    "CREATE TABLE entity_associations (\n"
    "\tassociation_id VARCHAR(36) NOT NULL, \n"
    "\tsource_type VARCHAR(36) NOT NULL, \n"
    "\tsource_id VARCHAR(36) NOT NULL, \n"
    "\tdestination_type VARCHAR(36) NOT NULL, \n"
    "\tdestination_id VARCHAR(36) NOT NULL, \n"
    "\tcreated_time BIGINT, \n"
    "\tCONSTRAINT entity_associations_pk PRIMARY KEY (source_type, source_id, destination_type, destination_id)\n"
    ")",
    "CREATE INDEX index_entity_associations_association_id ON entity_associations (association_id)",
    "CREATE INDEX index_entity_associations_reverse_lookup ON entity_associations (destination_type, destination_id, "
    "source_type, source_id)",
    "CREATE TABLE webhooks (\n"
    "\twebhook_id VARCHAR(256) NOT NULL, \n"
    "\tname VARCHAR(256) NOT NULL, \n"
    "\tdescription VARCHAR(1000), \n"
    "\turl VARCHAR(500) NOT NULL, \n"
    "\tstatus VARCHAR(20) DEFAULT 'ACTIVE' NOT NULL, \n"
    "\tsecret VARCHAR(1000), \n"
    "\tcreation_timestamp BIGINT, \n"
    "\tlast_updated_timestamp BIGINT, \n"
    "\tdeleted_timestamp BIGINT, \n"
    "\tCONSTRAINT webhook_pk PRIMARY KEY (webhook_id)\n"
    ")",
    "CREATE INDEX idx_webhooks_status ON webhooks (status)",
    "CREATE INDEX idx_webhooks_name ON webhooks (name)",
    "CREATE TABLE webhook_events (\n"
    "\twebhook_id VARCHAR(256) NOT NULL, \n"
    "\tentity VARCHAR(50) NOT NULL, \n"
    "\taction VARCHAR(50) NOT NULL, \n"
    "\tCONSTRAINT webhook_event_pk PRIMARY KEY (webhook_id, entity, action), \n"
    "\tFOREIGN KEY(webhook_id) REFERENCES webhooks (webhook_id) ON DELETE cascade\n"
    ")",
    "CREATE INDEX idx_webhook_events_entity ON webhook_events (entity)",
    "CREATE INDEX idx_webhook_events_action ON webhook_events (action)",
    "CREATE INDEX idx_webhook_events_entity_action ON webhook_events (entity, action)",
    "CREATE TABLE scorers (\n"
    "\texperiment_id INTEGER NOT NULL, \n"
    "\tscorer_name VARCHAR(256) NOT NULL, \n"
    "\tscorer_id VARCHAR(36) NOT NULL, \n"
    "\tCONSTRAINT scorer_pk PRIMARY KEY (scorer_id), \n"
    "\tCONSTRAINT fk_scorers_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id) ON DELETE "
    "CASCADE\n"
    ")",
    "CREATE TABLE scorer_versions (\n"
    "\tscorer_id VARCHAR(36) NOT NULL, \n"
    "\tscorer_version INTEGER NOT NULL, \n"
    "\tserialized_scorer TEXT NOT NULL, \n"
    "\tcreation_time BIGINT, \n"
    "\tCONSTRAINT scorer_version_pk PRIMARY KEY (scorer_id, scorer_version), \n"
    "\tCONSTRAINT fk_scorer_versions_scorer_id FOREIGN KEY(scorer_id) REFERENCES scorers (scorer_id) ON DELETE "
    "CASCADE\n"
    ")",
    "CREATE UNIQUE INDEX index_scorers_experiment_id_scorer_name ON scorers (experiment_id, scorer_name)",
    "CREATE INDEX index_scorer_versions_scorer_id ON scorer_versions (scorer_id)",
    "CREATE TABLE evaluation_datasets (\n"
    "\tdataset_id VARCHAR(36) NOT NULL, \n"
    "\tname VARCHAR(255) NOT NULL, \n"
    "\tschema TEXT, \n"
    "\tprofile TEXT, \n"
    "\tdigest VARCHAR(64), \n"
    "\tcreated_time BIGINT, \n"
    "\tlast_update_time BIGINT, \n"
    "\tcreated_by VARCHAR(255), \n"
    "\tlast_updated_by VARCHAR(255), \n"
    "\tCONSTRAINT evaluation_datasets_pk PRIMARY KEY (dataset_id)\n"
    ")",
    "CREATE INDEX index_evaluation_datasets_name ON evaluation_datasets (name)",
    "CREATE INDEX index_evaluation_datasets_created_time ON evaluation_datasets (created_time)",
    "CREATE TABLE evaluation_dataset_tags (\n"
    "\tdataset_id VARCHAR(36) NOT NULL, \n"
    "\t\"key\" VARCHAR(255) NOT NULL, \n"
    "\tvalue VARCHAR(5000), \n"
    "\tCONSTRAINT evaluation_dataset_tags_pk PRIMARY KEY (dataset_id, \"key\"), \n"
    "\tCONSTRAINT fk_evaluation_dataset_tags_dataset_id FOREIGN KEY(dataset_id) REFERENCES evaluation_datasets "
    "(dataset_id) ON DELETE CASCADE\n"
    ")",
    "CREATE INDEX index_evaluation_dataset_tags_dataset_id ON evaluation_dataset_tags (dataset_id)",
    "CREATE TABLE \"evaluation_dataset_records\" (\n"
    "\tdataset_record_id VARCHAR(36) NOT NULL, \n"
    "\tdataset_id VARCHAR(36) NOT NULL, \n"
    "\tinputs JSON NOT NULL, \n"
    "\texpectations JSON, \n"
    "\ttags JSON, \n"
    "\tsource JSON, \n"
    "\tsource_id VARCHAR(36), \n"
    "\tsource_type VARCHAR(255), \n"
    "\tcreated_time BIGINT, \n"
    "\tlast_update_time BIGINT, \n"
    "\tcreated_by VARCHAR(255), \n"
    "\tlast_updated_by VARCHAR(255), \n"
    "\tinput_hash VARCHAR(64) NOT NULL, outputs JSON, \n"
    "\tCONSTRAINT evaluation_dataset_records_pk PRIMARY KEY (dataset_record_id), \n"
    "\tCONSTRAINT fk_evaluation_dataset_records_dataset_id FOREIGN KEY(dataset_id) REFERENCES evaluation_datasets "
    "(dataset_id) ON DELETE CASCADE, \n"
    "\tCONSTRAINT unique_dataset_input UNIQUE (dataset_id, input_hash)\n"
    ")",
    "CREATE INDEX index_evaluation_dataset_records_dataset_id ON evaluation_dataset_records (dataset_id)",
    "CREATE TABLE jobs (\n"
    "\tid VARCHAR(36) NOT NULL, \n"
    "\tcreation_time BIGINT NOT NULL, \n"
    "\tfunction_fullname VARCHAR(500) NOT NULL, \n"
    "\tparams TEXT NOT NULL, \n"
    "\ttimeout FLOAT, \n"
    "\tstatus INTEGER NOT NULL, \n"
    "\tresult TEXT, \n"
    "\tretry_count INTEGER NOT NULL, \n"
    "\tlast_update_time BIGINT NOT NULL, \n"
    "\tCONSTRAINT jobs_pk PRIMARY KEY (id)\n"
    ")",
    "CREATE INDEX index_jobs_function_status_creation_time ON jobs (function_fullname, status, creation_time)",
};

const size_t mlf_sqlite_schema_ddl_count = sizeof(mlf_sqlite_schema_ddl) / sizeof(mlf_sqlite_schema_ddl[0]);

int mlf_sqlite_schema_init(mlf_sqlite_store *s, mlf_sqlite_conn *c, mlf_pool *pool, mlf_error *err)
{
    return mlf_sql_schema_init(&c->head, pool, s->uri,
                               "SELECT count(*), sum(name = 'alembic_version') FROM sqlite_master "
                               "WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                               mlf_sqlite_schema_ddl, mlf_sqlite_schema_ddl_count, err);
}
