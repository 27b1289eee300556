/*
 * The experiment rpcs through the service layer: handler checks, the order
 * of validations, defaults (view type, max_results, artifact root) and the
 * responses, on a service over a SQLite file (or, as store-pg/, a fresh
 * PostgreSQL database: ../store/helpers.h).
 */
#include "../store/helpers.h"

#include "service/service.h"
#include "service/tracking/experiment.h"

typedef struct {
    mlf_pool *pool;
    mlf_service *svc;
    mlf_ctx ctx;
    char cwd[1024];
} fixture;

static int setup_with(void **state, int serve_artifacts)
{
    fixture *f = calloc(1, sizeof(*f));
    f->pool = mlf_pool_create();
    mlf_test_make_tmpdir();
    /* the default local root is ./mlruns: work inside the temp dir */
    assert_non_null(getcwd(f->cwd, sizeof(f->cwd)));
    assert_int_equal(chdir(mlf_test_tmpdir), 0);
    char *db;
    const char *uri = mlf_test_pg() ? mlf_test_store_uri(f->pool, &db) : "sqlite:///mlflow.db";
    mlf_service_config cfg = {.backend_store_uri = uri, .serve_artifacts = serve_artifacts};
    mlf_error err = {0};
    if (mlf_service_create(&cfg, f->pool, &f->svc, &err) != 0)
        fail_msg("service: %s", err.message);
    f->ctx = (mlf_ctx){.svc = f->svc, .pool = f->pool};
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, 1);
}

static int setup_no_serve(void **state)
{
    return setup_with(state, 0);
}

static int teardown(void **state)
{
    fixture *f = *state;
    mlf_service_destroy(f->svc);
    assert_int_equal(chdir(f->cwd), 0);
    mlf_test_remove_tmpdir();
    mlf_pool_destroy(f->pool);
    free(f);
    return 0;
}

static const char *create(fixture *f, const char *name, const char *location)
{
    Mlflow__CreateExperiment req = MLFLOW__CREATE_EXPERIMENT__INIT;
    Mlflow__CreateExperiment__Response resp = MLFLOW__CREATE_EXPERIMENT__RESPONSE__INIT;
    req.name = (char *)name;
    req.artifact_location = (char *)location;
    mlf_error err = {0};
    if (mlf_tracking_create_experiment(&f->ctx, &req, &resp, &err) != 0)
        fail_msg("create %s: %s", name, err.message);
    return resp.experiment_id;
}

static Mlflow__Experiment *get(fixture *f, const char *id)
{
    Mlflow__GetExperiment req = MLFLOW__GET_EXPERIMENT__INIT;
    Mlflow__GetExperiment__Response resp = MLFLOW__GET_EXPERIMENT__RESPONSE__INIT;
    req.experiment_id = (char *)id;
    mlf_error err = {0};
    if (mlf_tracking_get_experiment(&f->ctx, &req, &resp, &err) != 0)
        fail_msg("get %s: %s", id, err.message);
    return resp.experiment;
}

static void test_default_artifact_root_when_serving(void **state)
{
    fixture *f = *state;
    assert_string_equal(f->svc->default_artifact_root, "mlflow-artifacts:/");
    assert_string_equal(get(f, "0")->artifact_location, "mlflow-artifacts:/0");
    const char *id = create(f, "exp", NULL);
    assert_string_equal(id, "1");
    assert_string_equal(get(f, id)->artifact_location, "mlflow-artifacts:/1");
    /* an empty artifact_location is the default too */
    assert_string_equal(get(f, create(f, "exp2", ""))->artifact_location, "mlflow-artifacts:/2");
}

static void test_default_artifact_root_without_serving(void **state)
{
    fixture *f = *state;
    assert_string_equal(f->svc->default_artifact_root, "./mlruns");
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    const char *id = create(f, "exp", NULL);
    assert_string_equal(get(f, id)->artifact_location, mlf_pool_sprintf(f->pool, "%s/mlruns/1", cwd));
    /* as MLflow 3.18's store: the local root is made by the first artifact written, not by the store */
    assert_int_equal(access("mlruns", F_OK), -1);
}

static void test_create_experiment_checks(void **state)
{
    fixture *f = *state;
    Mlflow__CreateExperiment req = MLFLOW__CREATE_EXPERIMENT__INIT;
    Mlflow__CreateExperiment__Response resp = MLFLOW__CREATE_EXPERIMENT__RESPONSE__INIT;
    mlf_error err = {0};
    /* the handler's URL checks run before the store's name check */
    req.name = "";
    req.artifact_location = "s3://b/p#frag";
    assert_error(mlf_tracking_create_experiment(&f->ctx, &req, &resp, &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "'artifact_location' URL can't include fragments or params.");
    req.artifact_location = "s3://b/p?a=%2E%2E/x";
    assert_error(mlf_tracking_create_experiment(&f->ctx, &req, &resp, &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid query string");
    req.artifact_location = NULL;
    assert_error(mlf_tracking_create_experiment(&f->ctx, &req, &resp, &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid experiment name: ''");
    char name[502];
    memset(name, 'n', sizeof(name));
    name[501] = '\0';
    req.name = name;
    assert_error(mlf_tracking_create_experiment(&f->ctx, &req, &resp, &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "'name' exceeds the maximum length of 500 characters");
    /* the length limit applies to the resolved location */
    req.name = "long";
    char loc[2100];
    memset(loc, 'l', sizeof(loc));
    loc[2040] = '\0';
    req.artifact_location = loc;
    assert_int_equal(mlf_tracking_create_experiment(&f->ctx, &req, &resp, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_non_null(strstr(err.message, "Invalid artifact path length."));
    /* MLflow 3.18 validates the tags on create, after the name */
    Mlflow__ExperimentTag t1 = MLFLOW__EXPERIMENT_TAG__INIT, t2 = MLFLOW__EXPERIMENT_TAG__INIT;
    t1.key = "a#b";
    t1.value = "1";
    t2.key = "unset-value";
    Mlflow__ExperimentTag *tags[] = {&t1, &t2};
    req.name = "tagged";
    req.artifact_location = "s3://bucket/x";
    req.tags = tags;
    req.n_tags = 2;
    assert_error(mlf_tracking_create_experiment(&f->ctx, &req, &resp, &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid value \"a#b\" for parameter 'key' supplied: Names may only contain alphanumerics, "
                 "underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).");
    t1.key = "a.b";
    assert_int_equal(mlf_tracking_create_experiment(&f->ctx, &req, &resp, &err), 0);
    Mlflow__Experiment *e = get(f, resp.experiment_id);
    assert_string_equal(e->artifact_location, "s3://bucket/x");
    assert_int_equal(e->n_tags, 2);
    assert_string_equal(e->tags[0]->key, "a.b");
    assert_string_equal(e->tags[1]->value, "");
    /* duplicate */
    req.tags = NULL;
    req.n_tags = 0;
    assert_integrity_error(mlf_tracking_create_experiment(&f->ctx, &req, &resp, &err), err,
                           MLF_ERR_RESOURCE_ALREADY_EXISTS,
                           "Experiment(name=tagged) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint "
                           "failed: experiments.workspace, experiments.name",
                           "Experiment(name=tagged) already exists. Error: " MLF_TEST_AUTOFLUSH MLF_TEST_PG_UNIQUE
                           "\"uq_experiments_workspace_name\"\nDETAIL:  Key (workspace, name)=(default, tagged) "
                           "already exists.");
}

static void test_get_and_get_by_name(void **state)
{
    fixture *f = *state;
    const char *id = create(f, "named", NULL);
    Mlflow__GetExperimentByName req = MLFLOW__GET_EXPERIMENT_BY_NAME__INIT;
    Mlflow__GetExperimentByName__Response resp = MLFLOW__GET_EXPERIMENT_BY_NAME__RESPONSE__INIT;
    mlf_error err = {0};
    req.experiment_name = "named";
    assert_int_equal(mlf_tracking_get_experiment_by_name(&f->ctx, &req, &resp, &err), 0);
    assert_string_equal(resp.experiment->experiment_id, id);
    req.experiment_name = "nope";
    assert_error(mlf_tracking_get_experiment_by_name(&f->ctx, &req, &resp, &err), err,
                 MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Could not find experiment with name 'nope'");

    Mlflow__GetExperiment g = MLFLOW__GET_EXPERIMENT__INIT;
    Mlflow__GetExperiment__Response gr = MLFLOW__GET_EXPERIMENT__RESPONSE__INIT;
    g.experiment_id = "12";
    assert_error(mlf_tracking_get_experiment(&f->ctx, &g, &gr, &err), err, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                 "No Experiment with id=12 exists");
    assert_null(gr.experiment);
}

static void test_search_experiments(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 5; i++) {
        usleep(2000);
        create(f, mlf_pool_sprintf(f->pool, "e%d", i), NULL);
    }
    Mlflow__SearchExperiments req = MLFLOW__SEARCH_EXPERIMENTS__INIT;
    Mlflow__SearchExperiments__Response resp = MLFLOW__SEARCH_EXPERIMENTS__RESPONSE__INIT;
    mlf_error err = {0};
    /* unset max_results reaches the store as 0 */
    assert_error(mlf_tracking_search_experiments(&f->ctx, &req, &resp, &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer");
    req.has_max_results = 1;
    req.max_results = 50001;
    assert_error(mlf_tracking_search_experiments(&f->ctx, &req, &resp, &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000");

    Mlflow__DeleteExperiment del = MLFLOW__DELETE_EXPERIMENT__INIT;
    Mlflow__DeleteExperiment__Response del_resp = MLFLOW__DELETE_EXPERIMENT__RESPONSE__INIT;
    del.experiment_id = "5";
    assert_int_equal(mlf_tracking_delete_experiment(&f->ctx, &del, &del_resp, &err), 0);

    /* pages of two, ACTIVE_ONLY by default, tokens chained */
    req.max_results = 2;
    req.filter = "";
    const char *want[] = {"e3", "e2", "e1", "e0", "Default"};
    size_t seen = 0;
    char *token = NULL;
    for (int page = 0; page < 3; page++) {
        Mlflow__SearchExperiments__Response r = MLFLOW__SEARCH_EXPERIMENTS__RESPONSE__INIT;
        req.page_token = token;
        assert_int_equal(mlf_tracking_search_experiments(&f->ctx, &req, &r, &err), 0);
        for (size_t i = 0; i < r.n_experiments; i++)
            assert_string_equal(r.experiments[i]->name, want[seen++]);
        token = r.next_page_token;
        if (page < 2)
            assert_non_null(token);
        else
            assert_null(token);
    }
    assert_int_equal(seen, 5);

    Mlflow__SearchExperiments__Response r = MLFLOW__SEARCH_EXPERIMENTS__RESPONSE__INIT;
    req.page_token = NULL;
    req.max_results = 100;
    req.has_view_type = 1;
    req.view_type = MLFLOW__VIEW_TYPE__DELETED_ONLY;
    assert_int_equal(mlf_tracking_search_experiments(&f->ctx, &req, &r, &err), 0);
    assert_int_equal(r.n_experiments, 1);
    assert_string_equal(r.experiments[0]->name, "e4");
    assert_null(r.next_page_token);

    char *order_by[] = {"name DESC"};
    req.view_type = MLFLOW__VIEW_TYPE__ALL;
    req.order_by = order_by;
    req.n_order_by = 1;
    Mlflow__SearchExperiments__Response r2 = MLFLOW__SEARCH_EXPERIMENTS__RESPONSE__INIT;
    assert_int_equal(mlf_tracking_search_experiments(&f->ctx, &req, &r2, &err), 0);
    assert_int_equal(r2.n_experiments, 6);
    assert_string_equal(r2.experiments[0]->name, "e4");
    assert_string_equal(r2.experiments[5]->name, "Default");
}

static void test_update_delete_restore(void **state)
{
    fixture *f = *state;
    const char *id = create(f, "old", NULL);
    mlf_error err = {0};
    Mlflow__UpdateExperiment up = MLFLOW__UPDATE_EXPERIMENT__INIT;
    Mlflow__UpdateExperiment__Response up_resp = MLFLOW__UPDATE_EXPERIMENT__RESPONSE__INIT;
    up.experiment_id = (char *)id;
    up.new_name = "";
    assert_int_equal(mlf_tracking_update_experiment(&f->ctx, &up, &up_resp, &err), 0); /* no-op */
    assert_string_equal(get(f, id)->name, "old");
    up.new_name = "new";
    assert_int_equal(mlf_tracking_update_experiment(&f->ctx, &up, &up_resp, &err), 0);
    assert_string_equal(get(f, id)->name, "new");
    up.new_name = "Default";
    assert_integrity_error(mlf_tracking_update_experiment(&f->ctx, &up, &up_resp, &err), err, MLF_ERR_BAD_REQUEST,
                           "(sqlite3.IntegrityError) UNIQUE constraint failed: experiments.workspace, experiments.name",
                           MLF_TEST_PG_UNIQUE "\"uq_experiments_workspace_name\"\nDETAIL:  Key (workspace, name)=(default, "
                           "Default) already exists.");

    Mlflow__DeleteExperiment del = MLFLOW__DELETE_EXPERIMENT__INIT;
    Mlflow__DeleteExperiment__Response del_resp = MLFLOW__DELETE_EXPERIMENT__RESPONSE__INIT;
    del.experiment_id = (char *)id;
    assert_int_equal(mlf_tracking_delete_experiment(&f->ctx, &del, &del_resp, &err), 0);
    assert_string_equal(get(f, id)->lifecycle_stage, "deleted");
    up.new_name = "newer";
    assert_error(mlf_tracking_update_experiment(&f->ctx, &up, &up_resp, &err), err, MLF_ERR_INVALID_STATE,
                 "Cannot rename a non-active experiment.");

    Mlflow__RestoreExperiment rs = MLFLOW__RESTORE_EXPERIMENT__INIT;
    Mlflow__RestoreExperiment__Response rs_resp = MLFLOW__RESTORE_EXPERIMENT__RESPONSE__INIT;
    rs.experiment_id = (char *)id;
    assert_int_equal(mlf_tracking_restore_experiment(&f->ctx, &rs, &rs_resp, &err), 0);
    assert_string_equal(get(f, id)->lifecycle_stage, "active");
    assert_error(mlf_tracking_restore_experiment(&f->ctx, &rs, &rs_resp, &err), err, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                 "No Experiment with id=1 exists");
}

static void test_experiment_tags(void **state)
{
    fixture *f = *state;
    const char *id = create(f, "tags", NULL);
    mlf_error err = {0};
    Mlflow__SetExperimentTag set = MLFLOW__SET_EXPERIMENT_TAG__INIT;
    Mlflow__SetExperimentTag__Response set_resp = MLFLOW__SET_EXPERIMENT_TAG__RESPONSE__INIT;
    set.experiment_id = (char *)id;
    set.key = "k";
    set.value = "v";
    assert_int_equal(mlf_tracking_set_experiment_tag(&f->ctx, &set, &set_resp, &err), 0);
    set.key = "unset";
    set.value = NULL; /* "" as in Python */
    assert_int_equal(mlf_tracking_set_experiment_tag(&f->ctx, &set, &set_resp, &err), 0);
    Mlflow__Experiment *e = get(f, id);
    assert_int_equal(e->n_tags, 2);
    assert_string_equal(e->tags[1]->value, "");

    /* validation comes before the experiment lookup */
    set.experiment_id = "999";
    set.key = "../x";
    assert_error(mlf_tracking_set_experiment_tag(&f->ctx, &set, &set_resp, &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid value \"../x\" for parameter 'key' supplied: Names may be treated as files in certain cases, "
                 "and must not resolve to other names when treated as such. This name would resolve to '../x'");
    char value[20002];
    memset(value, 'v', sizeof(value));
    value[20001] = '\0';
    set.key = "long";
    set.value = value;
    assert_error(mlf_tracking_set_experiment_tag(&f->ctx, &set, &set_resp, &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "'value' exceeds the maximum length of 20000 characters");
    set.value = "ok";
    assert_error(mlf_tracking_set_experiment_tag(&f->ctx, &set, &set_resp, &err), err, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                 "No Experiment with id=999 exists");

    Mlflow__DeleteExperimentTag del = MLFLOW__DELETE_EXPERIMENT_TAG__INIT;
    Mlflow__DeleteExperimentTag__Response del_resp = MLFLOW__DELETE_EXPERIMENT_TAG__RESPONSE__INIT;
    del.experiment_id = (char *)id;
    del.key = "k";
    assert_int_equal(mlf_tracking_delete_experiment_tag(&f->ctx, &del, &del_resp, &err), 0);
    assert_error(mlf_tracking_delete_experiment_tag(&f->ctx, &del, &del_resp, &err), err,
                 MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No tag with name: k in experiment with id 1");
}

static void test_service_create_errors(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    mlf_service *svc = NULL;
    mlf_error err = {0};
    mlf_service_config cfg = {.backend_store_uri = "mysql://u:pw@h/db", .serve_artifacts = 1};
    assert_int_equal(mlf_service_create(&cfg, pool, &svc, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_null(svc);
    assert_null(strstr(err.message, "pw"));
    mlf_service_destroy(NULL);
    mlf_pool_destroy(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_artifact_root_when_serving, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_artifact_root_without_serving, setup_no_serve, teardown),
        cmocka_unit_test_setup_teardown(test_create_experiment_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_and_get_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_experiments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_delete_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_experiment_tags, setup, teardown),
        cmocka_unit_test(test_service_create_errors),
    };
    return cmocka_run_group_tests_name("service/experiment", tests, NULL, NULL);
}
