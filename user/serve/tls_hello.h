/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a TLS client offers in its ClientHello (RFC 8446 4.1.2, RFC 5246
 * 7.4.1.2): its cipher suites and named groups, in its order. GnuTLS does
 * not expose them, and serve/webtls.h picks the suite from them the way
 * Go does. A pure parser of bytes from the network: fuzzed
 * (fuzz/fuzz_tls_hello.c).
 */
#ifndef VFLOW_TLS_HELLO_H
#define VFLOW_TLS_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* browsers offer about 20 suites, curl and openssl up to 60: the rest are ignored */
#define TLS_HELLO_SUITES_MAX	128
#define TLS_HELLO_GROUPS_MAX	32

struct tls_hello {
	uint16_t suites[TLS_HELLO_SUITES_MAX];
	size_t nr_suites;
	uint16_t groups[TLS_HELLO_GROUPS_MAX];	/* the supported_groups extension */
	size_t nr_groups;
	bool has_groups;
};

/*
 * Parse the body of a ClientHello handshake message (after its 4-byte
 * header). 0, or -EINVAL when it is malformed.
 */
int tls_hello_parse(const uint8_t *msg, size_t len, struct tls_hello *out);

#endif
