/*
 * Internal to src/search: a C port of the parts of sqlparse 0.5.3 that MLflow's
 * search parsing depends on (lexer, statement splitter, grouping engine).
 *
 * MLflow validates filters by inspecting sqlparse's token tree (which tokens
 * became an Identifier, a Comparison, a Parenthesis...), and its error
 * messages quote those tokens, so reproducing MLflow means reproducing that
 * tree. Every group covers a contiguous byte span of the input, so a token's
 * text (Python's str(token)) is src[start, end).
 */
#ifndef MLF_SEARCH_SQLPARSE_H
#define MLF_SEARCH_SQLPARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/pool.h"

/* Token types (sqlparse.tokens); groups have MLF__TT_NONE. */
typedef enum mlf__tt {
    MLF__TT_NONE = 0,
    MLF__TT_WHITESPACE,
    MLF__TT_NEWLINE,
    MLF__TT_COMMENT_SINGLE,
    MLF__TT_COMMENT_SINGLE_HINT,
    MLF__TT_COMMENT_MULTI,
    MLF__TT_COMMENT_MULTI_HINT,
    MLF__TT_ASSIGNMENT,
    MLF__TT_PUNCTUATION,
    MLF__TT_WILDCARD,
    MLF__TT_NAME,
    MLF__TT_NAME_BUILTIN,
    MLF__TT_NAME_PLACEHOLDER,
    MLF__TT_LITERAL,
    MLF__TT_COMMAND,
    MLF__TT_KEYWORD,
    MLF__TT_KW_DML,
    MLF__TT_KW_DDL,
    MLF__TT_KW_DCL,
    MLF__TT_KW_CTE,
    MLF__TT_KW_ORDER,
    MLF__TT_KW_TZCAST,
    MLF__TT_NUM_HEX,
    MLF__TT_NUM_FLOAT,
    MLF__TT_NUM_INT,
    MLF__TT_STR_SINGLE,
    MLF__TT_STR_SYMBOL,
    MLF__TT_OPERATOR,
    MLF__TT_OP_COMPARISON,
    MLF__TT_ERROR,
} mlf__tt;

/* Group classes (sqlparse.sql); leaves are MLF__C_TOKEN. */
typedef enum mlf__cls {
    MLF__C_TOKEN = 0,
    MLF__C_TOKENLIST,
    MLF__C_STATEMENT,
    MLF__C_PARENTHESIS,
    MLF__C_SQUARE_BRACKETS,
    MLF__C_CASE,
    MLF__C_IF,
    MLF__C_FOR,
    MLF__C_BEGIN,
    MLF__C_OVER,
    MLF__C_FUNCTION,
    MLF__C_WHERE,
    MLF__C_IDENTIFIER,
    MLF__C_IDENTIFIER_LIST,
    MLF__C_TYPED_LITERAL,
    MLF__C_OPERATION,
    MLF__C_COMPARISON,
    MLF__C_ASSIGNMENT,
    MLF__C_COMMENT,
    MLF__C_VALUES,
} mlf__cls;

typedef struct mlf__tok {
    mlf__tt tt;
    mlf__cls cls;
    size_t start, end; /* byte span in the parsed text */
    struct mlf__tok **kids;
    size_t n, cap;
} mlf__tok;

/**
 * Parses text as sqlparse.parse() does. On success sets *ret_stmts (pool
 * memory, each a MLF__C_STATEMENT) and *ret_n and returns 0; returns -1 where
 * sqlparse would raise (nesting deeper than Python's recursion allows).
 */
int mlf__sql_parse(mlf_pool *pool, const char *text, mlf__tok ***ret_stmts, size_t *ret_n);

/** The token's text (str(token)), from the pool. */
char *mlf__sql_text(mlf_pool *pool, const char *src, const mlf__tok *tok);
/** Token.is_whitespace. */
bool mlf__sql_is_ws(const mlf__tok *tok);
/** What the search filters take as a string value: an Identifier (a double-quoted name) or a single-quoted string. */
bool mlf__sql_is_string_value(const mlf__tok *tok);
/** What the search filters take as a number value: an integer or float literal token. */
bool mlf__sql_is_number_value(const mlf__tok *tok);
/** Token.is_keyword. */
bool mlf__sql_is_keyword(const mlf__tok *tok);
/** Token.match(tt, value) for one value (keywords compare upper-cased). */
bool mlf__sql_match(const char *src, const mlf__tok *tok, mlf__tt tt, const char *value);

#endif
