/*
 * The local artifact repository: validate_path_is_safe's results (checked
 * against MLflow's function for the accepted ones), the extra refusals, the
 * symlink check, write-then-rename, listing, deletion and MIME types.
 */
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

#include "artifacts/local.h"

static int setup(void **state)
{
    *state = mlf_pool_create();
    return 0;
}

static int teardown(void **state)
{
    mlf_pool_destroy(*state);
    return 0;
}

static const char *ok_path(mlf_pool *pool, const char *p, size_t len)
{
    const char *out = NULL;
    mlf_error err = {0};
    assert_int_equal(mlf_artifacts_check_path(pool, p, len, &out, &err), 0);
    return out;
}

static void refused(mlf_pool *pool, const char *p, size_t len)
{
    const char *out = NULL;
    mlf_error err = {0};
    assert_int_equal(mlf_artifacts_check_path(pool, p, len, &out, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid path");
}

#define OK(p) ok_path(pool, p, strlen(p))
#define REFUSED(p) refused(pool, p, strlen(p))

static void test_check_path(void **state)
{
    mlf_pool *pool = *state;
    /* accepted, with MLflow's result */
    assert_string_equal(OK("a/b.txt"), "a/b.txt");
    assert_string_equal(OK("a%20b"), "a b");
    assert_string_equal(OK("a%2520b"), "a b"); /* decoded until stable */
    assert_string_equal(OK("a\nb"), "ab");     /* urlsplit drops tabs and newlines */
    assert_string_equal(OK("a\x01" "b"), "a%01b"); /* other control characters are escaped */
    assert_string_equal(OK(" \x01" "a"), "a");     /* leading ones and spaces are stripped */
    assert_string_equal(OK("..a/b.."), "..a/b..");
    assert_string_equal(OK("a\\b"), "a\\b"); /* a backslash is a plain character on POSIX */
    assert_string_equal(OK(""), "");
    /* refused */
    REFUSED("../a");
    REFUSED("a/../../b");
    REFUSED("a/..");
    REFUSED("%2e%2e/a");
    REFUSED("%252e%252e/a");
    REFUSED("/etc/passwd");
    REFUSED("%2Fetc");
    REFUSED("file:///etc/passwd");
    REFUSED("file:a/b"); /* urlunparse makes it file:///a/b */
    REFUSED("FILE:x");
    REFUSED("\ta/../../x");
    REFUSED("a#b");
    REFUSED("a%23b");
    REFUSED("C:\\a"); /* absolute for Windows too: a drive with a root, or a UNC share */
    REFUSED("c:/a");
    REFUSED("\\\\host\\share\\x");
    REFUSED("\\\\host\\");
    /* no separator on POSIX, so no `..` segment nor root there (os.altsep is None, as in MLflow 3.18) */
    assert_string_equal(OK("..\\a"), "..\\a");
    assert_string_equal(OK("a\\..\\..\\b"), "a\\..\\..\\b");
    assert_string_equal(OK("\\a"), "\\a");
    assert_string_equal(OK("\\\\host"), "\\\\host");
    refused(pool, "a\0b", 3);
    REFUSED("a%00b");
    REFUSED("a%2500b");
}

static char *tmpdir(mlf_pool *pool)
{
    char *t = mlf_pool_strdup(pool, "/tmp/mlf-test-local-XXXXXX");
    assert_non_null(mkdtemp(t));
    return t;
}

static void rmrf(const char *p)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
    assert_int_equal(system(cmd), 0);
}

static void test_write_list_open_delete(void **state)
{
    mlf_pool *pool = *state;
    char *base = tmpdir(pool);
    char root[300];
    snprintf(root, sizeof(root), "%s/root", base); /* made on first write */
    mlf_error err = {0};
    mlf_artifact_source src = {.data = "hello", .fd = -1, .len = 5};
    assert_int_equal(mlf_artifacts_local_write(pool, root, "d/e/f.txt", &src, &err), 0);
    assert_int_equal(mlf_artifacts_local_write(pool, root, "top.bin", &src, &err), 0);
    mlf_artifact_info *items;
    size_t n;
    assert_int_equal(mlf_artifacts_local_list(pool, root, NULL, &items, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].path, "d");
    assert_true(items[0].is_dir);
    assert_string_equal(items[1].path, "top.bin");
    assert_int_equal(items[1].size, 5);
    assert_int_equal(mlf_artifacts_local_list(pool, root, "d/e", &items, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].path, "d/e/f.txt");
    assert_int_equal(mlf_artifacts_local_list(pool, root, "none", &items, &n, &err), 0);
    assert_int_equal(n, 0);
    int fd;
    uint64_t size;
    assert_int_equal(mlf_artifacts_local_open(pool, root, "d/e/f.txt", &fd, &size, &err), 0);
    assert_int_equal(size, 5);
    close(fd);
    assert_int_equal(mlf_artifacts_local_open(pool, root, "d", &fd, &size, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Artifact path refers to a directory, not a file: 'd'");
    assert_int_equal(mlf_artifacts_local_open(pool, root, "nope", &fd, &size, &err), -MLF_ERR_RESOURCE_DOES_NOT_EXIST);
    assert_string_equal(err.message, "No such artifact: 'nope'");
    assert_int_equal(mlf_artifacts_local_open(pool, root, "d/e/f.txt/x", &fd, &size, &err),
                     -MLF_ERR_RESOURCE_DOES_NOT_EXIST);
    /* no temporary file is left beside the written ones */
    assert_int_equal(mlf_artifacts_local_list(pool, root, "d/e", &items, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(mlf_artifacts_local_delete(pool, root, "d", &err), 0);
    assert_int_equal(mlf_artifacts_local_delete(pool, root, "d", &err), 0);
    assert_int_equal(mlf_artifacts_local_list(pool, root, NULL, &items, &n, &err), 0);
    assert_int_equal(n, 1);
    rmrf(base);
}

static void test_symlinks(void **state)
{
    mlf_pool *pool = *state;
    char *base = tmpdir(pool);
    char root[300], outside[300], link[400];
    snprintf(root, sizeof(root), "%s/root", base);
    snprintf(outside, sizeof(outside), "%s/outside", base);
    assert_int_equal(mkdir(root, 0777), 0);
    assert_int_equal(mkdir(outside, 0777), 0);
    snprintf(link, sizeof(link), "%s/out", root);
    assert_int_equal(symlink(outside, link), 0);
    snprintf(link, sizeof(link), "%s/dangling", root);
    assert_int_equal(symlink("/nonexistent/x", link), 0);
    mlf_error err = {0};
    mlf_artifact_source src = {.data = "x", .fd = -1, .len = 1};
    assert_int_equal(mlf_artifacts_local_write(pool, root, "out/f.txt", &src, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_int_equal(mlf_artifacts_local_write(pool, root, "dangling", &src, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_int_equal(mlf_artifacts_local_write(pool, root, "out/new/f.txt", &src, &err),
                     -MLF_ERR_INVALID_PARAMETER_VALUE);
    mlf_artifact_info *items;
    size_t n;
    assert_int_equal(mlf_artifacts_local_list(pool, root, "out", &items, &n, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_int_equal(mlf_artifacts_local_delete(pool, root, "out", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    struct stat st;
    char probe[400];
    snprintf(probe, sizeof(probe), "%s/new", outside);
    assert_int_not_equal(stat(probe, &st), 0);
    /* a link inside the root is fine */
    assert_int_equal(mlf_artifacts_local_write(pool, root, "real/f.txt", &src, &err), 0);
    char target[400];
    snprintf(target, sizeof(target), "%s/real", root);
    snprintf(link, sizeof(link), "%s/alias", root);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(mlf_artifacts_local_write(pool, root, "alias/g.txt", &src, &err), 0);
    rmrf(base);
}

static void test_mime_types(void **state)
{
    (void)state;
    assert_string_equal(mlf_artifacts_mime_type("a/b.txt"), "text/plain");
    assert_string_equal(mlf_artifacts_mime_type("MLmodel"), "text/plain");
    assert_string_equal(mlf_artifacts_mime_type("x/mlproject"), "text/plain");
    assert_string_equal(mlf_artifacts_mime_type("c.png"), "image/png");
    assert_string_equal(mlf_artifacts_mime_type("c.PNG"), "image/png");
    assert_string_equal(mlf_artifacts_mime_type("d.pdf"), "application/pdf");
    assert_string_equal(mlf_artifacts_mime_type("b.pkl"), "application/octet-stream");
    assert_string_equal(mlf_artifacts_mime_type(".json"), "application/octet-stream");
    assert_string_equal(mlf_artifacts_mime_type("noext"), "application/octet-stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_check_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_list_open_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
        cmocka_unit_test(test_mime_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
