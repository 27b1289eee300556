/*
 * A recursive-descent parser for GraphQL's executable documents (the
 * October 2021 spec's grammar minus type-system definitions, which a query
 * never carries), and MLflow's safety scan over the result.
 */
#include "graphql/graphql.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "search/pyutil.h"

typedef enum {
    MLF__T_EOF,
    MLF__T_PUNCT, /* one of ! $ & ( ) : = @ [ ] { | } or ... */
    MLF__T_NAME,
    MLF__T_INT,
    MLF__T_FLOAT,
    MLF__T_STRING,
} mlf__tok_kind;

typedef struct {
    mlf__tok_kind kind;
    const char *start;
    size_t len;
    char *value; /* STRING: decoded; NAME/INT/FLOAT: a copy */
} mlf__tok;

typedef struct {
    mlf_pool *pool;
    const char *s, *end, *p;
    mlf__tok tok;
    const mlf_json *variables;  /* the request's */
    const char **def_names;     /* the operation's variable defaults */
    mlf_json **def_values;
    size_t n_defs, cap_defs;
    mlf_error *err;
    bool failed;
    mlf_gql_document *doc; /* collects the directives */
    size_t cap_directives;
    mlf_gql_definition *def; /* the definition being read: collects its variable references */
    size_t cap_refs;
} mlf__parser;

#define MLF__GQL_MAX_NESTING 256

static int mlf__fail(mlf__parser *ps, const char *fmt, const char *what)
{
    if (!ps->failed) {
        ps->failed = true;
        char msg[200];
        snprintf(msg, sizeof(msg), fmt, what);
        mlf_error_set(ps->err, ps->pool, MLF_ERR_BAD_REQUEST, "Syntax Error: %s", msg);
    }
    return -1;
}

static bool mlf__is_name_start(int c)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool mlf__is_name_char(int c)
{
    return mlf__is_name_start(c) || (c >= '0' && c <= '9');
}

/* A "..." string (escapes decoded) or a """...""" block string (kept as written, common indent not removed). */
static int mlf__lex_string(mlf__parser *ps)
{
    const char *p = ps->p;
    mlf_buf b;
    mlf_buf_init(&b, ps->pool, 32);
    if (ps->end - p >= 3 && memcmp(p, "\"\"\"", 3) == 0) {
        p += 3;
        for (;;) {
            if (p >= ps->end)
                return mlf__fail(ps, "%s", "Unterminated string.");
            if (ps->end - p >= 3 && memcmp(p, "\"\"\"", 3) == 0)
                break;
            if (ps->end - p >= 4 && memcmp(p, "\\\"\"\"", 4) == 0) {
                mlf_buf_append(&b, "\"\"\"", 3);
                p += 4;
                continue;
            }
            mlf_buf_putc(&b, *p++);
        }
        p += 3;
    } else {
        p++;
        for (;;) {
            if (p >= ps->end || *p == '\n' || *p == '\r')
                return mlf__fail(ps, "%s", "Unterminated string.");
            char c = *p++;
            if (c == '"')
                break;
            if (c != '\\') {
                mlf_buf_putc(&b, c);
                continue;
            }
            if (p >= ps->end)
                return mlf__fail(ps, "%s", "Unterminated string.");
            char e = *p++;
            int simple = mlf__json_escape_char((unsigned char)e);
            if (simple >= 0) {
                mlf_buf_putc(&b, (char)simple);
                continue;
            }
            switch (e) {
            case 'u': {
                int u = ps->end - p < 4 ? -1 : mlf_text_hex4(p);
                if (u < 0)
                    return mlf__fail(ps, "%s", "Invalid Unicode escape sequence.");
                uint32_t cp = (uint32_t)u;
                p += 4;
                if (cp >= 0xD800 && cp < 0xDC00 && ps->end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                    int lo = mlf_text_hex4(p + 2);
                    if (lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                        p += 6;
                    }
                }
                mlf_text_utf8_put(&b, cp);
                break;
            }
            default:
                return mlf__fail(ps, "%s", "Invalid character escape sequence.");
            }
        }
    }
    ps->tok.kind = MLF__T_STRING;
    ps->tok.len = (size_t)(p - ps->p);
    ps->tok.value = b.data;
    ps->p = p;
    return 0;
}

/* Reads the next token into ps->tok (whitespace, commas and comments are ignored, as the spec says). */
static int mlf__next(mlf__parser *ps)
{
    const char *p = ps->p;
    for (;;) {
        while (p < ps->end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ',' ||
                               (unsigned char)*p == 0xEF || (unsigned char)*p == 0xBB || (unsigned char)*p == 0xBF))
            p++;
        if (p < ps->end && *p == '#') {
            while (p < ps->end && *p != '\n' && *p != '\r')
                p++;
            continue;
        }
        break;
    }
    ps->p = p;
    ps->tok = (mlf__tok){.start = p};
    if (p >= ps->end) {
        ps->tok.kind = MLF__T_EOF;
        return 0;
    }
    char c = *p;
    if (strchr("!$&():=@[]{}|", c) != NULL) {
        ps->tok.kind = MLF__T_PUNCT;
        ps->tok.len = 1;
        ps->p = p + 1;
        return 0;
    }
    if (c == '.') {
        if (ps->end - p >= 3 && p[1] == '.' && p[2] == '.') {
            ps->tok.kind = MLF__T_PUNCT;
            ps->tok.len = 3;
            ps->p = p + 3;
            return 0;
        }
        return mlf__fail(ps, "%s", "Unexpected character: '.'.");
    }
    if (c == '"')
        return mlf__lex_string(ps);
    if (mlf__is_name_start(c)) {
        const char *q = p;
        while (q < ps->end && mlf__is_name_char(*q))
            q++;
        ps->tok.kind = MLF__T_NAME;
        ps->tok.len = (size_t)(q - p);
        ps->tok.value = mlf_pool_strndup(ps->pool, p, ps->tok.len);
        ps->p = q;
        return 0;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        const char *q = p;
        bool is_float = false;
        if (*q == '-')
            q++;
        if (q >= ps->end || !(*q >= '0' && *q <= '9'))
            return mlf__fail(ps, "%s", "Invalid number.");
        while (q < ps->end && *q >= '0' && *q <= '9')
            q++;
        if (q < ps->end && *q == '.') {
            is_float = true;
            q++;
            if (q >= ps->end || !(*q >= '0' && *q <= '9'))
                return mlf__fail(ps, "%s", "Invalid number.");
            while (q < ps->end && *q >= '0' && *q <= '9')
                q++;
        }
        if (q < ps->end && (*q == 'e' || *q == 'E')) {
            is_float = true;
            q++;
            if (q < ps->end && (*q == '+' || *q == '-'))
                q++;
            if (q >= ps->end || !(*q >= '0' && *q <= '9'))
                return mlf__fail(ps, "%s", "Invalid number.");
            while (q < ps->end && *q >= '0' && *q <= '9')
                q++;
        }
        if (q < ps->end && (mlf__is_name_start(*q) || *q == '.'))
            return mlf__fail(ps, "%s", "Invalid number.");
        ps->tok.kind = is_float ? MLF__T_FLOAT : MLF__T_INT;
        ps->tok.len = (size_t)(q - p);
        ps->tok.value = mlf_pool_strndup(ps->pool, p, ps->tok.len);
        ps->p = q;
        return 0;
    }
    char what[8];
    snprintf(what, sizeof(what), "%c", c);
    return mlf__fail(ps, "Unexpected character: '%s'.", what);
}

static bool mlf__is_punct(const mlf__parser *ps, const char *punct)
{
    return ps->tok.kind == MLF__T_PUNCT && ps->tok.len == strlen(punct) && memcmp(ps->tok.start, punct, ps->tok.len) == 0;
}

static bool mlf__is_name(const mlf__parser *ps, const char *name)
{
    return ps->tok.kind == MLF__T_NAME && strcmp(ps->tok.value, name) == 0;
}

static const char *mlf__tok_desc(mlf__parser *ps)
{
    switch (ps->tok.kind) {
    case MLF__T_EOF:
        return "<EOF>";
    case MLF__T_NAME:
        return mlf_pool_sprintf(ps->pool, "Name \"%s\"", ps->tok.value);
    case MLF__T_STRING:
        return "String";
    case MLF__T_INT:
    case MLF__T_FLOAT:
        return mlf_pool_sprintf(ps->pool, "%s \"%s\"", ps->tok.kind == MLF__T_INT ? "Int" : "Float", ps->tok.value);
    default:
        return mlf_pool_sprintf(ps->pool, "\"%.*s\"", (int)ps->tok.len, ps->tok.start);
    }
}

static int mlf__expect_punct(mlf__parser *ps, const char *punct)
{
    if (!mlf__is_punct(ps, punct))
        return mlf__fail(ps, "%s", mlf_pool_sprintf(ps->pool, "Expected \"%s\", found %s.", punct, mlf__tok_desc(ps)));
    return mlf__next(ps);
}

static int mlf__expect_name(mlf__parser *ps, const char **ret)
{
    if (ps->tok.kind != MLF__T_NAME)
        return mlf__fail(ps, "%s", mlf_pool_sprintf(ps->pool, "Expected Name, found %s.", mlf__tok_desc(ps)));
    *ret = ps->tok.value;
    return mlf__next(ps);
}

static mlf_json *mlf__json(mlf__parser *ps, mlf_json_type type)
{
    mlf_json *v = MLF_NEW(ps->pool, mlf_json);
    v->type = type;
    return v;
}

static const mlf_json *mlf__variable(mlf__parser *ps, const char *name)
{
    const mlf_json *v = ps->variables != NULL ? mlf_json_get(ps->variables, name) : NULL;
    if (v != NULL)
        return v;
    for (size_t i = 0; i < ps->n_defs; i++)
        if (strcmp(ps->def_names[i], name) == 0)
            return ps->def_values[i];
    return NULL;
}

/* A growable array of pointers in the pool. */
static void mlf__push(mlf_pool *pool, void ***items, size_t *n, size_t *cap, void *item)
{
    if (*n == *cap) {
        *cap = *cap == 0 ? 4 : *cap * 2;
        void **grown = MLF_NEW_ARRAY(pool, void *, *cap);
        if (*n > 0)
            memcpy(grown, *items, *n * sizeof(void *));
        *items = grown;
    }
    (*items)[(*n)++] = item;
}

/* Value[Const]: a literal, or (unless is_const) a $variable, as a JSON value. */
static int mlf__value(mlf__parser *ps, bool is_const, int depth, mlf_json **ret)
{
    if (depth > MLF__GQL_MAX_NESTING)
        return mlf__fail(ps, "%s", "Value nested too deeply.");
    mlf_json *v;
    switch (ps->tok.kind) {
    case MLF__T_INT:
    case MLF__T_FLOAT:
        v = mlf__json(ps, MLF_JSON_NUMBER);
        v->text = ps->tok.value;
        v->len = ps->tok.len;
        v->number = strtod(ps->tok.value, NULL);
        *ret = v;
        return mlf__next(ps);
    case MLF__T_STRING:
        v = mlf__json(ps, MLF_JSON_STRING);
        v->text = ps->tok.value;
        v->len = strlen(ps->tok.value);
        *ret = v;
        return mlf__next(ps);
    case MLF__T_NAME:
        if (mlf__is_name(ps, "true") || mlf__is_name(ps, "false")) {
            v = mlf__json(ps, MLF_JSON_BOOL);
            v->boolean = mlf__is_name(ps, "true");
        } else if (mlf__is_name(ps, "null")) {
            v = mlf__json(ps, MLF_JSON_NULL);
        } else {
            v = mlf__json(ps, MLF_JSON_STRING); /* an enum value: its name, as JSON carries it */
            v->text = ps->tok.value;
            v->len = ps->tok.len;
        }
        *ret = v;
        return mlf__next(ps);
    case MLF__T_PUNCT:
        if (mlf__is_punct(ps, "$") && !is_const) {
            const char *name = NULL;
            if (mlf__next(ps) != 0 || mlf__expect_name(ps, &name) != 0)
                return -1;
            const mlf_json *var = mlf__variable(ps, name);
            *ret = var != NULL ? (mlf_json *)var : mlf__json(ps, MLF_JSON_NULL);
            if (ps->def != NULL)
                mlf__push(ps->pool, (void ***)&ps->def->refs, &ps->def->n_refs, &ps->cap_refs, (void *)name);
            return 0;
        }
        if (mlf__is_punct(ps, "[")) {
            v = mlf__json(ps, MLF_JSON_ARRAY);
            size_t cap = 0;
            if (mlf__next(ps) != 0)
                return -1;
            while (!mlf__is_punct(ps, "]")) {
                if (ps->tok.kind == MLF__T_EOF)
                    return mlf__expect_punct(ps, "]");
                mlf_json *item;
                if (mlf__value(ps, is_const, depth + 1, &item) != 0)
                    return -1;
                mlf__push(ps->pool, (void ***)&v->items, &v->n, &cap, item);
            }
            *ret = v;
            return mlf__next(ps);
        }
        if (mlf__is_punct(ps, "{")) {
            v = mlf__json(ps, MLF_JSON_OBJECT);
            size_t cap = 0, kcap = 0, kn = 0;
            if (mlf__next(ps) != 0)
                return -1;
            while (!mlf__is_punct(ps, "}")) {
                const char *key = NULL;
                mlf_json *item;
                if (mlf__expect_name(ps, &key) != 0 || mlf__expect_punct(ps, ":") != 0 ||
                    mlf__value(ps, is_const, depth + 1, &item) != 0)
                    return -1;
                mlf__push(ps->pool, (void ***)&v->keys, &kn, &kcap, (void *)key);
                mlf__push(ps->pool, (void ***)&v->items, &v->n, &cap, item);
            }
            *ret = v;
            return mlf__next(ps);
        }
        break;
    default:
        break;
    }
    return mlf__fail(ps, "%s", mlf_pool_sprintf(ps->pool, "Unexpected %s.", mlf__tok_desc(ps)));
}

/* Directives: recorded for validation (MLflow's only one, @component, changes nothing), arguments dropped. */
static int mlf__directives(mlf__parser *ps, bool is_const, mlf_gql_location loc)
{
    while (mlf__is_punct(ps, "@")) {
        const char *name;
        if (mlf__next(ps) != 0 || mlf__expect_name(ps, &name) != 0)
            return -1;
        mlf_gql_document *doc = ps->doc;
        if (doc->n_directives == ps->cap_directives) {
            ps->cap_directives = ps->cap_directives == 0 ? 4 : ps->cap_directives * 2;
            mlf_gql_directive *grown = MLF_NEW_ARRAY(ps->pool, mlf_gql_directive, ps->cap_directives);
            if (doc->n_directives > 0)
                memcpy(grown, doc->directives, doc->n_directives * sizeof(*grown));
            doc->directives = grown;
        }
        doc->directives[doc->n_directives++] = (mlf_gql_directive){name, loc};
        if (mlf__is_punct(ps, "(")) {
            if (mlf__next(ps) != 0)
                return -1;
            do {
                const char *arg;
                mlf_json *v;
                if (mlf__expect_name(ps, &arg) != 0 || mlf__expect_punct(ps, ":") != 0 ||
                    mlf__value(ps, is_const, 0, &v) != 0)
                    return -1;
            } while (!mlf__is_punct(ps, ")"));
            if (mlf__next(ps) != 0)
                return -1;
        }
    }
    return 0;
}

static int mlf__selection_set(mlf__parser *ps, int depth, mlf_gql_selection_set **ret);

static int mlf__field(mlf__parser *ps, int depth, mlf_gql_selection *f)
{
    f->kind = MLF_GQL_FIELD;
    if (mlf__expect_name(ps, &f->name) != 0)
        return -1;
    if (mlf__is_punct(ps, ":")) {
        f->alias = f->name;
        if (mlf__next(ps) != 0 || mlf__expect_name(ps, &f->name) != 0)
            return -1;
    }
    if (mlf__is_punct(ps, "(")) {
        size_t cap = 0, vcap = 0, vn = 0;
        if (mlf__next(ps) != 0)
            return -1;
        do {
            const char *name;
            mlf_json *v;
            if (mlf__expect_name(ps, &name) != 0 || mlf__expect_punct(ps, ":") != 0 || mlf__value(ps, false, 0, &v) != 0)
                return -1;
            mlf__push(ps->pool, (void ***)&f->arg_names, &f->n_args, &cap, (void *)name);
            mlf__push(ps->pool, (void ***)&f->arg_values, &vn, &vcap, v);
        } while (!mlf__is_punct(ps, ")"));
        if (mlf__next(ps) != 0)
            return -1;
    }
    if (mlf__directives(ps, false, MLF_GQL_LOC_FIELD) != 0)
        return -1;
    if (mlf__is_punct(ps, "{"))
        return mlf__selection_set(ps, depth + 1, &f->sub);
    return 0;
}

static int mlf__selection_set(mlf__parser *ps, int depth, mlf_gql_selection_set **ret)
{
    if (depth > MLF__GQL_MAX_NESTING)
        return mlf__fail(ps, "%s", "Selections nested too deeply.");
    if (mlf__expect_punct(ps, "{") != 0)
        return -1;
    mlf_gql_selection_set *set = MLF_NEW(ps->pool, mlf_gql_selection_set);
    size_t cap = 0;
    do {
        if (set->n == cap) {
            cap = cap == 0 ? 8 : cap * 2;
            mlf_gql_selection *grown = MLF_NEW_ARRAY(ps->pool, mlf_gql_selection, cap);
            if (set->n > 0)
                memcpy(grown, set->items, set->n * sizeof(*grown));
            set->items = grown;
        }
        mlf_gql_selection *s = &set->items[set->n++];
        if (mlf__is_punct(ps, "...")) {
            if (mlf__next(ps) != 0)
                return -1;
            if (ps->tok.kind == MLF__T_NAME && !mlf__is_name(ps, "on")) {
                s->kind = MLF_GQL_FRAGMENT_SPREAD;
                if (mlf__expect_name(ps, &s->name) != 0 || mlf__directives(ps, false, MLF_GQL_LOC_FRAGMENT_SPREAD) != 0)
                    return -1;
                continue;
            }
            s->kind = MLF_GQL_INLINE_FRAGMENT;
            if (mlf__is_name(ps, "on")) {
                const char *type;
                if (mlf__next(ps) != 0 || mlf__expect_name(ps, &type) != 0)
                    return -1;
            }
            if (mlf__directives(ps, false, MLF_GQL_LOC_INLINE_FRAGMENT) != 0 ||
                mlf__selection_set(ps, depth + 1, &s->sub) != 0)
                return -1;
            continue;
        }
        if (mlf__field(ps, depth, s) != 0)
            return -1;
    } while (!mlf__is_punct(ps, "}"));
    *ret = set;
    return mlf__next(ps);
}

/* Type: Name, [Type], Type!. */
static int mlf__type(mlf__parser *ps, int depth, mlf_gql_type **ret)
{
    if (depth > MLF__GQL_MAX_NESTING)
        return mlf__fail(ps, "%s", "Type nested too deeply.");
    mlf_gql_type *t = MLF_NEW(ps->pool, mlf_gql_type);
    if (mlf__is_punct(ps, "[")) {
        if (mlf__next(ps) != 0 || mlf__type(ps, depth + 1, &t->of) != 0 || mlf__expect_punct(ps, "]") != 0)
            return -1;
    } else {
        if (mlf__expect_name(ps, &t->name) != 0)
            return -1;
    }
    *ret = t;
    if (mlf__is_punct(ps, "!")) {
        t->non_null = true;
        return mlf__next(ps);
    }
    return 0;
}

static int mlf__variable_definitions(mlf__parser *ps, mlf_gql_definition *d)
{
    if (mlf__next(ps) != 0) /* ( */
        return -1;
    size_t cap = 0;
    do {
        const char *name;
        mlf_gql_type *type;
        if (mlf__expect_punct(ps, "$") != 0 || mlf__expect_name(ps, &name) != 0 || mlf__expect_punct(ps, ":") != 0 ||
            mlf__type(ps, 0, &type) != 0)
            return -1;
        if (d->n_vars == cap) {
            cap = cap == 0 ? 4 : cap * 2;
            mlf_gql_variable *grown = MLF_NEW_ARRAY(ps->pool, mlf_gql_variable, cap);
            if (d->n_vars > 0)
                memcpy(grown, d->vars, d->n_vars * sizeof(*grown));
            d->vars = grown;
        }
        d->vars[d->n_vars++] = (mlf_gql_variable){name, type, mlf__is_punct(ps, "=")};
        if (mlf__is_punct(ps, "=")) {
            mlf_json *v;
            if (mlf__next(ps) != 0 || mlf__value(ps, true, 0, &v) != 0)
                return -1;
            /* the two arrays grow in step: the values' count and capacity are the names' before the push */
            size_t vn = ps->n_defs, vcap = ps->cap_defs;
            mlf__push(ps->pool, (void ***)&ps->def_values, &vn, &vcap, v);
            mlf__push(ps->pool, (void ***)&ps->def_names, &ps->n_defs, &ps->cap_defs, (void *)name);
        }
        if (mlf__directives(ps, true, MLF_GQL_LOC_VARIABLE_DEFINITION) != 0)
            return -1;
    } while (!mlf__is_punct(ps, ")"));
    return mlf__next(ps);
}

static int mlf__definition(mlf__parser *ps, mlf_gql_definition *d)
{
    ps->def_names = NULL;
    ps->def_values = NULL;
    ps->n_defs = ps->cap_defs = 0;
    ps->def = d;
    ps->cap_refs = 0;
    if (mlf__is_punct(ps, "{")) {
        d->kind = MLF_GQL_QUERY;
        return mlf__selection_set(ps, 1, &d->sel);
    }
    if (mlf__is_name(ps, "fragment")) {
        const char *type;
        d->kind = MLF_GQL_FRAGMENT;
        if (mlf__next(ps) != 0 || mlf__expect_name(ps, &d->name) != 0)
            return -1;
        if (!mlf__is_name(ps, "on"))
            return mlf__fail(ps, "%s", mlf_pool_sprintf(ps->pool, "Expected \"on\", found %s.", mlf__tok_desc(ps)));
        if (mlf__next(ps) != 0 || mlf__expect_name(ps, &type) != 0 ||
            mlf__directives(ps, false, MLF_GQL_LOC_FRAGMENT_DEFINITION) != 0)
            return -1;
        return mlf__selection_set(ps, 1, &d->sel);
    }
    if (mlf__is_name(ps, "query") || mlf__is_name(ps, "mutation") || mlf__is_name(ps, "subscription")) {
        d->kind = mlf__is_name(ps, "query") ? MLF_GQL_QUERY
                  : mlf__is_name(ps, "mutation") ? MLF_GQL_MUTATION
                                                  : MLF_GQL_SUBSCRIPTION;
        if (mlf__next(ps) != 0)
            return -1;
        if (ps->tok.kind == MLF__T_NAME && mlf__expect_name(ps, &d->name) != 0)
            return -1;
        if (mlf__is_punct(ps, "(") && mlf__variable_definitions(ps, d) != 0)
            return -1;
        mlf_gql_location loc = d->kind == MLF_GQL_QUERY      ? MLF_GQL_LOC_QUERY
                               : d->kind == MLF_GQL_MUTATION ? MLF_GQL_LOC_MUTATION
                                                             : MLF_GQL_LOC_SUBSCRIPTION;
        if (mlf__directives(ps, false, loc) != 0)
            return -1;
        return mlf__selection_set(ps, 1, &d->sel);
    }
    return mlf__fail(ps, "%s", mlf_pool_sprintf(ps->pool, "Unexpected %s.", mlf__tok_desc(ps)));
}

int mlf_gql_parse(mlf_pool *pool, const char *text, size_t len, const mlf_json *variables, mlf_gql_document **ret,
                  mlf_error *err)
{
    mlf__parser ps = {.pool = pool, .s = text, .end = text + len, .p = text, .variables = variables, .err = err};
    if (variables != NULL && variables->type != MLF_JSON_OBJECT)
        ps.variables = NULL;
    mlf_gql_document *doc = MLF_NEW(pool, mlf_gql_document);
    ps.doc = doc;
    size_t cap = 0;
    if (mlf__next(&ps) != 0)
        return -MLF_ERR_BAD_REQUEST;
    do {
        if (doc->n == cap) {
            cap = cap == 0 ? 2 : cap * 2;
            mlf_gql_definition *grown = MLF_NEW_ARRAY(pool, mlf_gql_definition, cap);
            if (doc->n > 0)
                memcpy(grown, doc->defs, doc->n * sizeof(*grown));
            doc->defs = grown;
        }
        if (mlf__definition(&ps, &doc->defs[doc->n++]) != 0)
            return -MLF_ERR_BAD_REQUEST;
    } while (ps.tok.kind != MLF__T_EOF);
    *ret = doc;
    return 0;
}

const mlf_gql_selection_set *mlf_gql_fragment(const mlf_gql_document *doc, const char *name)
{
    for (size_t i = 0; i < doc->n; i++)
        if (doc->defs[i].kind == MLF_GQL_FRAGMENT && strcmp(doc->defs[i].name, name) == 0)
            return doc->defs[i].sel;
    return NULL;
}

#define MLF__GQL_MAX_DEPTH 10
#define MLF__GQL_MAX_SELECTIONS 1000

/*
 * _collect_fields_and_aliases: the fields of one level, inline fragments and
 * fragment spreads merged in (each fragment once per level), and how many of
 * them have an alias.
 */
static size_t mlf__level_fields(mlf_pool *pool, const mlf_gql_document *doc, const mlf_gql_selection_set *set,
                                const mlf_gql_selection ***ret, long *ret_aliases)
{
    size_t cap = 16, n = 0, qcap = 16, qhead = 0, qn = 0, vcap = 4, vn = 0;
    const mlf_gql_selection **out = MLF_NEW_ARRAY(pool, const mlf_gql_selection *, cap);
    const mlf_gql_selection **queue = MLF_NEW_ARRAY(pool, const mlf_gql_selection *, qcap);
    const char **visited = MLF_NEW_ARRAY(pool, const char *, vcap);
    long aliases = 0;
    const mlf_gql_selection_set *pending = set;
    for (;;) {
        /* the deque: a set's selections join at the end */
        for (size_t i = 0; pending != NULL && i < pending->n; i++)
            mlf__push(pool, (void ***)&queue, &qn, &qcap, (void *)&pending->items[i]);
        pending = NULL;
        if (qhead == qn)
            break;
        const mlf_gql_selection *s = queue[qhead++];
        if (s->kind == MLF_GQL_FIELD) {
            mlf__push(pool, (void ***)&out, &n, &cap, (void *)s);
            if (s->alias != NULL)
                aliases++;
        } else if (s->kind == MLF_GQL_INLINE_FRAGMENT) {
            pending = s->sub;
        } else {
            bool seen = false;
            for (size_t k = 0; k < vn && !seen; k++)
                seen = strcmp(visited[k], s->name) == 0;
            if (!seen) {
                mlf__push(pool, (void ***)&visited, &vn, &vcap, (void *)s->name);
                pending = mlf_gql_fragment(doc, s->name);
            }
        }
    }
    *ret = out;
    *ret_aliases = aliases;
    return n;
}

const char *mlf_gql_check_safety(mlf_pool *pool, const mlf_gql_document *doc, long max_root_fields, long max_aliases)
{
    long root_fields = 0, aliases_max = 0, total = 0;
    /* an explicit stack, popped from the end, as MLflow's scan walks it */
    typedef struct {
        const mlf_gql_selection_set *set;
        int depth;
    } entry;
    size_t cap = 64, n = 0;
    entry *stack = MLF_NEW_ARRAY(pool, entry, cap);
    for (size_t d = 0; d < doc->n; d++) {
        /* operations only: a fragment counts where it is spread */
        if (doc->defs[d].sel == NULL || doc->defs[d].kind == MLF_GQL_FRAGMENT)
            continue;
        n = 0;
        stack[n++] = (entry){doc->defs[d].sel, 1};
        while (n > 0) {
            entry e = stack[--n];
            if (e.depth > MLF__GQL_MAX_DEPTH)
                return mlf_pool_sprintf(pool, "Query exceeds maximum depth of %d", MLF__GQL_MAX_DEPTH);
            const mlf_gql_selection **fields;
            long aliases;
            size_t n_fields = mlf__level_fields(pool, doc, e.set, &fields, &aliases);
            for (size_t i = 0; i < n_fields; i++) {
                const mlf_gql_selection *s = fields[i];
                if (e.depth == 1)
                    root_fields++;
                if (s->sub != NULL) {
                    if (n == cap) {
                        entry *grown = MLF_NEW_ARRAY(pool, entry, cap * 2);
                        memcpy(grown, stack, n * sizeof(*grown));
                        stack = grown;
                        cap *= 2;
                    }
                    stack[n++] = (entry){s->sub, e.depth + 1};
                }
                if (++total > MLF__GQL_MAX_SELECTIONS)
                    return mlf_pool_sprintf(pool, "Query exceeds maximum total selections of %d",
                                            MLF__GQL_MAX_SELECTIONS);
            }
            if (aliases > aliases_max)
                aliases_max = aliases;
        }
    }
    const char *what = NULL, *env = NULL;
    long limit = 0, value = 0;
    if (root_fields > max_root_fields) {
        what = "root fields";
        env = "MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS";
        limit = max_root_fields;
        value = root_fields;
    } else if (aliases_max > max_aliases) {
        what = "aliases";
        env = "MLFLOW_SERVER_GRAPHQL_MAX_ALIASES";
        limit = max_aliases;
        value = aliases_max;
    } else {
        return NULL;
    }
    return mlf_pool_sprintf(pool,
                            "GraphQL queries should have at most %ld %s, got %ld %s. To increase the limit, set the "
                            "%s environment variable.",
                            limit, what, value, what, env);
}
