/*
 * `mlflow-c db current` and `db upgrade` on PostgreSQL. The revision is read
 * as on SQLite; a database at our head has nothing to do.
 *
 * Every step of MLflow's chain, from its initial tables ("None") and from
 * each revision, is MLflow's own DDL for that revision (chain_ddl.c,
 * generated from what MLflow 3.18's alembic sends) and the revision's data
 * migration as SQL here. Each step runs in its own transaction with the
 * alembic_version update: PostgreSQL's DDL is transactional, so a failed or
 * killed step leaves the database at the previous revision, nothing half
 * done. The whole upgrade holds a session-level advisory lock, so a second
 * upgrader waits and then finds the work done. A revision outside the chain
 * (newer than ours, or not MLflow's) and a database without MLflow's tables
 * are refused with nothing written.
 */
#include "store/postgres/postgres.h"

#include <stdbool.h>
#include <string.h>

#include "store/migrate.h"

/* the advisory lock every mlflow-c upgrade of a database takes ("mlfc-upg") */
#define MLF__LOCK_KEY "7883472170386918503"

/* What alembic creates before the root revision, as it sends it (the "None" state has no alembic_version). */
#define MLF__ALEMBIC_VERSION_DDL                                                                                       \
    "CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n"                                          \
    "\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)"

static void mlf__one_line(char *s)
{
    for (char *p = s; *p != '\0'; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
}

static PGconn *mlf__connect(const char *conninfo, const char *display, mlf_pool *pool, mlf_error *err)
{
    PGconn *pg = mlf_pg_connect(conninfo);
    if (PQstatus(pg) == CONNECTION_OK)
        return pg;
    /* one line: libpq's message continues on indented lines */
    char *why = mlf_pool_strdup(pool, PQerrorMessage(pg));
    mlf__one_line(why);
    mlf_error_set(err, pool, MLF_ERR_TEMPORARILY_UNAVAILABLE, "could not connect to %s: %s", display, why);
    PQfinish(pg);
    return NULL;
}

/* The revision of the database on pg: alembic_version's, "None" for MLflow's tables without it. */
static int mlf__revision(PGconn *pg, const char *display, mlf_pool *pool, const char **ret, mlf_error *err)
{
    int rc = 0;
    PGresult *res = PQexec(pg, "SELECT count(*) FILTER (WHERE table_name = 'alembic_version'), "
                               "count(*) FILTER (WHERE table_name = 'experiments') "
                               "FROM information_schema.tables WHERE table_schema = current_schema()");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s: %s", display, PQresultErrorMessage(res));
        rc = MLF_MIGRATE_EREFUSED;
    } else if (strcmp(PQgetvalue(res, 0, 1), "0") == 0) {
        mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s is not an MLflow database (no experiments table)",
                      display);
        rc = MLF_MIGRATE_EREFUSED;
    } else if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
        *ret = "None";
    } else {
        PQclear(res);
        res = PQexec(pg, "SELECT version_num FROM alembic_version");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s: %s", display, PQresultErrorMessage(res));
            rc = MLF_MIGRATE_EREFUSED;
        } else {
            *ret = PQntuples(res) > 0 ? mlf_pool_strdup(pool, PQgetvalue(res, 0, 0)) : "None";
        }
    }
    PQclear(res);
    return rc;
}

int mlf_pg_db_current(const char *conninfo, const char *display, mlf_pool *pool, const char **ret, mlf_error *err)
{
    PGconn *pg = mlf__connect(conninfo, display, pool, err);
    if (pg == NULL)
        return MLF_MIGRATE_EREFUSED;
    int rc = mlf__revision(pg, display, pool, ret, err);
    PQfinish(pg);
    return rc;
}

/* ---- the data migrations (the NULL entries of chain_ddl.c) ---- */

/* 90e64c465722: a run's user_id becomes its mlflow.user tag, unless empty or the run has that tag already. */
static const char *const mlf__data_90e64c465722[] = {
    "INSERT INTO tags (key, value, run_uuid) SELECT 'mlflow.user', user_id, run_uuid FROM runs "
    "WHERE user_id IS NOT NULL AND user_id <> '' AND NOT EXISTS "
    "(SELECT 1 FROM tags t WHERE t.run_uuid = runs.run_uuid AND t.key = 'mlflow.user')",
};

/*
 * 89d4b8295536: latest_metrics gets each (run, key)'s latest entry as
 * MLflow computes it: the greatest step, then the greatest timestamp at that
 * step, then the greatest value there (MLflow groups that by is_nan too;
 * should both is_nan values tie, MLflow fails on the primary key where this
 * keeps the non-NaN row). One sort instead of MLflow's three joins.
 */
static const char *const mlf__data_89d4b8295536[] = {
    "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) "
    "SELECT DISTINCT ON (run_uuid, key) key, value, timestamp, step, is_nan, run_uuid FROM metrics "
    "ORDER BY run_uuid, key, step DESC, timestamp DESC, is_nan, value DESC",
};

/* 1b5f0d9ad7c1: every row took workspace's default 'default' in the ADD COLUMN; the catalog gets its row. */
static const char *const mlf__data_1b5f0d9ad7c1[] = {
    "INSERT INTO workspaces (name, description) VALUES ('default', 'Default workspace for legacy resources')",
};

/*
 * 75868b020152, after the analytics columns are added and before
 * dimension_attributes goes: the columns are filled from the tags,
 * metadata and metrics they replace, as MLflow's backfill computes them
 * (the conversions are session-temporary functions: nothing of them stays
 * in the schema), and those rows are deleted. What MLflow refuses (spans or
 * assessments of a missing trace, dimension_attributes other than an object
 * of the two model keys with string values) fails the step.
 */
static const char *const mlf__data_75868b020152[] = {
    /* json.loads, or NULL where it fails */
    "CREATE FUNCTION pg_temp.mlf_json(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN t::jsonb; "
    "EXCEPTION WHEN others THEN RETURN NULL; END $$",
    /* token_count_or_none: an integral number or numeric string within BIGINT (booleans are no numbers) */
    "CREATE FUNCTION pg_temp.mlf_py_int(v jsonb) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$ DECLARE n numeric; "
    "BEGIN IF jsonb_typeof(v) = 'number' THEN n := (v #>> '{}')::numeric; ELSIF jsonb_typeof(v) = 'string' THEN "
    "n := btrim(v #>> '{}', E' \\t\\n\\r\\f\\v')::numeric; ELSE RETURN NULL; END IF; "
    "IF n = trunc(n) AND n BETWEEN -9223372036854775808 AND 9223372036854775807 THEN RETURN n::bigint; END IF; "
    "RETURN NULL; EXCEPTION WHEN others THEN RETURN NULL; END $$",
    /* finite_float_or_none */
    "CREATE FUNCTION pg_temp.mlf_py_float(v jsonb) RETURNS double precision LANGUAGE plpgsql IMMUTABLE AS $$ "
    "DECLARE d double precision; BEGIN IF jsonb_typeof(v) = 'number' THEN d := (v #>> '{}')::double precision; "
    "ELSIF jsonb_typeof(v) = 'string' THEN d := btrim(v #>> '{}', E' \\t\\n\\r\\f\\v')::double precision; "
    "ELSE RETURN NULL; END IF; IF d IN ('Infinity', '-Infinity', 'NaN') THEN RETURN NULL; END IF; RETURN d; "
    "EXCEPTION WHEN others THEN RETURN NULL; END $$",
    "DO $$ DECLARE bad text; BEGIN "
    "SELECT 'spans row references missing trace_info row ' || quote_literal(s.trace_id) INTO bad FROM spans s "
    "WHERE NOT EXISTS (SELECT 1 FROM trace_info t WHERE t.request_id = s.trace_id) LIMIT 1; "
    "IF bad IS NULL THEN SELECT 'assessments row references missing trace_info row ' || quote_literal(a.trace_id) "
    "INTO bad FROM assessments a WHERE NOT EXISTS (SELECT 1 FROM trace_info t WHERE t.request_id = a.trace_id) "
    "LIMIT 1; END IF; "
    "IF bad IS NOT NULL THEN RAISE EXCEPTION 'Cannot backfill trace analytics: %', bad; END IF; "
    "SELECT quote_literal(trace_id) || ', ' || quote_literal(span_id) INTO bad FROM spans WHERE "
    "dimension_attributes IS NOT NULL AND jsonb_typeof(dimension_attributes::jsonb) <> 'null' AND "
    "(jsonb_typeof(dimension_attributes::jsonb) <> 'object' OR EXISTS (SELECT 1 FROM "
    "jsonb_each(dimension_attributes::jsonb) e WHERE e.key NOT IN ('mlflow.llm.model', 'mlflow.llm.provider') OR "
    "jsonb_typeof(e.value) NOT IN ('string', 'null'))) LIMIT 1; "
    "IF bad IS NOT NULL THEN RAISE EXCEPTION 'Cannot drop spans.dimension_attributes: unsupported value for span "
    "(%)', bad; END IF; END $$",
    "CREATE TEMP TABLE mlf_trace_docs ON COMMIT DROP AS SELECT t.request_id AS id, "
    "(SELECT pg_temp.mlf_json(d.value) FROM trace_request_metadata d WHERE d.request_id = t.request_id AND d.key = "
    "'mlflow.trace.tokenUsage') AS tu, (SELECT pg_temp.mlf_json(d.value) FROM trace_request_metadata d WHERE "
    "d.request_id = t.request_id AND d.key = 'mlflow.trace.cost') AS co FROM trace_info t",
    "UPDATE mlf_trace_docs SET tu = CASE WHEN jsonb_typeof(tu) = 'object' THEN tu END, "
    "co = CASE WHEN jsonb_typeof(co) = 'object' THEN co END",
#define MLF__TOKEN(col)                                                                                                \
    col " = CASE WHEN EXISTS (SELECT 1 FROM trace_metrics x WHERE x.request_id = a.id AND x.key = '" col "') "         \
        "THEN (SELECT pg_temp.mlf_py_int(to_jsonb(x.value)) FROM trace_metrics x WHERE x.request_id = a.id AND "       \
        "x.key = '" col "') ELSE pg_temp.mlf_py_int(a.tu -> '" col "') END"
#define MLF__COST(col) col " = pg_temp.mlf_py_float(a.co -> '" col "')"
    "UPDATE trace_info SET "
    "trace_name = (SELECT substr(g.value, 1, 4096) FROM trace_tags g WHERE g.request_id = a.id AND g.key = "
    "'mlflow.traceName'), "
    "session_id = (SELECT substr(d.value, 1, 250) FROM trace_request_metadata d WHERE d.request_id = a.id AND "
    "d.key = 'mlflow.trace.session'), " MLF__TOKEN("input_tokens") ", " MLF__TOKEN("output_tokens") ", " MLF__TOKEN(
        "total_tokens") ", " MLF__TOKEN("cache_read_input_tokens") ", " MLF__TOKEN("cache_creation_input_tokens") ", "
        MLF__TOKEN("cache_creation_input_tokens_above_1hr") ", " MLF__COST("input_cost") ", " MLF__COST(
            "output_cost") ", " MLF__COST("total_cost") " FROM mlf_trace_docs a WHERE a.id = trace_info.request_id",
#define MLF__SPAN_COST(col)                                                                                            \
    col " = (SELECT pg_temp.mlf_py_float(to_jsonb(x.value)) FROM span_metrics x WHERE x.trace_id = spans.trace_id "   \
        "AND x.span_id = spans.span_id AND x.key = '" col "')"
    "UPDATE spans SET " MLF__SPAN_COST("input_cost") ", " MLF__SPAN_COST("output_cost") ", " MLF__SPAN_COST(
        "total_cost") ", "
                      "model_name = CASE WHEN jsonb_typeof(dimension_attributes::jsonb -> 'mlflow.llm.model') = "
                      "'string' THEN substr(dimension_attributes::jsonb ->> 'mlflow.llm.model', 1, 500) END, "
                      "model_provider = CASE WHEN jsonb_typeof(dimension_attributes::jsonb -> 'mlflow.llm.provider') "
                      "= 'string' THEN substr(dimension_attributes::jsonb ->> 'mlflow.llm.provider', 1, 500) END",
    /* gateway traces without a cost of their own: the sum of their spans' */
    "UPDATE trace_info SET total_cost = (SELECT sum(s.total_cost) FROM spans s WHERE s.trace_id = "
    "trace_info.request_id) WHERE total_cost IS NULL AND (SELECT sum(s.total_cost) FROM spans s WHERE s.trace_id = "
    "trace_info.request_id) IS NOT NULL AND EXISTS (SELECT 1 FROM trace_request_metadata d WHERE d.request_id = "
    "trace_info.request_id AND d.key = 'mlflow.gateway.endpointId')",
    /* an assessment's value (JSON, else the raw text): booleans and yes/no count 1/0, finite numbers are numeric */
    "UPDATE assessments SET experiment_id = t.experiment_id, trace_timestamp_ms = t.timestamp_ms, "
    "aggregate_value = CASE jsonb_typeof(pg_temp.mlf_json(assessments.value)) "
    "WHEN 'boolean' THEN CASE WHEN pg_temp.mlf_json(assessments.value) = 'true'::jsonb THEN 1.0 ELSE 0.0 END "
    "WHEN 'number' THEN pg_temp.mlf_py_float(pg_temp.mlf_json(assessments.value)) "
    "WHEN 'string' THEN CASE lower(btrim(pg_temp.mlf_json(assessments.value) #>> '{}', E' \\t\\n\\r\\f\\v')) "
    "WHEN 'yes' THEN 1.0 WHEN 'no' THEN 0.0 END "
    "ELSE CASE WHEN pg_temp.mlf_json(assessments.value) IS NULL THEN CASE lower(btrim(assessments.value, "
    "E' \\t\\n\\r\\f\\v')) WHEN 'yes' THEN 1.0 WHEN 'no' THEN 0.0 END END END, "
    "is_numeric_value = jsonb_typeof(pg_temp.mlf_json(assessments.value)) IS NOT DISTINCT FROM 'number' AND "
    "pg_temp.mlf_py_float(pg_temp.mlf_json(assessments.value)) IS NOT NULL "
    "FROM trace_info t WHERE t.request_id = assessments.trace_id",
    /* what the columns replace */
    "DELETE FROM trace_tags WHERE key = 'mlflow.traceName'",
    "DELETE FROM trace_request_metadata WHERE key IN ('mlflow.trace.session', 'mlflow.trace.tokenUsage', "
    "'mlflow.trace.cost')",
    "DELETE FROM trace_metrics WHERE key IN ('input_tokens', 'output_tokens', 'total_tokens', "
    "'cache_read_input_tokens', 'cache_creation_input_tokens', 'cache_creation_input_tokens_above_1hr')",
    "DELETE FROM span_metrics WHERE key IN ('input_cost', 'output_cost', 'total_cost')",
    "DROP FUNCTION pg_temp.mlf_json(text)",
    "DROP FUNCTION pg_temp.mlf_py_int(jsonb)",
    "DROP FUNCTION pg_temp.mlf_py_float(jsonb)",
};

/* dc11669786a5: jobs left pending or running (0, 1) are canceled (5), stamped with the time of the upgrade. */
static const char *const mlf__data_dc11669786a5[] = {
    "UPDATE jobs SET status = 5, last_update_time = (extract(epoch FROM clock_timestamp()) * 1000)::bigint "
    "WHERE status IN (0, 1)",
};

/*
 * 8b6ad64cb8f5: issues are last seen when created; each issue's categories
 * (a JSON list) become issue_categories rows, one per distinct stripped,
 * lowercased category (the last spelling of it, as MLflow's dict keeps).
 */
static const char *const mlf__data_8b6ad64cb8f5[] = {
    "UPDATE issues SET last_seen_timestamp = created_timestamp",
    "INSERT INTO issue_categories (issue_id, category_hash, category) "
    "SELECT DISTINCT ON (issue_id, h) issue_id, h, category FROM (SELECT i.issue_id, e.category, e.n, "
    "encode(sha256(convert_to(lower(btrim(e.category, E' \\t\\n\\r\\f\\v')), 'UTF8')), 'hex') AS h "
    "FROM issues i, jsonb_array_elements_text(i.categories::jsonb) WITH ORDINALITY AS e(category, n) "
    "WHERE i.categories IS NOT NULL) c ORDER BY issue_id, h, n DESC",
};

typedef struct {
    const char *revision;
    const char *const *sql;
    size_t n;
} mlf__data;

#define MLF__DATA(rev) {#rev, mlf__data_##rev, sizeof(mlf__data_##rev) / sizeof(mlf__data_##rev[0])}
static const mlf__data mlf__datas[] = {
    MLF__DATA(90e64c465722),
    MLF__DATA(89d4b8295536),
    MLF__DATA(1b5f0d9ad7c1),
    MLF__DATA(75868b020152),
    MLF__DATA(dc11669786a5),
    MLF__DATA(8b6ad64cb8f5),
};

/* ---- the driver ---- */

static int mlf__exec(PGconn *pg, const char *sql, mlf_pool *pool, mlf_error *err)
{
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char *why = mlf_pool_strdup(pool, PQresultErrorMessage(res));
        mlf__one_line(why);
        mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s (in: %.80s)", why, sql);
        rc = MLF_MIGRATE_EFAILED;
    }
    PQclear(res);
    return rc;
}

/*
 * Sets up the session an upgrade runs in: takes the advisory lock (one
 * upgrader at a time: a second one waits here, then reads the revision the
 * first left). Session settings for the upgrade's statements belong here.
 */
static int mlf__upgrade_session(PGconn *pg, mlf_pool *pool, mlf_error *err)
{
    return mlf__exec(pg, "SELECT pg_advisory_lock(" MLF__LOCK_KEY ")", pool, err);
}

/* The alembic_version update of a step from revision from (MLflow's initial tables when "None"). */
static int mlf__set_revision(PGconn *pg, const char *from, const char *to, mlf_pool *pool, mlf_error *err)
{
    if (strcmp(from, "None") != 0)
        return mlf__exec(
            pg,
            mlf_pool_sprintf(pool, "UPDATE alembic_version SET version_num = '%s' WHERE version_num = '%s'", to, from),
            pool, err);
    PGresult *res = PQexec(pg, "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND "
                               "table_name = 'alembic_version'");
    bool exists = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0;
    PQclear(res);
    int rc = exists ? mlf__exec(pg, "DELETE FROM alembic_version", pool, err)
                    : mlf__exec(pg, MLF__ALEMBIC_VERSION_DDL, pool, err);
    if (rc == 0)
        rc = mlf__exec(pg, mlf_pool_sprintf(pool, "INSERT INTO alembic_version (version_num) VALUES ('%s')", to), pool,
                       err);
    return rc;
}

/* Runs step i of mlf_pg_chain (revision i of the chain) from revision from, with its data migration and the
 * alembic_version update, in one transaction. */
static int mlf__run_step(PGconn *pg, size_t i, const char *from, mlf_pool *pool, mlf_error *err)
{
    const mlf_pg_chain_step *step = &mlf_pg_chain[i];
    int rc = mlf__exec(pg, "BEGIN", pool, err);
    for (size_t k = 0; k < step->n_stmts && rc == 0; k++) {
        if (step->stmts[k] != NULL) {
            rc = mlf__exec(pg, step->stmts[k], pool, err);
            continue;
        }
        const mlf__data *d = NULL;
        for (size_t j = 0; j < sizeof(mlf__datas) / sizeof(mlf__datas[0]) && d == NULL; j++)
            if (strcmp(mlf__datas[j].revision, step->revision) == 0)
                d = &mlf__datas[j];
        if (d == NULL) {
            mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "no data migration for %s", step->revision);
            rc = MLF_MIGRATE_EFAILED;
        }
        for (size_t j = 0; rc == 0 && j < d->n; j++)
            rc = mlf__exec(pg, d->sql[j], pool, err);
    }
    if (rc == 0)
        rc = mlf__set_revision(pg, from, step->revision, pool, err);
    if (rc == 0)
        rc = mlf__exec(pg, "COMMIT", pool, err);
    if (rc < 0)
        PQclear(PQexec(pg, "ROLLBACK"));
    return rc;
}

/*
 * Refuses, before anything is written, a session that could not finish the
 * first step: a read-only one (a standby, default_transaction_read_only), a
 * role without CREATE on the schema, or one that does not own MLflow's
 * tables (ALTER TABLE needs the owner).
 */
static int mlf__can_write(PGconn *pg, const char *display, mlf_pool *pool, mlf_error *err)
{
    PGresult *res = PQexec(pg, "SELECT current_setting('transaction_read_only'), "
                               "has_schema_privilege(current_schema(), 'CREATE'), current_user, "
                               "(SELECT min(tablename) FROM pg_tables WHERE schemaname = current_schema() AND "
                               "NOT pg_has_role(tableowner, 'MEMBER'))");
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char *why = mlf_pool_strdup(pool, PQresultErrorMessage(res));
        mlf__one_line(why);
        mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s: %s", display, why);
        rc = MLF_MIGRATE_EREFUSED;
    } else if (strcmp(PQgetvalue(res, 0, 0), "on") == 0) {
        mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s is read-only: nothing was changed", display);
        rc = MLF_MIGRATE_EREFUSED;
    } else if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
        mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                      "%s: role %s may not create tables in the schema: nothing was changed", display,
                      PQgetvalue(res, 0, 2));
        rc = MLF_MIGRATE_EREFUSED;
    } else if (!PQgetisnull(res, 0, 3)) {
        mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                      "%s: role %s does not own table %s (altering it needs the owner): nothing was changed", display,
                      PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
        rc = MLF_MIGRATE_EREFUSED;
    }
    PQclear(res);
    return rc;
}

int mlf_pg_db_upgrade(const char *conninfo, const char *display, const mlf_migrate_options *opts, mlf_pool *pool,
                      const char **ret_from, int *ret_steps, mlf_error *err)
{
    *ret_steps = 0;
    PGconn *pg = mlf__connect(conninfo, display, pool, err);
    if (pg == NULL)
        return MLF_MIGRATE_EREFUSED;
    int rc = mlf__upgrade_session(pg, pool, err);
    if (rc < 0) {
        rc = MLF_MIGRATE_EREFUSED;
        goto out;
    }
    /* the index a5b4c3d2e1f0 builds on metrics sorts every row: more sort memory than PostgreSQL's default
       64MB (never less than the server's own setting), so it sorts in memory with the parallel workers */
    PQclear(PQexec(pg, "SELECT set_config('maintenance_work_mem', '1GB', false) FROM pg_settings "
                       "WHERE name = 'maintenance_work_mem' AND setting::bigint < 1048576"));
    if ((rc = mlf__revision(pg, display, pool, ret_from, err)) < 0)
        goto out;
    const char *from = *ret_from;
    if (strcmp(from, MLF_SQL_SCHEMA_REVISION) == 0)
        goto out;
    int index = mlf_migration_index(from);
    if (strcmp(from, "None") != 0 && index < 0) {
        mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                      "%s is at revision %s, which is not in MLflow's migration chain up to %s", display, from,
                      MLF_SQL_SCHEMA_REVISION);
        rc = MLF_MIGRATE_EREFUSED;
        goto out;
    }
    if ((rc = mlf__can_write(pg, display, pool, err)) < 0)
        goto out;
    /* chain_ddl.c has one step per revision of migrations.def, in its order; "None" starts at the root */
    for (size_t i = (size_t)(index + 1); i < mlf_pg_chain_count; i++) {
        const mlf_migration *mg = &mlf_migrations[i];
        if (strcmp(mg->revision, mlf_pg_chain[i].revision) != 0) {
            mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "chain_ddl.c has %s where migrations.def has %s",
                          mlf_pg_chain[i].revision, mg->revision);
            rc = MLF_MIGRATE_EFAILED;
            goto out;
        }
        if (opts != NULL && opts->log != NULL) {
            fprintf(opts->log, "Running upgrade %s -> %s, %s\n", from, mg->revision, mg->title);
            fflush(opts->log);
        }
        if ((rc = mlf__run_step(pg, i, from, pool, err)) < 0) {
            mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                          "upgrade %s -> %s failed: %s; the database stays at revision %s", from, mg->revision,
                          err->message, from);
            goto out;
        }
        (*ret_steps)++;
        from = mg->revision;
    }
out:
    PQfinish(pg);
    return rc;
}
