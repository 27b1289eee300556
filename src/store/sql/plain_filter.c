/*
 * The conditions of the plain filters (store.h mlf_store_filter_cond) as SQL:
 * SQLAlchemy's comparisons, and MLflow's inner join with the matching tag
 * rows as an IN subquery (one row per key and entity).
 */
#include <string.h>

#include "store/sql/sql.h"

void mlf__sql_filter_conds(mlf_sql_conn *c, mlf_buf *sql, const mlf_store_filter_cond *conds, size_t n,
                           const char *id_column)
{
    /* SQLAlchemy's ilike() on SQLite: lower() of both sides under LIKE */
    bool sqlite = mlf_sql_dialect_of(c) == MLF_SQL_SQLITE;
    for (size_t i = 0; i < n; i++) {
        const mlf_store_filter_cond *f = &conds[i];
        bool lower = sqlite && strcmp(f->op, "ILIKE") == 0;
        const char *op = lower ? "LIKE" : f->op;
        const char *col = f->column != NULL ? f->column : "value";
        if (f->column == NULL)
            mlf_buf_printf(sql, " AND %s IN (SELECT %s FROM %s WHERE key = ? AND", id_column, id_column, f->table);
        else
            mlf_buf_puts(sql, " AND");
        mlf_buf_printf(sql, lower ? " lower(%s) %s lower(?)" : " %s %s ?", col, op);
        if (f->column == NULL)
            mlf_buf_putc(sql, ')');
    }
}

void mlf__sql_filter_bind(mlf_sql_stmt *st, int *p, const mlf_store_filter_cond *conds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const mlf_store_filter_cond *f = &conds[i];
        if (f->column == NULL)
            mlf_sql_bind_text(st, (*p)++, f->key);
        if (f->numeric)
            mlf_sql_bind_int64(st, (*p)++, f->num);
        else
            mlf_sql_bind_text(st, (*p)++, f->str);
    }
}
