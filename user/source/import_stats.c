// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What an import read and skipped, for people (stderr) and for programs
 * (the report's "import" object, docs/vflowd.md).
 */
#include <stdlib.h>
#include <string.h>
#include "source/import_pair.h"

static const char *const key_names[IMPORT_KEY_MAX] = {
	[IMPORT_KEY_THREAD] = "thread", [IMPORT_KEY_CPU] = "cpu", [IMPORT_KEY_COMM] = "comm",
	[IMPORT_KEY_VCPU] = "vcpu", [IMPORT_KEY_NONE] = "none",
};

static const char *const skip_names[IMPORT_SKIP_MAX] = {
	[IMPORT_SKIP_BLANK] = "blank", [IMPORT_SKIP_COMMENT] = "comment",
	[IMPORT_SKIP_LOST] = "lost", [IMPORT_SKIP_OTHER_EVENT] = "other_event",
	[IMPORT_SKIP_BAD_FIELDS] = "bad_fields", [IMPORT_SKIP_UNPARSED] = "unparsed",
};

/* How each skip reads in the text summary. */
static const char *const skip_text[IMPORT_SKIP_MAX] = {
	[IMPORT_SKIP_BLANK] = "blank", [IMPORT_SKIP_COMMENT] = "comments and headers",
	[IMPORT_SKIP_LOST] = "lost-events markers", [IMPORT_SKIP_OTHER_EVENT] = "other events",
	[IMPORT_SKIP_BAD_FIELDS] = "KVM events with unreadable fields",
	[IMPORT_SKIP_UNPARSED] = "not event lines",
};

const char *import_key_name(enum import_key k)
{
	return (unsigned int)k < IMPORT_KEY_MAX ? key_names[k] : "unknown";
}

const char *import_skip_name(enum import_skip why)
{
	return (unsigned int)why < IMPORT_SKIP_MAX ? skip_names[why] : "unknown";
}

void import_stats__skip(struct import_stats *st, enum import_skip why, const char *name,
			size_t name_len)
{
	struct import_skip_name *n;

	st->skipped++;
	st->skipped_by[why]++;
	if (!name)
		return;
	if (name_len >= IMPORT_SKIP_NAME_LEN)
		name_len = IMPORT_SKIP_NAME_LEN - 1;
	for (size_t i = 0; i < st->nr_names; i++) {
		n = &st->names[i];
		if (n->why == why && strlen(n->name) == name_len && !memcmp(n->name, name, name_len)) {
			n->count++;
			return;
		}
	}
	if (st->nr_names == IMPORT_SKIP_NAMES) {
		st->names_other++;
		return;
	}
	n = &st->names[st->nr_names++];
	n->why = why;
	memcpy(n->name, name, name_len);
	n->name[name_len] = '\0';
	n->count = 1;
}

void import_stats__free(struct import_stats *st)
{
	if (!st)
		return;
	free(st->owners);
	st->owners = NULL;
	st->nr_owners = 0;
}

const char *import_stats__owner_name(const struct import_stats *st, __u64 owner)
{
	if (owner < IMPORT_OWNER_SYNTHETIC || owner - IMPORT_OWNER_SYNTHETIC >= st->nr_owners)
		return NULL;
	return st->owners[owner - IMPORT_OWNER_SYNTHETIC].name;
}

const char *import_stats__keys(const struct import_stats *st, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int k = 0; k < IMPORT_KEY_MAX && len; k++) {
		if (!st->by_key[k])
			continue;
		int n = snprintf(buf + off, len - off, "%s%s", off ? "+" : "", key_names[k]);

		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	return off ? buf : "none";
}

/* A name as a JSON string: what a capture names is not ours to trust. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void import_stats__print_text(const struct import_stats *st, const char *what, FILE *f)
{
	char keys[64];
	bool first = true;

	fprintf(f, "vflowd: %s (%s): %lu lines, %lu KVM events, %lu exits (%lu without entry, "
		"%lu of unknown reason), %lu entries without exit; paired by %s\n", what,
		st->format ? st->format : "capture", st->lines, st->events, st->exits,
		st->unpaired_exits, st->unknown_reason_exits, st->unpaired_entries,
		import_stats__keys(st, keys, sizeof(keys)));
	fprintf(f, "vflowd: %s: %lu lines skipped", what, st->skipped);
	for (int w = 0; w < IMPORT_SKIP_MAX; w++) {
		if (!st->skipped_by[w])
			continue;
		fprintf(f, "%s %lu %s", first ? ":" : ",", st->skipped_by[w], skip_text[w]);
		first = false;
		for (size_t i = 0, n = 0; i < st->nr_names; i++)
			if (st->names[i].why == (enum import_skip)w)
				fprintf(f, "%s%s %lu", n++ ? ", " : " (", st->names[i].name,
					st->names[i].count);
		for (size_t i = 0; i < st->nr_names; i++)
			if (st->names[i].why == (enum import_skip)w) {
				fputc(')', f);
				break;
			}
		if (w == IMPORT_SKIP_UNPARSED && st->first_unparsed)
			fprintf(f, " (first: line %lu)", st->first_unparsed);
	}
	if (st->names_other)
		fprintf(f, "; %lu more under other names", st->names_other);
	fputc('\n', f);
	if (st->lost_events)
		fprintf(f, "vflowd: %s: the capture says it lost %lu events: exits around them may be "
			"unpaired\n", what, st->lost_events);
}

void import_stats__print_json(const struct import_stats *st, FILE *f)
{
	fputs("{\"format\":", f);
	json_str(f, st->format ? st->format : "capture");
	fprintf(f, ",\"lines\":%lu,\"events\":%lu,\"exits\":%lu,\"unpaired_exits\":%lu,"
		"\"unknown_reason_exits\":%lu,\"unpaired_entries\":%lu,\"lost_events\":%lu,"
		"\"paired_by\":{", st->lines, st->events, st->exits, st->unpaired_exits,
		st->unknown_reason_exits, st->unpaired_entries, st->lost_events);
	for (int k = 0, n = 0; k < IMPORT_KEY_MAX; k++)
		if (st->by_key[k])
			fprintf(f, "%s\"%s\":%lu", n++ ? "," : "", key_names[k], st->by_key[k]);
	fprintf(f, "},\"skipped\":%lu,\"skipped_by\":{", st->skipped);
	for (int w = 0; w < IMPORT_SKIP_MAX; w++)
		fprintf(f, "%s\"%s\":%lu", w ? "," : "", skip_names[w], st->skipped_by[w]);
	fputs("},\"skipped_names\":[", f);
	for (size_t i = 0; i < st->nr_names; i++) {
		fprintf(f, "%s{\"why\":\"%s\",\"name\":", i ? "," : "", skip_names[st->names[i].why]);
		json_str(f, st->names[i].name);
		fprintf(f, ",\"count\":%lu}", st->names[i].count);
	}
	fprintf(f, "],\"skipped_names_other\":%lu,\"first_unparsed_line\":%lu}", st->names_other,
		st->first_unparsed);
}
