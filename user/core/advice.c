// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Advice rules: the document's decision tree kept as data, so a threshold
 * or a wording changes in config/advice.rules, not here.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/conftext.h"
#include "core/advice.h"
#include "core/trap.h"

#define ID_MAX 48
#define ID_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-_"
#define SECTION_MAX 16
#define TERMS_MAX 8
#define TEXT_MAX 512		/* advice as written */
#define EXPANDED_MAX 1024	/* advice with its placeholders filled in */
#define NAME_MAX_LEN 32
#define ERR_MSG_MAX 256
#define PCT 100.0
/* values this large read better without decimals ("12345", not "1.23e+04") */
#define WHOLE_ABOVE 100.0
#define PARADIGM_VM VFLOW_PARADIGM_MAX	/* `paradigm == vm`: fullvirt or paravirt */
#define PARADIGM_VM_NAME "vm"

enum metric {
	M_PARADIGM, M_ETA, M_ETA_LO, M_ETA_HI, M_TRAP_SHARE, M_IO_EXIT_SHARE, M_HLT_SHARE,
	M_HYPERCALL_SHARE, M_TRAP_RATE, M_L_TRAP_NS, M_EPOLL_SHARE, M_IO_URING_SHARE,
	M_NOTIFY_SHARE, M_PTRACE_SHARE, M_MAX,
};

static const struct {
	const char *name;
	size_t off;
} metrics[M_MAX] = {
#define M(e, field) [e] = { #field, offsetof(struct advice_obs, field) }
	M(M_PARADIGM, paradigm), M(M_ETA, eta), M(M_ETA_LO, eta_lo), M(M_ETA_HI, eta_hi),
	M(M_TRAP_SHARE, trap_share), M(M_IO_EXIT_SHARE, io_exit_share),
	M(M_HLT_SHARE, hlt_share), M(M_HYPERCALL_SHARE, hypercall_share),
	M(M_TRAP_RATE, trap_rate), M(M_L_TRAP_NS, l_trap_ns), M(M_EPOLL_SHARE, epoll_share),
	M(M_IO_URING_SHARE, io_uring_share), M(M_NOTIFY_SHARE, notify_share),
	M(M_PTRACE_SHARE, ptrace_share),
#undef M
};

enum op { OP_LE, OP_GE, OP_EQ, OP_NE, OP_LT, OP_GT, OP_MAX };
/* two-character operators first, so "<=" is not read as "<" */
static const char *const op_names[OP_MAX] = {
	[OP_LE] = "<=", [OP_GE] = ">=", [OP_EQ] = "==", [OP_NE] = "!=",
	[OP_LT] = "<", [OP_GT] = ">",
};

struct term {
	enum metric lhs;
	enum op op;
	bool rhs_is_metric;
	enum metric rhs;
	double value;		/* a number, or the paradigm (PARADIGM_VM for either VM) */
};

struct advice_rule {
	char id[ID_MAX];
	char section[SECTION_MAX];
	struct term t[TERMS_MAX];
	size_t nt;
	char text[TEXT_MAX];
};

static double metric_value(const struct advice_obs *o, enum metric m)
{
	double v;

	/* a double member found by its offsetof(): copied, not cast */
	memcpy(&v, (const char *)o + metrics[m].off, sizeof(v));
	return v;
}

/* An identifier at *s (letters, digits, '_'), copied to @buf; its length. */
static size_t word(const char **s, char *buf, size_t len)
{
	size_t n = 0;

	while (isalnum((unsigned char)(*s)[n]) || (*s)[n] == '_')
		n++;
	snprintf(buf, len, "%.*s", (int)n, *s);
	*s += n;
	return n;
}

static int find_metric(const char *name)
{
	for (int m = 0; m < M_MAX; m++)
		if (!strcmp(metrics[m].name, name))
			return m;
	return -1;
}

/* `metric op value` at *s. NULL, or what is wrong and what to do. */
static const char *parse_term(const char **s, struct term *t, char *why, size_t len)
{
	char name[NAME_MAX_LEN], rhs[NAME_MAX_LEN];
	int m, op = OP_MAX;
	char *end;

	while (isspace((unsigned char)**s))
		(*s)++;
	if (!word(s, name, sizeof(name)) || (m = find_metric(name)) < 0) {
		snprintf(why, len, "unknown metric \"%s\": use paradigm, eta, eta_lo, eta_hi or a "
			 "*_share, trap_rate, l_trap_ns (see the file's header)", name);
		return why;
	}
	while (isspace((unsigned char)**s))
		(*s)++;
	for (int i = 0; i < OP_MAX && op == OP_MAX; i++)
		if (!strncmp(*s, op_names[i], strlen(op_names[i])))
			op = i;
	if (op == OP_MAX) {
		snprintf(why, len, "no operator after \"%s\": use < <= > >= == !=", name);
		return why;
	}
	*s += strlen(op_names[op]);
	while (isspace((unsigned char)**s))
		(*s)++;
	*t = (struct term){ .lhs = m, .op = op };
	if (m == M_PARADIGM) {
		word(s, rhs, sizeof(rhs));
		t->value = !strcmp(rhs, PARADIGM_VM_NAME) ? PARADIGM_VM : paradigm_parse(rhs);
		if (t->value < 0 || (op != OP_EQ && op != OP_NE)) {
			snprintf(why, len, "\"paradigm %s %s\": compare with == or != to host, "
				 "fullvirt, paravirt, container, sandbox or vm", op_names[op], rhs);
			return why;
		}
	} else if (isalpha((unsigned char)**s)) {
		int rm;

		word(s, rhs, sizeof(rhs));
		rm = find_metric(rhs);
		t->rhs_is_metric = true;
		t->rhs = rm;
		if (rm < 0 || rm == M_PARADIGM) {
			snprintf(why, len, "\"%s\" is not a number or a numeric metric: write "
				 "%s %s <number>", rhs, name, op_names[op]);
			return why;
		}
	} else {
		t->value = strtod(*s, &end);
		if (end == *s || !isfinite(t->value)) {
			snprintf(why, len, "no number after \"%s %s\": write %s %s <number>", name,
				 op_names[op], name, op_names[op]);
			return why;
		}
		*s = end;
	}
	return NULL;
}

/*
 * Placeholder @name (of @n bytes) written to @buf; false if there is no
 * such placeholder. With @o NULL it only checks the name.
 */
static bool placeholder(const char *name, size_t n, const struct advice_obs *o, char *buf,
			size_t len)
{
	static const char pct[] = "_pct";
	char key[NAME_MAX_LEN];
	bool as_pct = false;
	double v;
	int m;

	if (n >= sizeof(key))
		return false;
	snprintf(key, sizeof(key), "%.*s", (int)n, name);
	if (!strcmp(key, "top_reason")) {
		if (o)
			snprintf(buf, len, "%s",
				 o->top_reason && *o->top_reason ? o->top_reason : "unknown");
		return true;
	}
	if (n > strlen(pct) && !strcmp(key + n - strlen(pct), pct)) {
		key[n - strlen(pct)] = '\0';
		as_pct = true;
	}
	m = find_metric(key);
	if (m < 0 || (m == M_PARADIGM && as_pct))
		return false;
	if (!o)
		return true;
	if (m == M_PARADIGM) {
		snprintf(buf, len, "%s", paradigm_name(o->paradigm));
		return true;
	}
	v = metric_value(o, m);
	if (as_pct)
		snprintf(buf, len, "%.0f", v * PCT);
	else if (fabs(v) >= WHOLE_ABOVE)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3g", v);
	return true;
}

static void append(char *out, size_t len, size_t *used, const char *s, size_t n)
{
	if (out && *used < len)
		*used += snprintf(out + *used, len - *used, "%.*s", (int)n, s);
}

/* Fill in @text's placeholders for @o (NULL: check them). NULL, or the bad one. */
static const char *expand(const char *text, const struct advice_obs *o, char *out, size_t len)
{
	char val[EXPANDED_MAX] = "";
	size_t used = 0;

	for (const char *s = text; *s; ) {
		size_t n = strcspn(s, "{");
		const char *close;

		append(out, len, &used, s, n);
		s += n;
		if (!*s)
			break;
		close = strchr(s, '}');
		if (!close || !placeholder(s + 1, (size_t)(close - s - 1), o, val, sizeof(val)))
			return s;
		append(out, len, &used, val, strlen(val));
		s = close + 1;
	}
	return NULL;
}

static int parse_rule(struct advice_rule *r, char *line, const struct advice_rules *rs,
		      const char *path, size_t ln, char *err, size_t len)
{
	char *f[4], *s = line, why[ERR_MSG_MAX];
	const char *cond, *bad;

	for (int i = 0; i < 3; i++) {
		char *bar = strchr(s, '|');

		if (!bar)
			return conf_fail(err, len, path, ln, "%d field(s) where 4 are needed: write "
				    "`id | section | condition | advice`", i + 1);
		*bar = '\0';
		f[i] = conf_trim(s);
		s = bar + 1;
	}
	f[3] = conf_trim(s);
	memset(r, 0, sizeof(*r));
	if (!*f[0] || strlen(f[0]) >= ID_MAX || strspn(f[0], ID_CHARS) != strlen(f[0]))
		return conf_fail(err, len, path, ln, "bad rule id \"%s\": use lower-case letters, "
			    "digits, '-', '_' (at most %d)", f[0], ID_MAX - 1);
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->r[i].id, f[0]))
			return conf_fail(err, len, path, ln, "duplicate rule id \"%s\": give each rule "
				    "its own id", f[0]);
	if (!isdigit((unsigned char)*f[1]) || strlen(f[1]) >= SECTION_MAX ||
	    strspn(f[1], "0123456789.") != strlen(f[1]) || f[1][strlen(f[1]) - 1] == '.')
		return conf_fail(err, len, path, ln, "bad section \"%s\": cite the document's section "
			    "number, e.g. 7.4.2", f[1]);
	if (!*f[3] || strlen(f[3]) >= TEXT_MAX)
		return conf_fail(err, len, path, ln, "advice is empty or longer than %d bytes: say what "
			    "to do in one line", TEXT_MAX - 1);
	bad = expand(f[3], NULL, NULL, 0);
	if (bad)
		return conf_fail(err, len, path, ln, "unknown placeholder at \"%.24s\": use {metric}, "
			    "{metric_pct}, {paradigm} or {top_reason}", bad);
	snprintf(r->id, sizeof(r->id), "%s", f[0]);
	snprintf(r->section, sizeof(r->section), "%s", f[1]);
	snprintf(r->text, sizeof(r->text), "%s", f[3]);
	for (cond = f[2]; ; ) {
		if (r->nt == TERMS_MAX)
			return conf_fail(err, len, path, ln, "more than %d terms: split the rule",
				    TERMS_MAX);
		if (parse_term(&cond, &r->t[r->nt++], why, sizeof(why)))
			return conf_fail(err, len, path, ln, "%s", why);
		while (isspace((unsigned char)*cond))
			cond++;
		if (!*cond)
			return 0;
		if (strncmp(cond, "and", 3) || !isspace((unsigned char)cond[3]))
			return conf_fail(err, len, path, ln, "\"%.24s\" after a term: join terms with "
				    "`and`", cond);
		cond += 3;
	}
}

/* Room for one more rule in @rs (*cap of them allocated): 0 or -ENOMEM. */
static int grow(struct advice_rules *rs, size_t *cap)
{
	struct advice_rule *r;

	if (rs->n < *cap)
		return 0;
	r = realloc(rs->r, (*cap ? *cap * 2 : 16) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	rs->r = r;
	*cap = *cap ? *cap * 2 : 16;
	return 0;
}

int advice_rules__parse(struct advice_rules *rs, const char *text, size_t len, const char *name,
			char *err, size_t err_len)
{
	struct advice_rules out = {};
	size_t cap = 0, ln = 0;
	struct conf_lines lines;
	char *line;
	int ret;

	ret = conf_lines__init(&lines, text, len);
	while (!ret && (line = conf_lines__next(&lines))) {
		char *s = conf_trim(line);

		ln++;
		if (!*s || *s == '#')
			continue;
		ret = grow(&out, &cap);
		if (!ret)
			ret = parse_rule(&out.r[out.n], s, &out, name, ln, err, err_len);
		if (!ret)
			out.n++;
	}
	if (ret == -ENOMEM)
		conf_fail(err, err_len, name, ln, "out of memory: try again with more");
	conf_lines__free(&lines);
	if (!ret && !out.n)
		ret = conf_fail(err, err_len, name, ln ? ln : 1, "no rules: add lines "
			   "`id | section | condition | advice`");
	if (ret) {
		free(out.r);
		return ret;
	}
	advice_rules__free(rs);
	*rs = out;
	return 0;
}

void advice_rules__free(struct advice_rules *rs)
{
	free(rs->r);
	rs->r = NULL;
	rs->n = 0;
}

const char *advice_rule__id(const struct advice_rules *rs, size_t i)
{
	return i < rs->n ? rs->r[i].id : NULL;
}

static bool term_holds(const struct term *t, const struct advice_obs *o)
{
	double a, b;

	if (t->lhs == M_PARADIGM) {
		bool is = t->value == PARADIGM_VM ? o->paradigm == VFLOW_PARADIGM_FULLVIRT ||
						    o->paradigm == VFLOW_PARADIGM_PARAVIRT
						  : o->paradigm == (enum vflow_paradigm)t->value;

		return t->op == OP_EQ ? is : !is;
	}
	a = metric_value(o, t->lhs);
	b = t->rhs_is_metric ? metric_value(o, t->rhs) : t->value;
	switch (t->op) {
	case OP_LE: return a <= b;
	case OP_GE: return a >= b;
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	case OP_LT: return a < b;
	case OP_GT: return a > b;
	default: return false;
	}
}

size_t advice_eval(const struct advice_rules *rs, const struct advice_obs *o,
		   void (*fn)(void *ctx, const char *id, const char *section, const char *text),
		   void *ctx)
{
	char text[EXPANDED_MAX];
	size_t fired = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct advice_rule *r = &rs->r[i];
		size_t k = 0;

		while (k < r->nt && term_holds(&r->t[k], o))
			k++;
		if (k < r->nt)
			continue;
		fired++;
		expand(r->text, o, text, sizeof(text));
		if (fn)
			fn(ctx, r->id, r->section, text);
	}
	return fired;
}
