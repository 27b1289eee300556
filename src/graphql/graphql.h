/*
 * GraphQL documents, as MLflow's /graphql route receives them: the query
 * language's executable part (operations, selections with aliases and
 * arguments, fragments, variables, directives), parsed into a tree from the
 * pool, and the safety limits MLflow checks before executing one
 * (graphql_no_batching.py). Executing belongs to the route
 * (src/server/route_graphql.c), which maps fields onto rpcs.
 */
#ifndef MLF_GRAPHQL_GRAPHQL_H
#define MLF_GRAPHQL_GRAPHQL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/pool.h"
#include "json/json.h"

typedef struct mlf_gql_selection_set mlf_gql_selection_set;

typedef enum mlf_gql_selection_kind {
    MLF_GQL_FIELD,
    MLF_GQL_FRAGMENT_SPREAD,
    MLF_GQL_INLINE_FRAGMENT,
} mlf_gql_selection_kind;

typedef struct mlf_gql_selection {
    mlf_gql_selection_kind kind;
    const char *alias;           /** FIELD: NULL when none */
    const char *name;            /** FIELD: the field; FRAGMENT_SPREAD: the fragment */
    const char **arg_names;      /** FIELD */
    mlf_json **arg_values;       /** FIELD: variables already substituted; enum values as strings */
    size_t n_args;
    mlf_gql_selection_set *sub;  /** FIELD: NULL for a leaf; INLINE_FRAGMENT: its selections */
} mlf_gql_selection;

struct mlf_gql_selection_set {
    mlf_gql_selection *items;
    size_t n;
};

typedef enum mlf_gql_op_kind {
    MLF_GQL_QUERY,
    MLF_GQL_MUTATION,
    MLF_GQL_SUBSCRIPTION,
    MLF_GQL_FRAGMENT, /** a fragment definition (name is the fragment's) */
} mlf_gql_op_kind;

/** A variable's type: a named type or a list of one, either non-null. */
typedef struct mlf_gql_type {
    const char *name;         /** NULL for a list */
    struct mlf_gql_type *of;  /** a list's element type */
    bool non_null;
} mlf_gql_type;

typedef struct mlf_gql_variable {
    const char *name;
    const mlf_gql_type *type;
    bool has_default;
} mlf_gql_variable;

typedef struct mlf_gql_definition {
    mlf_gql_op_kind kind;
    const char *name; /** NULL for an anonymous operation */
    mlf_gql_selection_set *sel;
    mlf_gql_variable *vars; /** an operation's variable definitions */
    size_t n_vars;
    const char **refs; /** the variables its selections refer to (`$name`), in order, repeated as written */
    size_t n_refs;
} mlf_gql_definition;

/** Where a directive stands (graphql-core's DirectiveLocation). */
typedef enum mlf_gql_location {
    MLF_GQL_LOC_QUERY,
    MLF_GQL_LOC_MUTATION,
    MLF_GQL_LOC_SUBSCRIPTION,
    MLF_GQL_LOC_FIELD,
    MLF_GQL_LOC_FRAGMENT_DEFINITION,
    MLF_GQL_LOC_FRAGMENT_SPREAD,
    MLF_GQL_LOC_INLINE_FRAGMENT,
    MLF_GQL_LOC_VARIABLE_DEFINITION,
} mlf_gql_location;

typedef struct mlf_gql_directive {
    const char *name;
    mlf_gql_location loc;
} mlf_gql_directive;

typedef struct mlf_gql_document {
    mlf_gql_definition *defs;
    size_t n;
    mlf_gql_directive *directives; /** every directive used, in document order (their arguments are dropped) */
    size_t n_directives;
} mlf_gql_document;

/**
 * Parses a document. variables (a JSON object, or NULL) give the values of
 * `$name` references; a variable without one takes its definition's default,
 * else null. Returns 0, or a negative code with err set to graphql-core's
 * "Syntax Error: ..." text.
 */
int mlf_gql_parse(mlf_pool *pool, const char *text, size_t len, const mlf_json *variables, mlf_gql_document **ret,
                  mlf_error *err);

/**
 * MLflow's check_query_safety: depth at most 10, at most 1000 fields in all,
 * at most max_root_fields root fields and max_aliases aliases in one
 * selection set. Returns NULL when the document passes, else MLflow's
 * message (from pool).
 */
const char *mlf_gql_check_safety(mlf_pool *pool, const mlf_gql_document *doc, long max_root_fields, long max_aliases);

/** The fragment definition named name, or NULL. */
const mlf_gql_selection_set *mlf_gql_fragment(const mlf_gql_document *doc, const char *name);

#endif
