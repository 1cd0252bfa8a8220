/* test_config.c -- config table: defaults, env, flags (both forms), precedence, bounds, errors, aliases, --help, config_start. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"

static const config_entry table[] = {
    { "port", "TESTCFG_PORT", NULL, CONFIG_INT, "5001", 1, 65535, "HTTP port" },
    { "host", "TESTCFG_HOST", NULL, CONFIG_STRING, "127.0.0.1", 0, 0, "bind address" },
    { "ratio", "TESTCFG_RATIO", NULL, CONFIG_DOUBLE, "0.75", 0, 1, "threshold" },
    { "verbose", "TESTCFG_VERBOSE", NULL, CONFIG_BOOL, "false", 0, 0, "chatty" },
    { "kafka-prop", "TESTCFG_X", "-X", CONFIG_LIST, NULL, 0, 0, "librdkafka property" },
    { "log-level", "TESTCFG_LOG", NULL, CONFIG_STRING, NULL, 0, 0, "log level" },
};
#define N (sizeof table / sizeof table[0])

static int parse(config **out, int argc, char **argv, char *err, size_t errlen)
{
    *out = config_create("testprog", "a test", table, N, err, errlen);
    if (!*out) return -2;
    return config_parse(*out, argc, argv, err, errlen);
}

/* An alias is another long flag for a setting: it sets the setting, is not one itself, shows in --help. */
static void test_alias(void)
{
    static const config_entry t[] = {
        { "brokers", "TESTCFG_BROKERS", NULL, CONFIG_STRING, "127.0.0.1:9092", 0, 0, "bootstrap" },
        { "kafka", NULL, NULL, CONFIG_ALIAS, "brokers", 0, 0, "the old spelling" },
        { "relay", NULL, NULL, CONFIG_BOOL, "true", 0, 0, "relay" },
        { "no-relay-old", NULL, NULL, CONFIG_ALIAS, "relay", 0, 0, NULL },
    };
    static const config_entry bad[] = {
        { "kafka", NULL, NULL, CONFIG_ALIAS, "nothing", 0, 0, NULL },
    };
    char err[256];
    char *a[] = { "prog", "--kafka", "h:1" };
    config *c = config_create("p", "s", t, 4, err, sizeof err);
    CHECK_MSG(c != NULL, "%s", err);
    if (!c) return;
    CHECK_MSG(config_parse(c, 3, a, err, sizeof err) == 0, "%s", err);
    CHECK_STR(config_get_string(c, "brokers"), "h:1");
    CHECK_STR(config_source(c, "brokers"), "flag");
    CHECK(config_source(c, "kafka") == NULL); /* not a setting */
    config_destroy(c);
    char *b[] = { "prog", "--no-no-relay-old" };
    c = config_create("p", "s", t, 4, err, sizeof err);
    CHECK(c && config_parse(c, 2, b, err, sizeof err) == 0 && config_get_bool(c, "relay") == 0);
    config_destroy(c);
    c = config_create("p", "s", bad, 1, err, sizeof err);
    CHECK(c == NULL && strstr(err, "alias --kafka"));
    config_destroy(c);
    c = config_create("p", "s", t, 4, err, sizeof err);
    FILE *f = tmpfile();
    if (c && f) {
        char help[4096] = "";
        config_print_help(c, f);
        rewind(f);
        size_t got = fread(help, 1, sizeof help - 1, f);
        help[got] = '\0';
        CHECK_MSG(strstr(help, "--kafka\n      the same as --brokers: the old spelling") != NULL, "%s", help);
    }
    if (f) fclose(f);
    config_destroy(c);
}

int main(void)
{
    char err[256];
    config *c;
    unsetenv("TESTCFG_PORT");
    unsetenv("TESTCFG_HOST");
    unsetenv("TESTCFG_X");

    /* defaults */
    char *a0[] = { "prog" };
    CHECK(parse(&c, 1, a0, err, sizeof err) == 0);
    CHECK(config_get_int(c, "port") == 5001);
    CHECK_STR(config_get_string(c, "host"), "127.0.0.1");
    CHECK(config_get_double(c, "ratio") == 0.75);
    CHECK(config_get_bool(c, "verbose") == 0);
    CHECK(config_get_string(c, "log-level") == NULL);
    const char *const *items;
    CHECK(config_get_list(c, "kafka-prop", &items) == 0);
    CHECK_STR(config_source(c, "port"), "default");
    config_destroy(c);

    /* env beats default, flag beats env; --k=v and --k v; short -X both forms; bare bool */
    setenv("TESTCFG_PORT", "7000", 1);
    setenv("TESTCFG_HOST", "0.0.0.0", 1);
    setenv("TESTCFG_X", "a=1, b=2", 1);
    char *a1[] = { "prog", "--port=8000", "--ratio", "0.5", "--verbose", "-X", "c=3", "-Xd=4", "--log_level", "debug" };
    CHECK_MSG(parse(&c, 10, a1, err, sizeof err) == 0, "%s", err);
    CHECK(config_get_int(c, "port") == 8000);
    CHECK_STR(config_source(c, "port"), "flag");
    CHECK_STR(config_get_string(c, "host"), "0.0.0.0");
    CHECK_STR(config_source(c, "host"), "env");
    CHECK(config_get_double(c, "ratio") == 0.5);
    CHECK(config_get_bool(c, "verbose") == 1);
    CHECK_STR(config_get_string(c, "log-level"), "debug");
    size_t n = config_get_list(c, "kafka-prop", &items);
    CHECK(n == 2);
    if (n == 2) { CHECK_STR(items[0], "c=3"); CHECK_STR(items[1], "d=4"); }
    config_destroy(c);

    /* env list without flags */
    char *a2[] = { "prog", "--no-verbose" };
    CHECK(parse(&c, 2, a2, err, sizeof err) == 0);
    n = config_get_list(c, "kafka-prop", &items);
    CHECK(n == 2);
    if (n == 2) { CHECK_STR(items[0], "a=1"); CHECK_STR(items[1], "b=2"); }
    CHECK(config_get_bool(c, "verbose") == 0);
    config_destroy(c);
    unsetenv("TESTCFG_X");
    unsetenv("TESTCFG_HOST");

    /* bad values name the flag or variable */
    char *b1[] = { "prog", "--port=abc" };
    CHECK(parse(&c, 2, b1, err, sizeof err) == -1);
    CHECK(strstr(err, "--port") && strstr(err, "abc"));
    config_destroy(c);
    char *b2[] = { "prog", "--port", "70000" };
    CHECK(parse(&c, 3, b2, err, sizeof err) == -1);
    CHECK(strstr(err, "out of range") != NULL);
    config_destroy(c);
    char *b3[] = { "prog", "--nope=1" };
    CHECK(parse(&c, 2, b3, err, sizeof err) == -1);
    CHECK(strstr(err, "unknown option") && strstr(err, "nope"));
    config_destroy(c);
    char *b4[] = { "prog", "--ratio=1.5" };
    CHECK(parse(&c, 2, b4, err, sizeof err) == -1);
    config_destroy(c);
    char *b5[] = { "prog", "--verbose=maybe" };
    CHECK(parse(&c, 2, b5, err, sizeof err) == -1);
    config_destroy(c);
    char *b6[] = { "prog", "--port" };
    CHECK(parse(&c, 2, b6, err, sizeof err) == -1);
    CHECK(strstr(err, "needs a value") != NULL);
    config_destroy(c);
    char *b7[] = { "prog", "stray" };
    CHECK(parse(&c, 2, b7, err, sizeof err) == -1);
    config_destroy(c);
    setenv("TESTCFG_PORT", "0x", 1);
    CHECK(parse(&c, 1, a0, err, sizeof err) == -1);
    CHECK(strstr(err, "TESTCFG_PORT") != NULL);
    config_destroy(c);
    unsetenv("TESTCFG_PORT");

    /* positional arguments when allowed */
    c = config_create("testprog", NULL, table, N, err, sizeof err);
    config_allow_positional(c);
    char *p1[] = { "prog", "calibrate", "--port", "9", "file.csv" };
    CHECK(config_parse(c, 5, p1, err, sizeof err) == 0);
    CHECK(config_positional_count(c) == 2);
    CHECK_STR(config_positional(c, 0), "calibrate");
    CHECK_STR(config_positional(c, 1), "file.csv");
    config_destroy(c);

    /* --help lists every setting with its env var and default */
    c = config_create("testprog", "a test", table, N, err, sizeof err);
    FILE *f = tmpfile();
    config_print_help(c, f);
    long len = ftell(f);
    rewind(f);
    char *buf = calloc(1, (size_t)len + 1);
    CHECK(fread(buf, 1, (size_t)len, f) == (size_t)len);
    fclose(f);
    CHECK(strstr(buf, "--port") && strstr(buf, "TESTCFG_PORT") && strstr(buf, "5001"));
    CHECK(strstr(buf, "-X") && strstr(buf, "--kafka-prop"));
    free(buf);
    config_destroy(c);

    /* a bad default is caught at create time */
    static const config_entry bad[] = { { "n", NULL, NULL, CONFIG_INT, "many", 0, 0, "" } };
    CHECK(config_create("p", NULL, bad, 1, err, sizeof err) == NULL);

    /* config_start: the shared main() preamble tells the caller whether to exit, and how */
    int code = -1;
    CHECK(config_start("p", NULL, bad, 1, 1, a0, NULL, &code) == NULL && code == 2);
    char *s1[] = { "prog", "--port=7" };
    code = -1;
    c = config_start("testprog", "a test", table, N, 2, s1, "testcfg", &code);
    CHECK(c && code == 0 && config_get_int(c, "port") == 7);
    config_destroy(c);
    char *s2[] = { "prog", "--nope" };
    code = -1;
    CHECK(config_start("testprog", "a test", table, N, 2, s2, "testcfg", &code) == NULL && code == 2);
    char *s3[] = { "prog", "--help" };
    code = -1;
    CHECK(config_start("testprog", "a test", table, N, 2, s3, "testcfg", &code) == NULL && code == 0);
    char *s4[] = { "prog", "--log-level=loud" };
    code = -1;
    CHECK(config_start("testprog", "a test", table, N, 2, s4, "testcfg", &code) == NULL && code == 2);
    code = -1;
    c = config_start("testprog", "a test", table, N, 2, s4, NULL, &code); /* logging left to the caller */
    CHECK(c && code == 0);
    CHECK(config_start_log(c, "testcfg") == -1);
    config_destroy(c);
    test_alias();
    return CHECK_DONE();
}
