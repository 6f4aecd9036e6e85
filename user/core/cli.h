/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The programs' command lines, one convention for vflowd, vflowtop and
 * vflowdump: glibc argp (as libbpf-tools) without argp's own messages,
 * and the values parsed once here: numbers in a range, whole numbers,
 * durations (500us, 10ms, 2s), per-class settings (syscall=1000,vm=100).
 * A wrong value returns -EINVAL and the one line the program prints in
 * @err; nothing here prints but a program's --help, --version and that
 * line, on the streams the program gives.
 */
#ifndef VFLOW_CLI_H
#define VFLOW_CLI_H

#include <argp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

/* room for any message of this module, and for the programs' own */
#define CLI_ERR_LEN 512

/* printf into @err; returns -EINVAL, so "return cli_fail(...)" says and fails at once. */
int cli_fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * A number from @lo to @hi (strtod: "2", "0.5", "1e3"), the whole string.
 * Else "invalid value 'S' for OPT: give a number from LO to HI".
 */
int cli_parse_number(const char *opt, const char *s, double lo, double hi, double *out,
		     char *err, size_t len);
/* The same, and a whole number ("give a whole number from LO to HI"). */
int cli_parse_whole(const char *opt, const char *s, double lo, double hi, long *out,
		    char *err, size_t len);

/*
 * A duration with its unit: "10ms", "250us", "1.5s", "800ns", or "0" (a
 * bare number is ambiguous unless it is 0). 0 and the value in ns, or
 * -EINVAL (a negative, unknown unit, or over 1e18 ns).
 */
int cli_parse_duration_ns(const char *s, __u64 *out);
/* @ns as cli_parse_duration_ns reads it back: the largest unit it is a whole number of ("10ms", "0"). */
const char *cli_format_duration(__u64 ns, char *buf, size_t len);

/* the most classes a per-class setting has */
#define CLI_MAX_CLASSES 16

enum cli_value_kind {
	CLI_COUNT,	/* a whole number from 0 to 2^32 - 1 */
	CLI_DURATION,	/* cli_parse_duration_ns, in ns */
};

/*
 * A per-class setting: "V" for every class, or "CLASS=V[,CLASS=V...]" to
 * change some (@out keeps the others). @classes names the @nr classes,
 * @out holds @nr values. 0, or -EINVAL with "invalid value 'SPEC': give
 * ... (classes: a, b, c)" or "unknown class 'X' in 'SPEC': use a, b or c"
 * in @err; @out is unchanged on error.
 */
int cli_parse_per_class(const char *spec, const char *const *classes, size_t nr,
			enum cli_value_kind kind, __u64 *out, char *err, size_t len);
/* "a=V,b=V,c=V", as cli_parse_per_class reads it back. */
const char *cli_format_per_class(const __u64 *v, const char *const *classes, size_t nr,
				 enum cli_value_kind kind, char *buf, size_t len);

/*
 * getopt refused an argument of @state's command line (ARGP_KEY_ERROR with
 * ARGP_NO_ERRS): which one, and why, as "unknown option '--x': see PROG
 * --help" or "option '--interval' needs a value: see PROG --help".
 */
void cli_refused(const struct argp_state *state, const char *prog, char *err, size_t len);

/* ---- one program's command line through argp ---- */

/* Every program's last group of options: -h/--help and -V/--version. */
#define CLI_INFO_OPTIONS						\
	{ NULL, 0, NULL, 0, "Informational:", -1 },			\
	{ "help", 'h', NULL, 0, "give this help and exit", -1 },	\
	{ "version", 'V', NULL, 0, "print the version and exit", -1 }

enum cli_asked { CLI_RUN = 0, CLI_HELP, CLI_VERSION };

/* What the program's argp input holds for cli_key() and cli_parse_argv(). */
struct cli_parse {
	const char *prog;	/* the name in messages, --help and --version */
	FILE *out;		/* where --help and --version go (stdout) */
	FILE *errs;		/* where the line that says what is wrong goes (stderr) */
	enum cli_asked asked;
	char err[CLI_ERR_LEN];	/* why parsing failed */
};

/*
 * The keys a program's argp parser hands on after its own: -h and -V
 * (parsing stops there), a positional argument (for a program that takes
 * none: "unexpected argument"), an option getopt refused (cli_refused()).
 * 0, EINVAL (argp's positive code), or ARGP_ERR_UNKNOWN.
 */
error_t cli_key(int key, char *arg, struct argp_state *state, struct cli_parse *c);

/*
 * argp_parse(@argp) with @input (holding @c) and without argp's own
 * messages and options. 0: run; CLI_HELP or CLI_VERSION: that was written
 * to @c->out (the program exits 0); -EINVAL: "PROG: why" was written to
 * @c->errs (the program exits 2), and @c->err holds the why.
 */
int cli_parse_argv(const struct argp *argp, int argc, char **argv, void *input, struct cli_parse *c);

#endif
