// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A dump played back as a source: its traps up to a cursor, as the engine
 * would have counted them (samples scaled by their period), its cgroups,
 * VMs and sandboxes named from its entity table, its probes as it
 * recorded them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "source/source.h"
#include "record/dumptool.h"
#include "host/sandbox.h"
#include "host/vmident.h"

struct snapshot *source_replay__snapshot(struct source *s, __u64 advance_ns)
{
	const struct dump_info *in = &s->dump->info;
	struct dump_filter f;
	struct snapshot *snap;

	if (advance_ns) {
		s->cursor_ns += advance_ns;
		if (s->cursor_ns >= in->last_ns) {
			s->cursor_ns = in->last_ns;
			snprintf(s->msg, sizeof(s->msg), "end of the dump");
		}
	}
	dump_filter__init(&f);
	f.to_ns = s->cursor_ns;
	snap = dumptool_snapshot(s->dump, &f, true);
	if (!snap) {
		snprintf(s->msg, sizeof(s->msg), "out of memory replaying the dump");
		errno = ENOMEM;
		return NULL;
	}
	snap->ts_ns = s->cursor_ns;
	snap->events = 0;
	for (size_t i = 0; i < s->dump->nr_ev && s->dump->ev[i].ts_ns <= s->cursor_ns; i++)
		snap->events++;
	snap->counters[VFLOW_CNT_RINGBUF_DROP] = in->events_dropped;
	return snap;
}

/* The dump's probes, as it recorded them: "name via live" or "name absent: why". */
static void replay_probes(struct source *s)
{
	const struct dump_info *in = &s->dump->info;

	for (size_t i = 0; i < in->nr_probes && i < DUMP_MAX_PROBES; i++) {
		const char *text = in->probes[i], *sp = strchr(text, ' ');
		struct engine_probe *p = &s->probes[s->nr_probes++];

		snprintf(p->name, sizeof(p->name), "%.*s", sp ? (int)(sp - text) : (int)strlen(text),
			 text);
		p->live = sp && strstr(sp, " live");
		p->via = "replay";
		p->why = p->live ? "" : "absent when recorded";
	}
}

/*
 * A VM or sandbox of the dump's entity table, as the live report named it.
 * The table keeps a name, not what /proc said: a VM's VMM is unknown, a
 * sandbox's kind and role come back from its name (sandbox_from_name).
 */
static int replay_process(struct source *s, const struct dump_entity *en, __u64 at_ns)
{
	struct sandbox_info sb;
	struct vmident vm = { .vmm = VMM_UNKNOWN };

	if (!en->name[0] || !en->id || en->id > (__u32)-1)
		return 0;
	if (!strcmp(en->type, "sandbox")) {
		sandbox_from_name(en->name, &sb);
		return identity__process_seen(&s->ident, (__u32)en->id, &sb, NULL, IDENTITY_FROM_DUMP,
					      at_ns);
	}
	if (!strcmp(en->type, "vm")) {
		snprintf(vm.name, sizeof(vm.name), "%s", en->name);
		return identity__process_seen(&s->ident, (__u32)en->id, NULL, &vm, IDENTITY_FROM_DUMP,
					      at_ns);
	}
	return 0;
}

int source_replay__open(struct source *s, const char *path, char *err, size_t err_len)
{
	struct dump *d;
	int ret = dump_read_file(path, &d, err, err_len);

	if (ret)
		return ret;
	for (size_t i = 0; i < d->damage.nr_problems; i++)
		fprintf(stderr, "%s: %s: %s\n", s->prog, path, d->damage.problems[i]);
	s->dump = d;
	ret = cgroup_resolver__init_offline(&s->cg);
	for (size_t i = 0; !ret && i < d->nr_ents; i++) {
		const struct dump_entity *en = &d->ents[i];

		if (en->kind == DUMP_ENT_PROC) {
			ret = replay_process(s, en, d->info.first_ns);
			continue;
		}
		if (en->kind != DUMP_ENT_CGROUP || !en->id)
			continue;
		/* named in the dump: as it was when written; unnamed: it was gone by then */
		if (en->path[0])
			ret = cgroup_resolver__set(&s->cg, en->id, en->path) ?:
			      identity__cgroup_seen(&s->ident, en->id, en->path, IDENTITY_FROM_DUMP,
						    d->info.first_ns) ?:
			      /* what its runtime called it, as the dump says */
			      identity__set_names(&s->ident, en->id, &en->names);
		else
			ret = identity__cgroup_removed(&s->ident, en->id, d->info.first_ns);
	}
	if (ret) {
		snprintf(err, err_len, "out of memory");
		return ret;
	}
	replay_probes(s);
	if (!d->nr_ev) {
		snprintf(err, err_len, "%s holds no events: nothing to replay", path);
		return -ENODATA;
	}
	s->cursor_ns = d->info.first_ns ? d->info.first_ns : d->ev[0].ts_ns;
	if (!d->info.last_ns)
		d->info.last_ns = d->ev[d->nr_ev - 1].ts_ns;
	s->origin_ns = s->cursor_ns;
	return 0;
}
