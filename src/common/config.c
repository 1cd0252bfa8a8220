/* config.c -- declarative settings table: flags beat environment beat defaults; --help. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

typedef struct config_value {
    char *text;             /* current textual value (NULL = unset) */
    const char *source;     /* "default" | "env" | "flag" */
    long long i;
    double d;
    int b;
    char **list;
    size_t nlist;
    int list_from_flag;     /* first flag occurrence replaces env/default items */
} config_value;

struct config {
    const char *prog;
    const char *summary;
    const config_entry *entries;
    size_t n;
    config_value *vals;
    int allow_positional;
    char **pos;
    size_t npos;
};

static void value_clear_list(config_value *v)
{
    for (size_t i = 0; i < v->nlist; i++) free(v->list[i]);
    free(v->list);
    v->list = NULL;
    v->nlist = 0;
}

static int list_push(config_value *v, const char *s)
{
    char **nl = realloc(v->list, (v->nlist + 1) * sizeof *nl);
    if (!nl) return -1;
    v->list = nl;
    if (!(v->list[v->nlist] = strdup(s))) return -1;
    v->nlist++;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = { "1", "true", "yes", "on" };
    static const char *const no[] = { "0", "false", "no", "off" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) { *out = 1; return 0; }
        if (strcasecmp(s, no[i]) == 0) { *out = 0; return 0; }
    }
    return -1;
}

/* Validates and stores one textual value for entry e. origin names it in errors. */
static int set_value(config *c, size_t idx, const char *text, const char *source,
                     const char *origin, char *err, size_t errlen)
{
    const config_entry *e = &c->entries[idx];
    config_value *v = &c->vals[idx];
    if (e->type == CONFIG_LIST) {
        if (strcmp(source, "flag") == 0 && !v->list_from_flag) {
            value_clear_list(v);
            v->list_from_flag = 1;
        }
        if (strcmp(source, "flag") == 0) {
            if (list_push(v, text) != 0) goto oom;
        } else {
            value_clear_list(v);
            char *copy = strdup(text);
            if (!copy) goto oom;
            char *save = NULL;
            for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                while (isspace((unsigned char)*tok)) tok++;
                if (*tok && list_push(v, tok) != 0) { free(copy); goto oom; }
            }
            free(copy);
        }
        v->source = source;
        return 0;
    }
    int bounded = e->min != e->max;
    switch (e->type) {
    case CONFIG_INT: {
        char *end;
        errno = 0;
        long long x = strtoll(text, &end, 10);
        if (errno || end == text || *end) {
            snprintf(err, errlen, "%s: '%s' is not an integer", origin, text);
            return -1;
        }
        if (bounded && ((double)x < e->min || (double)x > e->max)) {
            snprintf(err, errlen, "%s: %lld is out of range [%g, %g]", origin, x, e->min, e->max);
            return -1;
        }
        v->i = x;
        break;
    }
    case CONFIG_DOUBLE: {
        char *end;
        errno = 0;
        double x = strtod(text, &end);
        if (errno || end == text || *end || !isfinite(x)) {
            snprintf(err, errlen, "%s: '%s' is not a number", origin, text);
            return -1;
        }
        if (bounded && (x < e->min || x > e->max)) {
            snprintf(err, errlen, "%s: %g is out of range [%g, %g]", origin, x, e->min, e->max);
            return -1;
        }
        v->d = x;
        break;
    }
    case CONFIG_BOOL:
        if (parse_bool(text, &v->b) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a boolean (true/false/1/0/yes/no/on/off)",
                     origin, text);
            return -1;
        }
        break;
    default:
        break;
    }
    char *copy = strdup(text);
    if (!copy) goto oom;
    free(v->text);
    v->text = copy;
    v->source = source;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* An alias entry's setting, by the name in def, is kept in the alias's value (i). */
static int alias_resolve(config *c, size_t idx, char *err, size_t errlen)
{
    const config_entry *a = &c->entries[idx];
    for (size_t i = 0; a->def && !a->env && !a->flag && i < c->n; i++) {
        if (c->entries[i].type != CONFIG_ALIAS && strcmp(c->entries[i].name, a->def) == 0) {
            c->vals[idx].i = (long long)i;
            return 0;
        }
    }
    snprintf(err, errlen, "alias --%s: def must name a setting (and env, flag be NULL)", a->name);
    return -1;
}

config *config_create(const char *prog, const char *summary,
                      const config_entry *entries, size_t n, char *err, size_t errlen)
{
    config *c = calloc(1, sizeof *c);
    if (!c || !(c->vals = calloc(n ? n : 1, sizeof *c->vals))) {
        free(c);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->prog = prog;
    c->summary = summary;
    c->entries = entries;
    c->n = n;
    for (size_t i = 0; i < n; i++) {
        if (!entries[i].name || !*entries[i].name) {
            snprintf(err, errlen, "config entry %zu has no name", i);
            config_destroy(c);
            return NULL;
        }
        c->vals[i].source = "default";
        if (entries[i].type == CONFIG_ALIAS) {
            if (alias_resolve(c, i, err, errlen) != 0) {
                config_destroy(c);
                return NULL;
            }
            continue;
        }
        if (entries[i].def) {
            char origin[128];
            snprintf(origin, sizeof origin, "default of --%s", entries[i].name);
            if (set_value(c, i, entries[i].def, "default", origin, err, errlen) != 0) {
                config_destroy(c);
                return NULL;
            }
        }
    }
    return c;
}

void config_destroy(config *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->vals[i].text);
        value_clear_list(&c->vals[i]);
    }
    free(c->vals);
    for (size_t i = 0; i < c->npos; i++) free(c->pos[i]);
    free(c->pos);
    free(c);
}

void config_allow_positional(config *c) { c->allow_positional = 1; }
size_t config_positional_count(const config *c) { return c->npos; }
const char *config_positional(const config *c, size_t i) { return i < c->npos ? c->pos[i] : NULL; }

static long find_long(const config *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->n; i++) {
        const char *en = c->entries[i].name;
        if (strlen(en) != len) continue;
        /* "--log-level" and "--log_level" are the same flag */
        size_t k = 0;
        for (; k < len; k++) {
            char a = en[k] == '_' ? '-' : en[k], b = name[k] == '_' ? '-' : name[k];
            if (a != b) break;
        }
        if (k == len) return (long)i;
    }
    return -1;
}

/* The setting a long flag's entry stands for: itself, or an alias's setting. */
static long alias_target(const config *c, long idx)
{
    return c->entries[idx].type == CONFIG_ALIAS ? (long)c->vals[idx].i : idx;
}

static long find_short(const config *c, const char *arg, size_t *flaglen)
{
    for (size_t i = 0; i < c->n; i++) {
        const char *f = c->entries[i].flag;
        if (!f) continue;
        size_t fl = strlen(f);
        if (strncmp(arg, f, fl) == 0) { *flaglen = fl; return (long)i; }
    }
    return -1;
}

int config_parse(config *c, int argc, char **argv, char *err, size_t errlen)
{
    for (size_t i = 0; i < c->n; i++) {
        const char *env = c->entries[i].env;
        const char *val = env ? getenv(env) : NULL;
        if (val && *val) {
            char origin[160];
            snprintf(origin, sizeof origin, "environment variable %s", env);
            if (set_value(c, i, val, "env", origin, err, errlen) != 0) return -1;
        }
    }
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            config_print_help(c, stdout);
            return 1;
        }
        if (strcmp(arg, "--") == 0) {
            for (a++; a < argc; a++) {
                if (!c->allow_positional) {
                    snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[a]);
                    return -1;
                }
                char **np = realloc(c->pos, (c->npos + 1) * sizeof *np);
                if (!np || !(np[c->npos] = strdup(argv[a]))) { if (np) c->pos = np; snprintf(err, errlen, "out of memory"); return -1; }
                c->pos = np;
                c->npos++;
            }
            break;
        }
        long idx;
        const char *val = NULL;
        char origin[160];
        if (strncmp(arg, "--", 2) == 0) {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
            long flag = find_long(c, name, nlen);
            int negated = 0;
            if (flag < 0 && nlen > 3 && strncmp(name, "no-", 3) == 0 && !eq) {
                flag = find_long(c, name + 3, nlen - 3);
                if (flag >= 0 && c->entries[alias_target(c, flag)].type != CONFIG_BOOL) flag = -1;
                negated = flag >= 0;
            }
            if (flag < 0) {
                snprintf(err, errlen, "unknown option '--%.*s' (see --help)", (int)nlen, name);
                return -1;
            }
            snprintf(origin, sizeof origin, "--%s", c->entries[flag].name);
            idx = alias_target(c, flag);
            if (negated) {
                val = "false";
            } else if (eq) {
                val = eq + 1;
            } else if (c->entries[idx].type == CONFIG_BOOL &&
                       (a + 1 >= argc || parse_bool(argv[a + 1], &(int){0}) != 0)) {
                val = "true";
            } else {
                if (a + 1 >= argc) {
                    snprintf(err, errlen, "%s needs a value", origin);
                    return -1;
                }
                val = argv[++a];
            }
        } else if (arg[0] == '-' && arg[1]) {
            size_t fl = 0;
            idx = find_short(c, arg, &fl);
            if (idx < 0) {
                snprintf(err, errlen, "unknown option '%s' (see --help)", arg);
                return -1;
            }
            snprintf(origin, sizeof origin, "%s", c->entries[idx].flag);
            if (arg[fl]) {
                val = arg + fl;
            } else if (c->entries[idx].type == CONFIG_BOOL) {
                val = "true";
            } else {
                if (a + 1 >= argc) {
                    snprintf(err, errlen, "%s needs a value", origin);
                    return -1;
                }
                val = argv[++a];
            }
        } else {
            if (!c->allow_positional) {
                snprintf(err, errlen, "unexpected argument '%s' (see --help)", arg);
                return -1;
            }
            char **np = realloc(c->pos, (c->npos + 1) * sizeof *np);
            if (!np) { snprintf(err, errlen, "out of memory"); return -1; }
            c->pos = np;
            if (!(c->pos[c->npos] = strdup(arg))) { snprintf(err, errlen, "out of memory"); return -1; }
            c->npos++;
            continue;
        }
        if (set_value(c, (size_t)idx, val, "flag", origin, err, errlen) != 0) return -1;
    }
    return 0;
}

config *config_start(const char *prog, const char *summary, const config_entry *entries, size_t n,
                     int argc, char **argv, const char *log_component, int *exit_code)
{
    char err[512];
    *exit_code = 2;
    config *c = config_create(prog, summary, entries, n, err, sizeof err);
    if (!c) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return NULL;
    }
    int pr = config_parse(c, argc, argv, err, sizeof err);
    if (pr != 0) {
        if (pr < 0)
            fprintf(stderr, "%s: %s (see --help)\n", prog, err);
        else
            *exit_code = 0;
        config_destroy(c);
        return NULL;
    }
    if (log_component && config_start_log(c, log_component) != 0) {
        config_destroy(c);
        return NULL;
    }
    *exit_code = 0;
    return c;
}

int config_start_log(const config *c, const char *log_component)
{
    char err[512];
    if (log_init(log_component, config_get_string(c, "log-level"), err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", c->prog, err);
        return -1;
    }
    return 0;
}

static const config_entry *lookup(const config *c, const char *name, config_type t, size_t *idx)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->entries[i].type != CONFIG_ALIAS && strcmp(c->entries[i].name, name) == 0) {
            if (c->entries[i].type != t) {
                log_error("config: setting '%s' read with the wrong type", name);
                abort();
            }
            *idx = i;
            return &c->entries[i];
        }
    }
    log_error("config: unknown setting '%s'", name);
    abort();
}

const char *config_get_string(const config *c, const char *name)
{
    size_t i;
    lookup(c, name, CONFIG_STRING, &i);
    return c->vals[i].text;
}

long long config_get_int(const config *c, const char *name)
{
    size_t i;
    lookup(c, name, CONFIG_INT, &i);
    return c->vals[i].i;
}

double config_get_double(const config *c, const char *name)
{
    size_t i;
    lookup(c, name, CONFIG_DOUBLE, &i);
    return c->vals[i].d;
}

int config_get_bool(const config *c, const char *name)
{
    size_t i;
    lookup(c, name, CONFIG_BOOL, &i);
    return c->vals[i].b;
}

size_t config_get_list(const config *c, const char *name, const char *const **items)
{
    size_t i;
    lookup(c, name, CONFIG_LIST, &i);
    *items = (const char *const *)c->vals[i].list;
    return c->vals[i].nlist;
}

const char *config_source(const config *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->entries[i].type != CONFIG_ALIAS && strcmp(c->entries[i].name, name) == 0)
            return c->vals[i].source;
    return NULL;
}

static const char *type_name(config_type t)
{
    switch (t) {
    case CONFIG_STRING: return "string";
    case CONFIG_INT: return "int";
    case CONFIG_DOUBLE: return "number";
    case CONFIG_BOOL: return "bool";
    case CONFIG_LIST: return "key=value, repeatable";
    case CONFIG_ALIAS: return "alias";
    }
    return "?";
}

void config_print_help(const config *c, FILE *out)
{
    fprintf(out, "Usage: %s [options]\n", c->prog);
    if (c->summary) fprintf(out, "%s\n", c->summary);
    fprintf(out, "\nOptions (flag > environment variable > default):\n");
    for (size_t i = 0; i < c->n; i++) {
        const config_entry *e = &c->entries[i];
        if (e->type == CONFIG_ALIAS) {
            fprintf(out, "  --%s\n      the same as --%s%s%s\n", e->name, e->def, e->help ? ": " : "",
                    e->help ? e->help : "");
            continue;
        }
        fprintf(out, "  --%s", e->name);
        if (e->flag) fprintf(out, ", %s", e->flag);
        fprintf(out, " <%s>\n      %s\n", type_name(e->type), e->help ? e->help : "");
        fprintf(out, "      default: %s", e->def ? e->def : "(none)");
        if (e->min != e->max) fprintf(out, "  range: [%g, %g]", e->min, e->max);
        if (e->env) fprintf(out, "  env: %s", e->env);
        fprintf(out, "\n");
    }
    fprintf(out, "  --help, -h\n      print this help and exit\n");
}

/* Copies v into out with any password hidden: "scheme://user:secret@host" and "password=secret". */
static void mask_secrets(const char *v, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", v);
    char *scheme = strstr(out, "://");
    if (scheme) {
        char *at = strchr(scheme + 3, '@');
        char *colon = strchr(scheme + 3, ':');
        if (at && colon && colon < at) {
            char rest[1024];
            snprintf(rest, sizeof rest, "%s", at);
            snprintf(colon, outlen - (size_t)(colon - out), ":***%s", rest);
        }
    }
    char *pw = strstr(out, "password=");
    if (pw) {
        char *end = pw + 9;
        while (*end && *end != ' ' && *end != '&') end++;
        char rest[1024];
        snprintf(rest, sizeof rest, "%s", end);
        snprintf(pw + 9, outlen - (size_t)(pw + 9 - out), "***%s", rest);
    }
}

void config_log(const config *c)
{
    for (size_t i = 0; i < c->n; i++) {
        const config_entry *e = &c->entries[i];
        const config_value *v = &c->vals[i];
        int secret = strstr(e->name, "password") || strstr(e->name, "secret");
        if (e->type == CONFIG_ALIAS) {
            continue;
        } else if (e->type == CONFIG_LIST) {
            log_info("config %s items=%zu source=%s", e->name, v->nlist, v->source);
        } else {
            char shown[1024];
            mask_secrets(v->text ? v->text : "(unset)", shown, sizeof shown);
            log_info("config %s=%s source=%s", e->name, secret && v->text ? "***" : shown, v->source);
        }
    }
}
