// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The command lines' values: see cli.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/cli.h"

/* above this a duration no longer fits a __u64 of ns with room to spare */
#define MAX_DURATION_NS 1e18
#define MAX_COUNT 0xffffffffULL
/* one class's value as text, and a list of class names */
#define VALUE_TEXT_LEN 32
#define SPEC_LEN 256

static const struct {
	const char *unit;
	__u64 ns;
} units[] = {
	/* largest first: cli_format_duration picks the first that divides */
	{ "s", 1000000000ULL }, { "ms", 1000000ULL }, { "us", 1000ULL }, { "ns", 1 },
};
#define NR_UNITS (sizeof(units) / sizeof(units[0]))

int cli_fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int cli_parse_number(const char *opt, const char *s, double lo, double hi, double *out,
		     char *err, size_t len)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
		return cli_fail(err, len, "invalid value '%s' for %s: give a number from %g to %g",
				s, opt, lo, hi);
	*out = v;
	return 0;
}

int cli_parse_whole(const char *opt, const char *s, double lo, double hi, long *out,
		    char *err, size_t len)
{
	double v = 0;

	if (cli_parse_number(opt, s, lo, hi, &v, NULL, 0) || v != floor(v))
		return cli_fail(err, len, "invalid value '%s' for %s: give a whole number from "
				"%g to %g", s, opt, lo, hi);
	*out = (long)v;
	return 0;
}

int cli_parse_duration_ns(const char *s, __u64 *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!*end) {
		if (v != 0)	/* a bare number is ambiguous unless it is 0 */
			return -EINVAL;
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < NR_UNITS; i++) {
		if (strcmp(end, units[i].unit))
			continue;
		if (v * units[i].ns > MAX_DURATION_NS)
			return -EINVAL;
		*out = (__u64)(v * units[i].ns + 0.5);
		return 0;
	}
	return -EINVAL;
}

const char *cli_format_duration(__u64 ns, char *buf, size_t len)
{
	size_t i = 0;

	if (!ns) {
		snprintf(buf, len, "0");
		return buf;
	}
	while (ns % units[i].ns)
		i++;
	snprintf(buf, len, "%llu%s", (unsigned long long)(ns / units[i].ns), units[i].unit);
	return buf;
}

static int parse_value(const char *s, enum cli_value_kind kind, __u64 *out)
{
	unsigned long long v;
	char *end;

	if (kind == CLI_DURATION)
		return cli_parse_duration_ns(s, out);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > MAX_COUNT)
		return -EINVAL;
	*out = v;
	return 0;
}

static const char *format_value(__u64 v, enum cli_value_kind kind, char *buf, size_t len)
{
	if (kind == CLI_DURATION)
		return cli_format_duration(v, buf, len);
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

/* "a, b, c" (@last NULL) or "a, b or c" */
static const char *class_list(const char *const *classes, size_t nr, const char *last, char *buf,
			      size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nr && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i == 0 ? "" :
				i + 1 == nr && last ? last : ", ", classes[i]);
	return buf;
}

static long class_index(const char *name, const char *const *classes, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(name, classes[i]))
			return (long)i;
	return -1;
}

int cli_parse_per_class(const char *spec, const char *const *classes, size_t nr,
			enum cli_value_kind kind, __u64 *out, char *err, size_t len)
{
	const char *what = kind == CLI_DURATION ? "a duration like 10ms, 250us or 0 (off)" :
						  "a count like 1000, or 0 (off)";
	char buf[SPEC_LEN], names[SPEC_LEN], *save = NULL, *tok;
	__u64 v[CLI_MAX_CLASSES], all;

	if (nr > CLI_MAX_CLASSES)
		return cli_fail(err, len, "%zu classes: at most %d", nr, CLI_MAX_CLASSES);
	memcpy(v, out, nr * sizeof(*out));
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf) || !buf[0])
		goto bad;
	if (!strchr(buf, '=')) {
		if (parse_value(buf, kind, &all))
			goto bad;
		for (size_t c = 0; c < nr; c++)
			out[c] = all;
		return 0;
	}
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		long c;

		if (!eq)
			goto bad;
		*eq = '\0';
		c = class_index(tok, classes, nr);
		if (c < 0)
			return cli_fail(err, len, "unknown class '%s' in '%s': use %s", tok, spec,
					class_list(classes, nr, " or ", names, sizeof(names)));
		if (parse_value(eq + 1, kind, &v[c]))
			goto bad;
	}
	memcpy(out, v, nr * sizeof(*out));
	return 0;
bad:
	return cli_fail(err, len, "invalid value '%s': give %s, for every class or as "
			"CLASS=VALUE[,CLASS=VALUE] (classes: %s)", spec, what,
			class_list(classes, nr, NULL, names, sizeof(names)));
}

const char *cli_format_per_class(const __u64 *v, const char *const *classes, size_t nr,
				 enum cli_value_kind kind, char *buf, size_t len)
{
	char value[VALUE_TEXT_LEN];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t c = 0; c < nr && off < len; c++)
		off += snprintf(buf + off, len - off, "%s%s=%s", c ? "," : "", classes[c],
				format_value(v[c], kind, value, sizeof(value)));
	return buf;
}

/* ---- what getopt refused ---- */

enum refusal { FINE, UNKNOWN, NEEDS_VALUE };

static bool option_end(const struct argp_option *o)
{
	return !o->key && !o->name && !o->doc && !o->group;
}

/*
 * The option a long name (its first @n characters) selects, as getopt
 * finds it: the exact name, else the one option it abbreviates; NULL for
 * none or several. An alias takes its argument from the option before.
 */
static const struct argp_option *find_long(const struct argp_option *o, const char *name, size_t n,
					   const char **arg)
{
	const struct argp_option *hit = NULL;
	const char *cur_arg = NULL, *hit_arg = NULL;
	int hits = 0;

	for (; !option_end(o); o++) {
		if (!(o->flags & OPTION_ALIAS))
			cur_arg = o->arg;
		if (!o->name || (o->flags & OPTION_DOC) || strncmp(o->name, name, n))
			continue;
		if (strlen(o->name) == n) {
			*arg = cur_arg;
			return o;
		}
		if (!hit || hit->key != o->key)
			hits++;
		hit = o;
		hit_arg = cur_arg;
	}
	*arg = hit_arg;
	return hits == 1 ? hit : NULL;
}

/* The option short letter @c selects, or NULL. */
static const struct argp_option *find_short(const struct argp_option *o, int c, const char **arg)
{
	const char *cur_arg = NULL;

	for (; !option_end(o); o++) {
		if (!(o->flags & OPTION_ALIAS))
			cur_arg = o->arg;
		if (o->key == c && isprint(c) && !(o->flags & OPTION_DOC)) {
			*arg = cur_arg;
			return o;
		}
	}
	return NULL;
}

/* Would getopt refuse argv[i] (followed by argv[i + 1] where i + 1 < argc)? */
static enum refusal refusal_of(const struct argp_option *opts, int argc, char **argv, int i)
{
	const char *s = argv[i], *arg = NULL;
	const struct argp_option *o;
	bool has_next = i + 1 < argc;

	if (s[0] != '-' || !s[1] || !strcmp(s, "--"))
		return FINE;	/* an argument, "-" or the end of the options */
	if (s[1] == '-') {
		size_t n = strcspn(s + 2, "=");

		o = find_long(opts, s + 2, n, &arg);
		if (!o || (s[2 + n] == '=' && !arg))
			return UNKNOWN;
		if (!s[2 + n] && arg && !(o->flags & OPTION_ARG_OPTIONAL) && !has_next)
			return NEEDS_VALUE;
		return FINE;
	}
	for (const char *c = s + 1; *c; c++) {
		o = find_short(opts, (unsigned char)*c, &arg);
		if (!o)
			return UNKNOWN;
		/* the rest of the word, or the next one, is its value */
		if (arg)
			return c[1] || has_next || (o->flags & OPTION_ARG_OPTIONAL) ? FINE : NEEDS_VALUE;
	}
	return FINE;
}

void cli_refused(const struct argp_state *state, const char *prog, char *err, size_t len)
{
	const struct argp_option *opts = state->root_argp->options;
	int at = state->next - 1;
	enum refusal why = at >= 1 && at < state->argc ?
			   refusal_of(opts, state->argc, state->argv, at) : FINE;

	/* a letter refused inside a group (-xj) leaves getopt on that word */
	if (why == FINE && state->next < state->argc) {
		at = state->next;
		why = refusal_of(opts, state->argc, state->argv, at);
	}
	if (at < 1 || at >= state->argc)
		at = state->argc > 1 ? state->argc - 1 : 0;
	if (why == NEEDS_VALUE)
		cli_fail(err, len, "option '%s' needs a value: see %s --help", state->argv[at], prog);
	else
		cli_fail(err, len, "unknown option '%s': see %s --help", state->argv[at], prog);
}

/* ---- one program's command line through argp ---- */

/* the last line of every program's --help (argp prints "Report bugs to %s.") */
const char *argp_program_bug_address = "the vflow project, with the output of --version";

error_t cli_key(int key, char *arg, struct argp_state *state, struct cli_parse *c)
{
	switch (key) {
	case 'h':
		c->asked = CLI_HELP;
		return EINVAL;
	case 'V':
		c->asked = CLI_VERSION;
		return EINVAL;
	case ARGP_KEY_ARG:
		cli_fail(c->err, sizeof(c->err), "unexpected argument '%s': see %s --help", arg,
			 c->prog);
		return EINVAL;
	case ARGP_KEY_ERROR:
		/* after a value the program refused, or -h / -V, all is said */
		if (!c->err[0] && c->asked == CLI_RUN)
			cli_refused(state, c->prog, c->err, sizeof(c->err));
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

int cli_parse_argv(const struct argp *argp, int argc, char **argv, void *input, struct cli_parse *c)
{
	int ret = argp_parse(argp, argc, argv, ARGP_NO_ERRS | ARGP_NO_HELP, NULL, input);

	switch (c->asked) {
	case CLI_HELP:
		argp_help(argp, c->out, ARGP_HELP_STD_HELP, (char *)c->prog);
		return CLI_HELP;
	case CLI_VERSION:
		fprintf(c->out, "%s %s (%s)\n", c->prog, VFLOW_VERSION, VFLOW_GIT_REV);
		return CLI_VERSION;
	case CLI_RUN:
		break;
	}
	if (!ret)
		return 0;
	if (!c->err[0])
		cli_fail(c->err, sizeof(c->err), "cannot parse the command line: %s: see %s --help",
			 strerror(ret), c->prog);
	fprintf(c->errs, "%s: %s\n", c->prog, c->err);
	return -EINVAL;
}
