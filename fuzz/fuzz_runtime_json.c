// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The JSON vflow reads from container runtimes (host/runtime_json.h): an
 * answer on a runtime's socket, whoever listens there, and state files
 * under the runtimes' folders. Every answer must be a terminated string
 * of valid UTF-8 without control bytes (names reach terminals and
 * exporter labels), whatever the body; the return is 0, -ENOENT or
 * -EBADMSG.
 *
 * Input: a selector byte, then the body.
 *   '0' runtime_json_inspect (Docker Engine API, podman's, config.v2.json)
 *   '1' runtime_json_oci_spec (a bundle's config.json)
 *   '2' runtime_json_storage (containers.json) for container STORAGE_ID
 *   '3' containers.json, then a bundle: two bodies split at the first
 *       0x1e (ASCII RS), the second adding to the first as in the state
 *       of podman and CRI-O
 */
#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "host/runtime.h"
#include "host/runtime_json.h"

#define BODY_MAX	(256 * 1024)	/* past what any seed needs; the resolver allows 1 MiB */
#define SEP		0x1e
/* web-1 of tests/fixtures/runtime/podman_storage_containers.json */
#define STORAGE_ID	"eee75bd088b51deee3d01d02d6be2725946c2663a893980090e8bf55bcb0fee6"
#define DISPLAY_LEN	(2 * RUNTIME_NAME_LEN)

/* The message is the first line the suite's report shows. */
#define FAIL(...)							\
	do {								\
		fprintf(stderr, "fuzz_runtime_json: " __VA_ARGS__);	\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

/* glibc's UTF-8 decoder, not the code under test, says what is text. */
static void check_text(const char *what, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	mbstate_t st = {};

	if (n == cap)
		FAIL("%s is not terminated", what);
	for (size_t i = 0; i < n;) {
		wchar_t w;
		size_t len = mbrtowc(&w, s + i, n - i, &st);

		if (len == (size_t)-1 || len == (size_t)-2 || !len)
			FAIL("%s \"%s\" is not UTF-8 at byte %zu", what, s, i);
		if (w < ' ' || (w >= 0x7f && w <= 0x9f))
			FAIL("%s \"%s\" has control character U+%04X", what, s, (unsigned int)w);
		i += len;
	}
}

static void check_names(const struct runtime_names *n, int err)
{
	char display[DISPLAY_LEN];

	if (err && err != -ENOENT && err != -EBADMSG)
		FAIL("returned %d: only 0, -ENOENT, -EBADMSG", err);
	check_text("name", n->name, sizeof(n->name));
	check_text("image", n->image, sizeof(n->image));
	check_text("pod", n->pod, sizeof(n->pod));
	check_text("namespace", n->pod_namespace, sizeof(n->pod_namespace));
	check_text("container", n->pod_container, sizeof(n->pod_container));
	if (!err && !n->name[0] && !n->pod[0])
		FAIL("named a container with neither a name nor a pod");
	for (int rt = 0; rt < WORKLOAD_RT_MAX; rt++)
		check_text("display", runtime_names_display((enum workload_runtime)rt, n, display,
							    sizeof(display)), sizeof(display));
	for (int l = 0; l < RUNTIME_LABEL_MAX; l++)
		(void)strlen(runtime_label_value(n, (enum runtime_label)l));
}

/* The bundle adds to what containers.json said, and replaces none of it. */
static void add_bundle(struct runtime_names *n, const char *body, size_t len)
{
	struct runtime_names before = *n;
	int rc = runtime_json_oci_spec(body, len, n);

	if (rc && rc != -ENOENT && rc != -EBADMSG)
		FAIL("returned %d: only 0, -ENOENT, -EBADMSG", rc);
	if (strcmp(before.name, n->name) || (before.image[0] && strcmp(before.image, n->image)))
		FAIL("the bundle replaced \"%s\" (%s) with \"%s\" (%s)", before.name, before.image,
		     n->name, n->image);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		FAIL("no C.UTF-8 locale: the UTF-8 check needs it");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runtime_names n = {};
	const char *second;
	size_t len;
	char *body;
	int err;

	if (!size || size > BODY_MAX)
		return 0;
	/* a heap copy of exactly the body: ASan sees any read past it */
	len = size - 1;
	body = malloc(len ? len : 1);
	if (!body)
		return 0;
	memcpy(body, data + 1, len);
	switch (data[0] % 4) {
	case 0:
		err = runtime_json_inspect(body, len, &n);
		break;
	case 1:
		err = runtime_json_oci_spec(body, len, &n);
		break;
	case 2:
		err = runtime_json_storage(body, len, STORAGE_ID, &n);
		break;
	default:
		second = memchr(body, SEP, len);
		if (!second) {
			err = runtime_json_storage(body, len, STORAGE_ID, &n);
			break;
		}
		err = runtime_json_storage(body, (size_t)(second - body), STORAGE_ID, &n);
		check_names(&n, err);
		if (!err)
			add_bundle(&n, second + 1, len - (size_t)(second - body) - 1);
		break;
	}
	check_names(&n, err);
	free(body);
	return 0;
}
