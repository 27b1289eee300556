/*
 * The GraphQL parser (src/graphql/parse.c): operations, aliases, arguments
 * as JSON, variables and their defaults, fragments, directives, comments,
 * syntax errors, and MLflow's safety limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "graphql/graphql.h"

static mlf_gql_document *parse(mlf_pool *pool, const char *q, const char *vars)
{
    mlf_json *v = NULL;
    if (vars != NULL)
        assert_int_equal(mlf_json_parse(pool, vars, strlen(vars), &v, NULL), 0);
    mlf_gql_document *doc = NULL;
    mlf_error err = {0};
    if (mlf_gql_parse(pool, q, strlen(q), v, &doc, &err) != 0)
        fail_msg("parse %s: %s", q, err.message);
    return doc;
}

static const char *parse_error(mlf_pool *pool, const char *q)
{
    mlf_gql_document *doc = NULL;
    mlf_error err = {0};
    assert_int_not_equal(mlf_gql_parse(pool, q, strlen(q), NULL, &doc, &err), 0);
    assert_int_equal(err.code, MLF_ERR_BAD_REQUEST);
    return err.message;
}

static void test_operation_fields_and_arguments(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    mlf_gql_document *doc = parse(pool,
                                  "# a comment\n"
                                  "query Q @component(name: \"Test\") {\n"
                                  "  a: mlflowGetRun(input: {runId: \"r\\u00e9\", n: [1, 2.5e0, true, null, ENUM]}) {\n"
                                  "    run { info { status } }\n"
                                  "  },\n"
                                  "  test(inputString: \"\"\"block \"quoted\" \"\"\")\n"
                                  "}",
                                  NULL);
    assert_int_equal(doc->n, 1);
    assert_int_equal(doc->defs[0].kind, MLF_GQL_QUERY);
    assert_string_equal(doc->defs[0].name, "Q");
    const mlf_gql_selection_set *set = doc->defs[0].sel;
    assert_int_equal(set->n, 2);
    const mlf_gql_selection *f = &set->items[0];
    assert_string_equal(f->alias, "a");
    assert_string_equal(f->name, "mlflowGetRun");
    assert_int_equal(f->n_args, 1);
    const mlf_json *in = f->arg_values[0];
    assert_int_equal(in->type, MLF_JSON_OBJECT);
    assert_string_equal(mlf_json_get(in, "runId")->text, "r\xc3\xa9");
    const mlf_json *n = mlf_json_get(in, "n");
    assert_int_equal(n->n, 5);
    assert_int_equal(n->items[0]->type, MLF_JSON_NUMBER);
    assert_true(n->items[1]->number == 2.5);
    assert_true(n->items[2]->boolean);
    assert_int_equal(n->items[3]->type, MLF_JSON_NULL);
    assert_string_equal(n->items[4]->text, "ENUM"); /* enum values travel as their names */
    assert_non_null(f->sub);
    assert_string_equal(f->sub->items[0].name, "run");
    assert_null(set->items[1].sub);
    assert_string_equal(set->items[1].arg_values[0]->text, "block \"quoted\" ");
    mlf_pool_destroy(pool);
}

static void test_variables_and_fragments(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    mlf_gql_document *doc = parse(pool,
                                  "mutation M($a: String!, $b: [Int] = [7], $c: String) { x(a: $a, b: $b, c: $c) "
                                  "{ ...F ... on T { y } } } fragment F on T { z }",
                                  "{\"a\": \"given\"}");
    assert_int_equal(doc->n, 2);
    assert_int_equal(doc->defs[0].kind, MLF_GQL_MUTATION);
    const mlf_gql_selection *x = &doc->defs[0].sel->items[0];
    assert_string_equal(x->arg_values[0]->text, "given");
    assert_int_equal(x->arg_values[1]->type, MLF_JSON_ARRAY); /* the default */
    assert_int_equal(x->arg_values[2]->type, MLF_JSON_NULL);  /* neither given nor defaulted */
    assert_int_equal(x->sub->items[0].kind, MLF_GQL_FRAGMENT_SPREAD);
    assert_int_equal(x->sub->items[1].kind, MLF_GQL_INLINE_FRAGMENT);
    const mlf_gql_selection_set *frag = mlf_gql_fragment(doc, "F");
    assert_non_null(frag);
    assert_string_equal(frag->items[0].name, "z");
    assert_null(mlf_gql_fragment(doc, "G"));
    /* the anonymous shorthand */
    doc = parse(pool, "{ a }", NULL);
    assert_int_equal(doc->defs[0].kind, MLF_GQL_QUERY);
    assert_null(doc->defs[0].name);
    mlf_pool_destroy(pool);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    assert_string_equal(parse_error(pool, "{ x("), "Syntax Error: Expected Name, found <EOF>.");
    assert_string_equal(parse_error(pool, "{ }"), "Syntax Error: Expected Name, found \"}\".");
    assert_string_equal(parse_error(pool, "{ a(b: \"open) }"), "Syntax Error: Unterminated string.");
    assert_string_equal(parse_error(pool, "{ a(b: 1x) }"), "Syntax Error: Invalid number.");
    assert_string_equal(parse_error(pool, "{ a } %"), "Syntax Error: Unexpected character: '%'.");
    assert_string_equal(parse_error(pool, ""), "Syntax Error: Unexpected <EOF>.");
    assert_string_equal(parse_error(pool, "fragment F { a }"), "Syntax Error: Expected \"on\", found \"{\".");
    /* nesting is bounded, not a stack overflow */
    char deep[4000];
    size_t k = 0;
    deep[k++] = '{';
    for (int i = 0; i < 900; i++) {
        memcpy(deep + k, " a {", 4);
        k += 4;
    }
    deep[k] = '\0';
    assert_non_null(strstr(parse_error(pool, deep), "nested too deeply"));
    mlf_pool_destroy(pool);
}

static void test_safety(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    assert_null(mlf_gql_check_safety(pool, parse(pool, "{ a b c }", NULL), 3, 10));
    assert_string_equal(mlf_gql_check_safety(pool, parse(pool, "{ a b c d }", NULL), 3, 10),
                        "GraphQL queries should have at most 3 root fields, got 4 root fields. To increase the limit, "
                        "set the MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS environment variable.");
    assert_string_equal(mlf_gql_check_safety(pool, parse(pool, "{ a { x: b y: b z: b } }", NULL), 10, 2),
                        "GraphQL queries should have at most 2 aliases, got 3 aliases. To increase the limit, set "
                        "the MLFLOW_SERVER_GRAPHQL_MAX_ALIASES environment variable.");
    assert_null(mlf_gql_check_safety(pool, parse(pool, "{ a { b { c { d { e { f { g { h { i { j } } } } } } } } } }", NULL),
                                     10, 10));
    assert_string_equal(
        mlf_gql_check_safety(pool, parse(pool, "{ a { b { c { d { e { f { g { h { i { j { k } } } } } } } } } } }", NULL),
                             10, 10),
        "Query exceeds maximum depth of 10");
    mlf_pool_destroy(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operation_fields_and_arguments),
        cmocka_unit_test(test_variables_and_fragments),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_safety),
    };
    return cmocka_run_group_tests_name("graphql/parse", tests, NULL, NULL);
}
