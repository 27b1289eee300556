/* The pure parts of the UI's file serving (src/server/ui.c); tests/server/test_ui.py serves a build over HTTP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/ui.h"

static bool accepts(const char *v)
{
    return mlf_ui_accepts_gzip(v, strlen(v));
}

static bool matches(const char *v, const char *etag)
{
    return mlf_ui_etag_matches(v, strlen(v), etag);
}

static void test_content_type(void **state)
{
    (void)state;
    /* as MLflow 3.18 answers them (Python's mimetypes, Flask's charset) */
    assert_string_equal(mlf_ui_content_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(mlf_ui_content_type("static/js/main.00d66947.js"), "text/javascript; charset=utf-8");
    assert_string_equal(mlf_ui_content_type("static/media/pdf.worker.min.16b289c2599c81a29db9.mjs"),
                        "text/javascript; charset=utf-8");
    assert_string_equal(mlf_ui_content_type("static/css/main.b0f58ef9.css"), "text/css; charset=utf-8");
    assert_string_equal(mlf_ui_content_type("a.svg"), "image/svg+xml; charset=utf-8");
    assert_string_equal(mlf_ui_content_type("favicon.ico"), "image/vnd.microsoft.icon");
    assert_string_equal(mlf_ui_content_type("x.woff2"), "font/woff2");
    assert_string_equal(mlf_ui_content_type("x.eot"), "application/vnd.ms-fontobject");
    assert_string_equal(mlf_ui_content_type("manifest.json"), "application/json");
    assert_string_equal(mlf_ui_content_type("main.js.LICENSE.txt"), "text/plain; charset=utf-8");
    assert_string_equal(mlf_ui_content_type("X.PNG"), "image/png");
    /* what mimetypes does not know */
    assert_string_equal(mlf_ui_content_type("static/media/index.f6d03137e8c9dd0de04c.cjs"), "application/octet-stream");
    assert_string_equal(mlf_ui_content_type("Makefile"), "application/octet-stream");
    assert_string_equal(mlf_ui_content_type(".js"), "application/octet-stream"); /* a dot file has no extension */
    assert_string_equal(mlf_ui_content_type("dir.js/file"), "application/octet-stream");
}

static void test_is_hashed(void **state)
{
    (void)state;
    assert_true(mlf_ui_is_hashed("static/js/main.00d66947.js"));
    assert_true(mlf_ui_is_hashed("static/js/1126.8bfe0c8c.chunk.js"));
    assert_true(mlf_ui_is_hashed("TelemetryLogger.telemetry-worker.d0f8ea2c83c08b63528f.worker.js"));
    assert_true(mlf_ui_is_hashed("static/media/codicon.f6283f7ccaed1249d9eb.ttf"));
    assert_false(mlf_ui_is_hashed("index.html"));
    assert_false(mlf_ui_is_hashed("favicon.ico"));
    assert_false(mlf_ui_is_hashed("manifest.json"));
    assert_false(mlf_ui_is_hashed("static/js/1126.chunk.js"));        /* too short */
    assert_false(mlf_ui_is_hashed("static/js/main.00D66947.js"));     /* webpack's are lower case */
    assert_false(mlf_ui_is_hashed("00d66947.js"));                    /* the name itself, no hash part */
    assert_false(mlf_ui_is_hashed("a.00d66947"));                     /* the extension */
    assert_false(mlf_ui_is_hashed("x.00d66947.d/index.html"));        /* a directory's name */
}

static void test_accepts_gzip(void **state)
{
    (void)state;
    assert_true(accepts("gzip"));
    assert_true(accepts("gzip, deflate, br, zstd"));
    assert_true(accepts("br;q=1.0, GZIP;q=0.5"));
    assert_true(accepts("*"));
    assert_true(accepts("deflate , gzip ; q=0.001"));
    assert_false(accepts(""));
    assert_false(accepts("identity"));
    assert_false(accepts("br, deflate"));
    assert_false(accepts("gzip;q=0"));
    assert_false(accepts("gzip; q=0.000"));
    assert_false(accepts("x-gzip"));
    assert_false(accepts("gzipx"));
}

static void test_etag_matches(void **state)
{
    (void)state;
    const char *tag = "\"2bd-1a2b3c4d\"";
    assert_true(matches("\"2bd-1a2b3c4d\"", tag));
    assert_true(matches("W/\"2bd-1a2b3c4d\"", tag));
    assert_true(matches("\"2bd-1a2b3c4d-gz\"", tag)); /* the gzip copy's */
    assert_true(matches("\"other\", \"2bd-1a2b3c4d\"", tag));
    assert_true(matches("*", tag));
    assert_false(matches("\"2bd-1a2b3c4e\"", tag));
    assert_false(matches("2bd-1a2b3c4d", tag)); /* unquoted */
    assert_false(matches("\"2bd-1a2b3c4d-gzip\"", tag));
    assert_false(matches("", tag));
}

static void test_parse_http_date(void **state)
{
    (void)state;
    time_t t;
    assert_true(mlf_ui_parse_http_date("Mon, 07 Dec 2026 15:27:39 GMT", 29, &t));
    assert_int_equal(t, 1796657259);
    assert_true(mlf_ui_parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT", 29, &t));
    assert_int_equal(t, 0);
    assert_false(mlf_ui_parse_http_date("yesterday", 9, &t));
    assert_false(mlf_ui_parse_http_date("Mon, 07 Dec 2026 15:27:39 GMT junk", 34, &t));
    assert_false(mlf_ui_parse_http_date("", 0, &t));
}

static void test_open(void **state)
{
    (void)state;
    char dir[] = "/tmp/mlf-test-ui-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char why[256];
    /* no index.html: no build */
    assert_null(mlf_ui_open(dir, why, sizeof(why)));
    assert_non_null(strstr(why, "no index.html"));
    char path[512];
    snprintf(path, sizeof(path), "%s/index.html", dir);
    FILE *f = fopen(path, "w");
    fputs("<html></html>", f);
    fclose(f);
    mlf_ui *ui = mlf_ui_open(dir, why, sizeof(why));
    assert_non_null(ui);
    assert_string_equal(mlf_ui_dir(ui), dir);
    mlf_ui_close(ui);
    unlink(path);
    rmdir(dir);
    assert_null(mlf_ui_open("/nonexistent/mlf-test-ui", why, sizeof(why)));
    assert_non_null(strstr(why, "cannot read"));
    mlf_ui_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_type), cmocka_unit_test(test_is_hashed),
        cmocka_unit_test(test_accepts_gzip), cmocka_unit_test(test_etag_matches),
        cmocka_unit_test(test_parse_http_date), cmocka_unit_test(test_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
