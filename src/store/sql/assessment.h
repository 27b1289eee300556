/*
 * Internal to the SQL store: an assessments row read into the Assessment
 * proto as SqlAssessments.to_mlflow_entity().to_proto() shapes it (MLflow
 * 3.18), for the assessment rpcs and for the assessments of every
 * TraceInfoV3 the store reads (trace.c).
 */
#ifndef MLF_STORE_SQL_ASSESSMENT_H
#define MLF_STORE_SQL_ASSESSMENT_H

#include "store/sql/sql.h"

/** The assessments columns mlf_sql_assessment_from_row reads, in its order (unqualified). */
#define MLF_SQL_ASSESSMENT_COLUMNS                                                                                     \
    "assessment_id, trace_id, name, assessment_type, value, error, created_timestamp, last_updated_timestamp, "        \
    "source_type, source_id, span_id, rationale, overrides, valid, assessment_metadata, run_id"

/**
 * Reads the current row of st (MLF_SQL_ASSESSMENT_COLUMNS from column col0) into *ret. Fails as
 * to_mlflow_entity does on what MLflow itself would not read (an unknown type or source type, an expectation
 * of null); JSON it cannot parse is an INTERNAL_ERROR.
 */
int mlf_sql_assessment_from_row(mlf_pool *pool, mlf_sql_stmt *st, int col0, Mlflow__Assessments__Assessment **ret,
                                mlf_error *err);

/** An assessments row being written (opaque: the values dumped as MLflow dumps them). */
typedef struct mlf_sql_assessment_row mlf_sql_assessment_row;

/**
 * SqlAssessments.from_mlflow_entity: the row of a (its id generated when NULL, its times now when 0, run_id
 * from the metadata's source run), in pool memory. Fails as MessageToDict does on a NaN or infinite value.
 */
int mlf_sql_assessment_row_make(mlf_pool *pool, const mlf_store_assessment *a, mlf_sql_assessment_row **ret,
                                mlf_error *err);

/** The row's assessment id. */
const char *mlf_sql_assessment_row_id(const mlf_sql_assessment_row *row);

/**
 * Writes the row as an assessment of trace_id (valid, with the trace's experiment and timestamp copied in);
 * upsert: an existing row of the same id is replaced, as session.merge does. No other check.
 */
int mlf_sql_assessment_insert(mlf_sql_conn *c, mlf_pool *pool, const mlf_sql_assessment_row *row, const char *trace_id,
                              int64_t experiment_id, int64_t trace_ts, bool upsert, mlf_error *err);

/**
 * The first step of SqlAlchemyStore._mark_run_deleted (MLflow 3.18), which delete_run runs for the run and
 * delete_experiment for every run of the experiment: the assessments whose metadata names the run as their
 * source (`"mlflow.assessment.sourceRunId": "<run id>"` in the JSON text, by LIKE as MLflow's contains()) are
 * deleted. run_id NULL: the runs of experiment_id.
 */
int mlf_sql_assessments_delete_for_runs(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, int64_t experiment_id,
                                        mlf_error *err);

#endif
