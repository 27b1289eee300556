/*
 * Search filters, table-driven: each row is a filter and either the clauses
 * it must give (rendered "entity|key|op|value; ...", values as s:text,
 * n:literal or l:[a,b]) or MLflow's error code and message.
 *
 * The rows include the cases of MLflow's tests/utils/test_search_utils.py and
 * of the search tests in tests/store/{tracking,model_registry}/
 * test_sqlalchemy_store.py; every expected result was checked against MLflow
 * 3.6's search_utils.py (the runs' and experiments' rows again against 3.18's) (and the stores' comparator checks) running on
 * sqlparse 0.5.3. Sets in messages are printed in source order (Python's own
 * order varies per process).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "search/search.h"

#define RUNS MLF_SEARCH_RUNS
#define EXP MLF_SEARCH_EXPERIMENTS
#define RM MLF_SEARCH_REGISTERED_MODELS
#define MV MLF_SEARCH_MODEL_VERSIONS

typedef struct filter_case {
    mlf_search_kind kind;
    const char *filter;
    int code;           /* 0: success */
    const char *expect; /* rendered clauses, or the error message */
} filter_case;

static const filter_case cases[] = {
    {RUNS, "metric.acc >= 0.94", 0, "metric|acc|>=|n:0.94"},
    {RUNS, "metric.acc>=100", 0, "metric|acc|>=|n:100"},
    {RUNS, "params.m!='tf'", 0, "param|m|!=|s:tf"},
    {RUNS, "params.\"m\"!=\"tf\"", 0, "param|m|!=|s:tf"},
    {RUNS, "metric.\"legit name\" >= 0.243", 0, "metric|legit name|>=|n:0.243"},
    {RUNS, "metrics.XYZ = 3", 0, "metric|XYZ|=|n:3"},
    {RUNS, "params.\"cat dog\" = \"pets\"", 0, "param|cat dog|=|s:pets"},
    {RUNS, "metrics.\"X-Y-Z\" = 3", 0, "metric|X-Y-Z|=|n:3"},
    {RUNS, "metrics.\"X//Y#$$@&Z\" = 3", 0, "metric|X//Y#$$@&Z|=|n:3"},
    {RUNS, "params.model = 'LinearRegression'", 0, "param|model|=|s:LinearRegression"},
    {RUNS, "metrics.rmse < 1 and params.model_class = 'LR'", 0, "metric|rmse|<|n:1; param|model_class|=|s:LR"},
    {RUNS, "`metric`.a >= 0.1", 0, "metric|a|>=|n:0.1"},
    {RUNS, "`params`.model >= 'LR'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator '>=' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}'"},
    {RUNS, "tags.version = 'commit-hash'", 0, "tag|version|=|s:commit-hash"},
    {RUNS, "`tags`.source_name = 'a notebook'", 0, "tag|source_name|=|s:a notebook"},
    {RUNS, "metrics.\"accuracy.2.0\" > 5", 0, "metric|accuracy.2.0|>|n:5"},
    {RUNS, "metrics.`spacey name` > 5", 0, "metric|spacey name|>|n:5"},
    {RUNS, "params.\"p.a.r.a.m\" != \"a\"", 0, "param|p.a.r.a.m|!=|s:a"},
    {RUNS, "tags.\"t.a.g\" = \"a\"", 0, "tag|t.a.g|=|s:a"},
    {RUNS, "attribute.artifact_uri = '1/23/4'", 0, "attribute|artifact_uri|=|s:1/23/4"},
    {RUNS, "attribute.start_time >= 1234", 0, "attribute|start_time|>=|n:1234"},
    {RUNS, "run.status = 'RUNNING'", 0, "attribute|status|=|s:RUNNING"},
    {RUNS, "dataset.name = 'my_dataset'", 0, "dataset|name|=|s:my_dataset"},
    {RUNS, "params.m = 'LR'", 0, "param|m|=|s:LR"},
    {RUNS, "params.m = \"LR\"", 0, "param|m|=|s:LR"},
    {RUNS, "params.m = \"L'Hosp\"", 0, "param|m|=|s:L'Hosp"},
    {RUNS, "params.m = 'L\\'Hosp'", 0, "param|m|=|s:L\\'Hosp"},
    {RUNS, "params.m = 'it''s'", 0, "param|m|=|s:it''s"},
    {RUNS, "attributes.status = 'FAILED'", 0, "attribute|status|=|s:FAILED"},
    {RUNS, "metrics.key1 != 123", 0, "metric|key1|!=|n:123"},
    {RUNS, "params.my_param = 'A' AND attributes.status = 'FAILED'", 0, "param|my_param|=|s:A; attribute|status|=|s:FAILED"},
    {RUNS, "datasets.name IN ('name1', 'name2')", 0, "dataset|name|IN|l:[name1,name2]"},
    {RUNS, "datasets.digest IN ('digest1', 'digest2')", 0, "dataset|digest|IN|l:[digest1,digest2]"},
    {RUNS, "datasets.context = 'train'", 0, "dataset|context|=|s:train"},
    {RUNS, "attributes.run_name = 'run_name1'", 0, "attribute|run_name|=|s:run_name1"},
    {RUNS, "attributes.`Run name` = 'run_name1'", 0, "attribute|run_name|=|s:run_name1"},
    {RUNS, "attributes.`run name` = 'run_name2'", 0, "attribute|run_name|=|s:run_name2"},
    {RUNS, "attributes.\"Run Name\" = 'run_name2'", 0, "attribute|run_name|=|s:run_name2"},
    {RUNS, "tags.`mlflow.runName` = 'run_name2'", 0, "tag|mlflow.runName|=|s:run_name2"},
    {RUNS, "attributes.run_id IN ('abc')", 0, "attribute|run_id|IN|l:[abc]"},
    {RUNS, "attributes.run_id NOT IN ('abc')", 0, "attribute|run_id|NOT IN|l:[abc]"},
    {RUNS, "run_name = 'x' AND run_id IN ('abc')", 0, "attribute|run_name|=|s:x; attribute|run_id|IN|l:[abc]"},
    {RUNS, "attributes.run_id IN ('abc','def')", 0, "attribute|run_id|IN|l:[abc,def]"},
    {RUNS, "attributes.run_id IN ('abc',  'def')", 0, "attribute|run_id|IN|l:[abc,def]"},
    {RUNS, "attributes.run_id IN ('abc', 'DEF', '123')", 0, "attribute|run_id|IN|l:[abc,DEF,123]"},
    {RUNS, "attributes.created > 1", 0, "attribute|start_time|>|n:1"},
    {RUNS, "attributes.Created > 2", 0, "attribute|start_time|>|n:2"},
    {RUNS, "attr.end_time <= 1.5e3", 0, "attribute|end_time|<=|n:1.5e3"},
    {RUNS, "attributes.artifact_uri ILIKE '%ABC%'", 0, "attribute|artifact_uri|ILIKE|s:%ABC%"},
    {RUNS, "metrics.m >= -.5", 0, "metric|m|>=|n:-.5"},
    {RUNS, "metrics.m < 1.", 0, "metric|m|<|n:1."},
    {RUNS, "params.p like 'a%'", 0, "param|p|LIKE|s:a%"},
    {RUNS, "params.p not like 'a%'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator 'NOT LIKE' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}'"},
    {RUNS, "tags.t LIKE 'a%' and tags.u ILIKE 'B%'", 0, "tag|t|LIKE|s:a%; tag|u|ILIKE|s:B%"},
    {RUNS, "tags.created = 'x'", 0, "tag|start_time|=|s:x"},
    {RUNS, "metrics.a = ١", 0, "metric|a|=|n:١"},
    {RUNS, "run_id ın ('abc')", 0, "attribute|run_id|IN|l:[abc]"},
    {RUNS, "attributes.run_id = ('abc')", 0, "attribute|run_id|=|l:[abc]"},
    {RUNS, "   ", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid filter '   '. Could not be parsed."},
    {RUNS, "metrics.a = 1;", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: ';'"},
    {RUNS, "metric.acc >= 0.94; metrics.rmse < 1", MLF_ERR_INVALID_PARAMETER_VALUE, "Search filter contained multiple expression 'metric.acc >= 0.94; metrics.rmse < 1'. Provide AND-ed expression list."},
    {RUNS, "m.acc >= 0.94", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type 'm'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"},
    {RUNS, "acc >= 0.94", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'acc' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created', 'run name', 'Run name', 'Run Name'}'"},
    {RUNS, "p.model >= 'LR'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type 'p'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"},
    {RUNS, "attri.x != 1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type 'attri'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"},
    {RUNS, "a.x != 1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type 'a'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"},
    {RUNS, "model >= 'LR'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'model' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created', 'run name', 'Run name', 'Run Name'}'"},
    {RUNS, "metrics.A > 0.1 OR params.B = 'LR'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'OR'"},
    {RUNS, "metrics.A > 0.1 NAND params.B = 'LR'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'metrics.A > 0.1 NAND'"},
    {RUNS, "metrics.A > 0.1 AND (params.B = 'LR')", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: '(params.B = 'LR')'"},
    {RUNS, "`metrics.A > 0.1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: '`'"},
    {RUNS, "param`.A > 0.1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'param', '`', '.'"},
    {RUNS, "`dummy.A > 0.1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: '`'"},
    {RUNS, "dummy`.A > 0.1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'dummy', '`', '.'"},
    {RUNS, "attribute.start != 1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'start' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created', 'run name', 'Run name', 'Run Name'}'"},
    {RUNS, "attribute.experiment_id != 1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'experiment_id' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created', 'run name', 'Run name', 'Run Name'}'"},
    {RUNS, "attribute.lifecycle_stage = 'ACTIVE'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'lifecycle_stage' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created', 'run name', 'Run name', 'Run Name'}'"},
    {RUNS, "attribute.name != 1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'name' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created', 'run name', 'Run name', 'Run Name'}'"},
    {RUNS, "attribute.time != 1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'time' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created', 'run name', 'Run name', 'Run Name'}'"},
    {RUNS, "attribute._status != 'RUNNING'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key '_status' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created', 'run name', 'Run name', 'Run Name'}'"},
    {RUNS, "attribute.status = true", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'attribute.status', '=', 'true'"},
    {RUNS, "dataset.status = 'true'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid dataset key 'status' specified. Valid keys are '{'name', 'digest', 'context'}'"},
    {RUNS, "dataset.profile = 'num_rows: 10'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid dataset key 'profile' specified. Valid keys are '{'name', 'digest', 'context'}'"},
    {RUNS, "metric.model = 'LR'", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected numeric value type for metric. Found 'LR'"},
    {RUNS, "metric.model = '5'", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected numeric value type for metric. Found '5'"},
    {RUNS, "params.acc = 5", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 5"},
    {RUNS, "tags.acc = 5", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected a quoted string value for tag (e.g. 'my-value'). Got value 5"},
    {RUNS, "metrics.acc != metrics.acc", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected numeric value type for metric. Found metrics.acc"},
    {RUNS, "1.0 > metrics.acc", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparison clause. Expected 'Identifier' found '1.0'"},
    {RUNS, "attribute.status = 1", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected a quoted string value for attributes. Got value 1"},
    {RUNS, "params.acc = LR", MLF_ERR_INVALID_PARAMETER_VALUE, "Parameter value is either not quoted or unidentified quote types used for string value LR. Use either single or double quotes."},
    {RUNS, "tags.acc = LR", MLF_ERR_INVALID_PARAMETER_VALUE, "Parameter value is either not quoted or unidentified quote types used for string value LR. Use either single or double quotes."},
    {RUNS, "params.acc = `LR`", MLF_ERR_INVALID_PARAMETER_VALUE, "Parameter value is either not quoted or unidentified quote types used for string value `LR`. Use either single or double quotes."},
    {RUNS, "params.'acc = LR", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'params.', '''"},
    {RUNS, "params.acc = 'LR", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'params.acc', '=', ''', 'LR'"},
    {RUNS, "params.acc = LR'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: '''"},
    {RUNS, "params.acc = \"LR'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'params.acc', '=', '\"', 'LR', '''"},
    {RUNS, "tags.acc = \"LR'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'tags.acc', '=', '\"', 'LR', '''"},
    {RUNS, "tags.acc = = 'LR'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'tags.acc', '=', '=', ''LR''"},
    {RUNS, "attribute.status IS 'RUNNING'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'attribute.status', 'IS', ''RUNNING''"},
    {RUNS, "params.acc LR !=", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'params.acc LR', '!='"},
    {RUNS, "params.acc LR", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'params.acc LR'"},
    {RUNS, "metric.acc !=", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'metric.acc', '!='"},
    {RUNS, "acc != 1.0", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'acc' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created', 'run name', 'Run name', 'Run Name'}'"},
    {RUNS, "foo is null", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'foo' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created', 'run name', 'Run name', 'Run Name'}'"},
    {RUNS, "1=1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparison clause. Expected 'Identifier' found '1'"},
    {RUNS, "1==2", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparison clause. Expected 'Identifier' found '1'"},
    {RUNS, "metrics.abc ~ 1.0", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator '~' not one of '{'>', '>=', '!=', '=', '<', '<='}"},
    {RUNS, "metrics.abc ~= 1.0", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator '~=' not one of '{'>', '>=', '!=', '=', '<', '<='}"},
    {RUNS, "params.abc > 'my-param-value'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}'"},
    {RUNS, "tags.abc <= 'my-tag-value'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator '<=' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}"},
    {RUNS, "attributes.status >= 'my-tag-value'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator '>=' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'"},
    {RUNS, "attributes.start_time LIKE 1234", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator 'LIKE' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"},
    {RUNS, "attributes.start_time ILIKE 1234", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator 'ILIKE' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"},
    {RUNS, "datasets.name > 'my-dataset-name'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"},
    {RUNS, "metrics.a IN (1)", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected numeric value type for metric. Found (1)"},
    {RUNS, "params.a IN ('x')", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected a quoted string value for parameter (e.g. 'my-value'). Got value ('x')"},
    {RUNS, "attributes.start_time IN (1)", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected numeric value type for numeric attribute: start_time. Found (1)"},
    {RUNS, "attributes.status IN ('RUNNING')", MLF_ERR_INVALID_PARAMETER_VALUE, "Only ['run_id'] attributes support comparison with a list of quoted string values."},
    {RUNS, "dataset.name = 1", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected a quoted string value for dataset attributes. Got value 1"},
    {RUNS, "attributes.run_id IN (1,2,3)", MLF_ERR_INVALID_PARAMETER_VALUE, "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: (1, 2, 3)"},
    {RUNS, "attributes.run_id IN ()", MLF_ERR_INVALID_PARAMETER_VALUE, "While parsing a list in the query, expected a non-empty list of string values, but got empty list"},
    {RUNS, "attributes.run_id IN (,)", MLF_ERR_INVALID_PARAMETER_VALUE, "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list."},
    {RUNS, "attributes.run_id IN ('runid1',,'runid2')", MLF_ERR_INVALID_PARAMETER_VALUE, "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list."},
    {RUNS, "attributes.run_id IN (", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'attributes.run_id', 'IN', '('"},
    {RUNS, "attributes.run_id IN", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'attributes.run_id', 'IN'"},
    {RUNS, "attributes.run_id IN (abc)", MLF_ERR_INTERNAL_ERROR, "malformed node or string: (abc)"},
    {RUNS, "attributes.run_id IN ('a', ['b'])", MLF_ERR_INVALID_PARAMETER_VALUE, "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ('a', ['b'])"},
    {RUNS, "attributes.run_id IN ('a', 1.5, None, True, b'x')", MLF_ERR_INVALID_PARAMETER_VALUE, "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ('a', 1.5, None, True, b'x')"},
    {RUNS, "attributes.run_name = 'a' AND metrics.m > 'x'", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected numeric value type for metric. Found 'x'"},
    {RUNS, "metrics.a = 1 /* comment */", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: '/* comment */'"},
    {RUNS, "metrics.a b > 1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'metrics.a'"},
    {RUNS, "attributes.run name = 'x'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'attributes.run'"},
    {RUNS, "tags.select = 'x'", 0, "tag|select|=|s:x"},
    {RUNS, "metrics.a = 0x1F", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'metrics.a', '=', '0x1F'"},
    {RUNS, "((((((((((metrics.a = 1))))))))))", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: '((((((((((metrics.a = 1))))))))))'"},
    {EXP, "name = 'a'", 0, "attribute|name|=|s:a"},
    {EXP, "attribute.name = 'a'", 0, "attribute|name|=|s:a"},
    {EXP, "attribute.`name` = 'a'", 0, "attribute|name|=|s:a"},
    {EXP, "attribute.`name` != 'a'", 0, "attribute|name|!=|s:a"},
    {EXP, "name LIKE 'a%'", 0, "attribute|name|LIKE|s:a%"},
    {EXP, "name ILIKE 'a%' AND name ILIKE '%b'", 0, "attribute|name|ILIKE|s:a%; attribute|name|ILIKE|s:%b"},
    {EXP, "creation_time = 1700000000000", 0, "attribute|creation_time|=|n:1700000000000"},
    {EXP, "creation_time >= 1 and last_update_time < 2", 0, "attribute|creation_time|>=|n:1; attribute|last_update_time|<|n:2"},
    {EXP, "tag.key1 = 'value'", 0, "tag|key1|=|s:value"},
    {EXP, "tag.`k e y 1` = 'value'", 0, "tag|k e y 1|=|s:value"},
    {EXP, "tag.\"k e y 1\" = 'value'", 0, "tag|k e y 1|=|s:value"},
    {EXP, "tags.key1 LIKE 'va%' AND tag.key2 LIKE '%Lue'", 0, "tag|key1|LIKE|s:va%; tag|key2|LIKE|s:%Lue"},
    {EXP, "name ILIKE 'exp%' AND tags.a = '1'", 0, "attribute|name|ILIKE|s:exp%; tag|a|=|s:1"},
    {EXP, "name like 'a%'", 0, "attribute|name|LIKE|s:a%"},
    {EXP, "tags.a ilike 'x'", 0, "tag|a|ILIKE|s:x"},
    {EXP, "creation_time like 5", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator 'LIKE' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"},
    {EXP, "creation_time = 'x'", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected numeric value type for numeric attribute: creation_time. Found 'x'"},
    {EXP, "name = 5", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected a quoted string value for attributes. Got value 5"},
    {EXP, "experiment_id = '1'", 0, "attribute|experiment_id|=|s:1"},
    {EXP, "foo.bar = 'a'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type 'foo'. Valid entity types are ('attribute', 'attributes', 'tag', 'tags')"},
    {EXP, "`attribute`.name = 'a'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type '`attribute`'. Valid entity types are ('attribute', 'attributes', 'tag', 'tags')"},
    {EXP, "metrics.a > 1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'attributes', 'tag', 'tags')"},
    {EXP, "name IN ('a')", MLF_ERR_INVALID_PARAMETER_VALUE, "Only ['experiment_id'] attributes support comparison with a list of quoted string values."},
    /* MLflow 3.18: IS NULL / IS NOT NULL for runs' params and tags */
    {RUNS, "params.lr IS NULL AND tags.t is not null", 0, "param|lr|IS NULL|-; tag|t|IS NOT NULL|-"},
    {RUNS, "metrics.m IS NULL", MLF_ERR_INVALID_PARAMETER_VALUE, "IS NULL / IS NOT NULL is only supported for tags and params, not for 'metric' 'm'"},
    {RUNS, "datasets.name IS NOT NULL", MLF_ERR_INVALID_PARAMETER_VALUE, "IS NULL / IS NOT NULL is only supported for tags and params, not for 'dataset' 'name'"},
    {RUNS, "`Run name` IS NULL", MLF_ERR_INVALID_PARAMETER_VALUE, "IS NULL / IS NOT NULL is only supported for tags and params, not for 'attribute' 'Run name'"},
    {RUNS, "tags.t IS NOT  NULL", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'tags.t', 'IS', 'NOT  NULL'"},
    {RUNS, "tags.t IS", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: 'tags.t', 'IS'"},
    {RM, "tags.x IS NULL", MLF_ERR_INVALID_PARAMETER_VALUE, "IS NULL / IS NOT NULL is not supported for registered model search."},
    {MV, "name IS NOT NULL AND name = 'a'", MLF_ERR_INVALID_PARAMETER_VALUE, "IS NULL / IS NOT NULL is not supported for model version search."},
    /* MLflow 3.18: experiment_id filters, IS NULL / IS NOT NULL, integer-only numeric attributes */
    {EXP, "attributes.experiment_id IN ('1', '2')", 0, "attribute|experiment_id|IN|l:[1,2]"},
    {EXP, "experiment_id IN ('1', 'x')", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid experiment ID 'x'. Experiment ID must be a valid integer."},
    {EXP, "experiment_id = 'abc'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid experiment ID 'abc'. Experiment ID must be a valid integer."},
    {EXP, "experiment_id > '1'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator for experiment_id: >"},
    {EXP, "creation_time > 1.5", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid value for numeric attribute 'creation_time': '1.5'"},
    {EXP, "creation_time > 1e3", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid value for numeric attribute 'creation_time': '1000.0'"},
    {EXP, "name IS NULL", MLF_ERR_INVALID_PARAMETER_VALUE, "IS NULL / IS NOT NULL is only supported for tags, not for attribute 'name'"},
    {EXP, "tags.x is not null AND tags.y IS NULL", 0, "tag|x|IS NOT NULL|-; tag|y|IS NULL|-"},
    {EXP, "name = 'a' OR name = 'b'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: OR"},
    {EXP, "name != something", MLF_ERR_INVALID_PARAMETER_VALUE, "Parameter value is either not quoted or unidentified quote types used for string value something. Use either single or double quotes."},
    {RM, "name = 'a'", 0, "attribute|name|=|s:a"},
    {RM, "name LIKE 'RM%'", 0, "attribute|name|LIKE|s:RM%"},
    {RM, "name iLike '%blah%'", 0, "attribute|name|ILIKE|s:%blah%"},
    {RM, "name ilike '%RM4a%'", 0, "attribute|name|ILIKE|s:%RM4a%"},
    {RM, "tag.t3 = 'XYZ'", 0, "tag|t3|=|s:XYZ"},
    {RM, "name = 'n' and tag.t1 = 'abc'", 0, "attribute|name|=|s:n; tag|t1|=|s:abc"},
    {RM, "tags.`mlflow.prompt.is_prompt` = 'true'", 0, "tag|mlflow.prompt.is_prompt|=|s:true"},
    {RM, "name!=something", MLF_ERR_INVALID_PARAMETER_VALUE, "Parameter value is either not quoted or unidentified quote types used for string value something. Use either single or double quotes."},
    {RM, "run_id='somerunID'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'run_id' specified. Valid keys are '{'name'}'"},
    {RM, "source_path = 'A/D'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'source_path' specified. Valid keys are '{'name'}'"},
    {RM, "evilhax = true", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: evilhax, =, true"},
    {RM, "attribute.`name` = 'x'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key '`name`' specified. Valid keys are '{'name'}'"},
    {RM, "name > 'a'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator for attribute: >"},
    {RM, "tags.t IN ('a')", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected a quoted string value for tag (e.g. 'my-value'). Got value ('a')"},
    {RM, "name IN ('a')", 0, "attribute|name|IN|l:[a]"},
    {RM, "name NOT IN ('a', 'b')", 0, "attribute|name|NOT IN|l:[a,b]"},
    {RM, "name = 5", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected a quoted string value or a list of quoted string values for attributes. Got value 5"},
    {RM, "tag.t = 5", MLF_ERR_INVALID_PARAMETER_VALUE, "Expected a quoted string value for tag (e.g. 'my-value'). Got value 5"},
    {RM, "foo.name = 'x'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type 'foo'. Valid entity types are ('attribute', 'tag', 'tags')"},
    {MV, "name='m'", 0, "attribute|name|=|s:m"},
    {MV, "version_number=2", 0, "attribute|version_number|=|n:2"},
    {MV, "version_number<=3", 0, "attribute|version_number|<=|n:3"},
    {MV, "version_number = 1.5", 0, "attribute|version_number|=|n:1.5"},
    {MV, "version_number = '2'", 0, "attribute|version_number|=|s:2"},
    {MV, "run_id='abc'", 0, "attribute|run_id|=|s:abc"},
    {MV, "run_id IN ('abc','def')", 0, "attribute|run_id|IN|l:[abc,def]"},
    {MV, "run_id IN ('ABC','def')", 0, "attribute|run_id|IN|l:[ABC,def]"},
    {MV, "version_number=2 AND run_id IN ('ABC','def')", 0, "attribute|version_number|=|n:2; attribute|run_id|IN|l:[ABC,def]"},
    {MV, "run_id IN ('abc', 'def')", 0, "attribute|run_id|IN|l:[abc,def]"},
    {MV, "run_id LIKE 'abc%'", 0, "attribute|run_id|LIKE|s:abc%"},
    {MV, "run_id ILIKE 'ABC%'", 0, "attribute|run_id|ILIKE|s:ABC%"},
    {MV, "source_path = 'A/D'", 0, "attribute|source|=|s:A/D"},
    {MV, "source_path = ''", 0, "attribute|source|=|s:"},
    {MV, "tags.t = 'x' and name like 'a%'", 0, "tag|t|=|s:x; attribute|name|LIKE|s:a%"},
    {MV, "run_id IN (1,2,3)", MLF_ERR_INVALID_PARAMETER_VALUE, "While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: (1, 2, 3)"},
    {MV, "run_id IN ()", MLF_ERR_INVALID_PARAMETER_VALUE, "While parsing a list in the query, expected a non-empty list of string values, but got empty list"},
    {MV, "run_id IN (", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: run_id, IN, ("},
    {MV, "run_id IN", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: run_id, IN"},
    {MV, "name LIKE", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: name, LIKE"},
    {MV, "run_id IN (,)", MLF_ERR_INVALID_PARAMETER_VALUE, "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list."},
    {MV, "run_id IN ('runid1',,'runid2')", MLF_ERR_INVALID_PARAMETER_VALUE, "While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list."},
    {MV, "run_id NOT IN ('abc')", 0, "attribute|run_id|NOT IN|l:[abc]"},
    {MV, "name IN ('a')", 0, "attribute|name|IN|l:[a]"},
    {MV, "source_path IN ('a')", MLF_ERR_INVALID_PARAMETER_VALUE, "Only ['name', 'run_id'] attributes support comparison with a list of quoted string values."},
    {MV, "name = 5", MLF_ERR_INVALID_PARAMETER_VALUE, "Only the '{'version_number', 'creation_timestamp', 'last_updated_timestamp'}' attributes support comparison with numeric values."},
    {MV, "version_number LIKE 5", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator for attribute version_number: LIKE"},
    {MV, "version_number > 'x'", 0, "attribute|version_number|>|s:x"},
    {MV, "source = 'x'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid clause(s) in filter string: source, =, 'x'"},
    {MV, "tag.t > 'x'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator for tag: >"},
    {MV, "attribute.`name` = 'x'", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key '`name`' specified. Valid keys are '{'name', 'version_number', 'run_id', 'source_path'}'"},
};

static const char *const entity_names[] = {"attribute", "metric", "param", "tag", "dataset"};
static const char *const op_names[] = {"=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL"};

static char *render(mlf_pool *pool, const mlf_search_clause *c, size_t n)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    for (size_t i = 0; i < n; i++) {
        if (i)
            mlf_buf_puts(&b, "; ");
        mlf_buf_printf(&b, "%s|%s|%s|", entity_names[c[i].entity], c[i].key, op_names[c[i].op]);
        if (c[i].op == MLF_OP_IS_NULL || c[i].op == MLF_OP_IS_NOT_NULL)
            mlf_buf_puts(&b, "-");
        else if (c[i].value_kind == MLF_VALUE_STRING)
            mlf_buf_printf(&b, "s:%s", c[i].str);
        else if (c[i].value_kind == MLF_VALUE_NUMBER)
            mlf_buf_printf(&b, "n:%s", c[i].num_text);
        else {
            mlf_buf_puts(&b, "l:[");
            for (size_t j = 0; j < c[i].n_list; j++) {
                if (j)
                    mlf_buf_putc(&b, ',');
                mlf_buf_puts(&b, c[i].list[j]);
            }
            mlf_buf_putc(&b, ']');
        }
    }
    return b.data;
}

static void test_case(void **state)
{
    const filter_case *tc = *state;
    mlf_pool *pool = mlf_pool_create();
    mlf_search_clause *clauses = NULL;
    size_t n = 0;
    mlf_error err = {0};
    int rc = mlf_search_parse_filter(pool, tc->kind, tc->filter, &clauses, &n, &err);
    if (tc->code == 0) {
        if (rc != 0)
            fail_msg("filter %s: unexpected error %s", tc->filter, err.message);
        assert_string_equal(render(pool, clauses, n), tc->expect);
    } else {
        assert_int_equal(rc, -tc->code);
        assert_int_equal(err.code, tc->code);
        assert_string_equal(err.message, tc->expect);
    }
    mlf_pool_destroy(pool);
}

/* NULL and "" mean no filter; numbers keep their literal and value. */
static void test_empty_and_numbers(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    mlf_search_clause *c = (mlf_search_clause *)1;
    size_t n = 99;
    mlf_error err = {0};
    assert_int_equal(mlf_search_parse_filter(pool, RUNS, NULL, &c, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_null(c);
    assert_int_equal(mlf_search_parse_filter(pool, MV, "", &c, &n, &err), 0);
    assert_int_equal(n, 0);

    assert_int_equal(mlf_search_parse_filter(pool, RUNS, "metrics.m >= -1.5e3 and attributes.start_time = 1700000000123",
                                             &c, &n, &err),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(c[0].value_kind, MLF_VALUE_NUMBER);
    assert_true(c[0].num == -1500.0);
    assert_string_equal(c[0].num_text, "-1.5e3");
    assert_string_equal(c[1].key, "start_time");
    assert_string_equal(c[1].num_text, "1700000000123");

    /* Python's float() reads any script's digits */
    assert_int_equal(mlf_search_parse_filter(pool, RUNS, "metrics.m = \xd9\xa3", &c, &n, &err), 0);
    assert_true(c[0].num == 3.0);
    mlf_pool_destroy(pool);
}

/* MLflow keeps an IN value only when str.islower() holds. */
static void test_value_kept_in_list(void **state)
{
    (void)state;
    assert_true(mlf_search_value_kept_in_list("0a1b2c"));
    assert_true(mlf_search_value_kept_in_list("abc-def"));
    assert_false(mlf_search_value_kept_in_list("ABC"));
    assert_false(mlf_search_value_kept_in_list("aBc"));
    assert_false(mlf_search_value_kept_in_list("123")); /* no cased character */
    assert_false(mlf_search_value_kept_in_list(""));
    assert_true(mlf_search_value_kept_in_list("\xc3\xa9t\xc3\xa9"));  /* été */
    assert_false(mlf_search_value_kept_in_list("\xc3\x89t\xc3\xa9")); /* Été */
}

/* Deep nesting stands for Python's RecursionError. */
static void test_deep_nesting(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    size_t depth = 2000;
    char *f = mlf_pool_alloc(pool, 2 * depth + 16);
    memset(f, '(', depth);
    strcpy(f + depth, "metrics.a=1");
    memset(f + depth + 11, ')', depth);
    mlf_search_clause *c;
    size_t n;
    mlf_error err = {0};
    assert_int_equal(mlf_search_parse_filter(pool, RUNS, f, &c, &n, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_non_null(strstr(err.message, "Error on parsing filter '((("));
    mlf_pool_destroy(pool);
}

int main(void)
{
    size_t n = sizeof(cases) / sizeof(cases[0]);
    struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 4];
    static char names[sizeof(cases) / sizeof(cases[0])][96];
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof(names[i]), "filter %zu: %s", i, cases[i].filter);
        for (char *c = names[i]; *c; c++) /* one line per test in the report */
            if ((unsigned char)*c < 0x20)
                *c = '?';
        tests[i] = (struct CMUnitTest){names[i], test_case, NULL, NULL, (void *)&cases[i]};
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_empty_and_numbers);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_value_kept_in_list);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_deep_nesting);
    return _cmocka_run_group_tests("search_filter", tests, n, NULL, NULL);
}
