/* Native passes over a column of units, each in place of several polars passes (agenda.engine.scan):
 * token strings and word counts of raw text, every item's plain terms counted at once, and the
 * screens (sets of literals) of patterns and exclusions. Columns come through the Arrow C stream
 * interface (string view, string or large string) without a copy; the passes run without the GIL.
 *
 * Term counts. A token string is agenda's normalised text (normalize.add_tokens): tokens
 * separated by runs of spaces, lower-cased. A term is a sequence of token patterns; a token
 * pattern is a list of fragments joined by `*` (one fragment: the token itself; more: the token
 * starts with the first, ends with the last and holds the others in order between). Within an item, terms are tried in
 * the item's order at each token, the first that matches is counted and the item's next match
 * starts after it: the leftmost-first, non-overlapping count of the item's alternation
 * (match.term_regex) that the regex path gives.
 *
 * Portability: strings and positions in them are 64-bit (size_t); the byte tricks (eight bytes
 * of a string read as one word, their lowest first) need a little-endian machine, so a big-endian
 * build stops here and agenda runs on polars alone there; bit scans are the compiler's own
 * (GCC, Clang, MSVC) or plain C (elsewhere, or with -DAGENDA_PORTABLE_BITS, as CI's sanitizer
 * build has it, so that both are tested).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(_MSC_VER)
#include <intrin.h>
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "agenda/engine/_scan.c needs a little-endian machine; without it agenda runs on polars alone"
#endif

/* The index of the lowest set bit of x (x is not 0). */
static inline unsigned ctz32(uint32_t x) {
#if !defined(AGENDA_PORTABLE_BITS) && (defined(__GNUC__) || defined(__clang__))
    return (unsigned)__builtin_ctz(x);
#elif !defined(AGENDA_PORTABLE_BITS) && defined(_MSC_VER)
    unsigned long i;
    _BitScanForward(&i, x);
    return (unsigned)i;
#else
    unsigned n = 0;
    while (!(x & 1)) x >>= 1, n++;
    return n;
#endif
}

static inline unsigned ctz64(uint64_t x) {
#if !defined(AGENDA_PORTABLE_BITS) && (defined(__GNUC__) || defined(__clang__))
    return (unsigned)__builtin_ctzll(x);
#elif !defined(AGENDA_PORTABLE_BITS) && defined(_MSC_VER) && (defined(_M_X64) || defined(_M_ARM64))
    unsigned long i;
    _BitScanForward64(&i, x);
    return (unsigned)i;
#else
    uint32_t low = (uint32_t)x;
    return low ? ctz32(low) : 32 + ctz32((uint32_t)(x >> 32));
#endif
}

/* Arrow C data interface (https://arrow.apache.org/docs/format/CDataInterface.html). */
struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};

/* One string of an Arrow array of strings (view, utf8 or large utf8); 0 when null. */
static int string_at(char format, const struct ArrowArray *a, int64_t r, const char **s, size_t *len) {
    int64_t i = r + a->offset;
    const uint8_t *valid = a->n_buffers > 0 ? a->buffers[0] : NULL;
    if (valid && !(valid[i >> 3] & (1 << (i & 7)))) return 0;
    if (format == 'v') {
        const uint8_t *view = (const uint8_t *)a->buffers[1] + 16 * i;
        int32_t vlen, buf, off;
        memcpy(&vlen, view, 4);
        *len = (size_t)(uint32_t)vlen;
        if (vlen <= 12) {
            *s = (const char *)view + 4;
        } else {
            memcpy(&buf, view + 8, 4);
            memcpy(&off, view + 12, 4);
            *s = (const char *)a->buffers[2 + buf] + off;
        }
    } else if (format == 'u') {
        const int32_t *offs = a->buffers[1];
        *s = (const char *)a->buffers[2] + offs[i];
        *len = (size_t)(uint32_t)(offs[i + 1] - offs[i]);
    } else {
        const int64_t *offs = a->buffers[1];
        *s = (const char *)a->buffers[2] + offs[i];
        *len = (size_t)(offs[i + 1] - offs[i]);
    }
    return 1;
}

/* The stream of strings in an Arrow PyCapsule, and its format ('v' view, 'u' utf8, 'U' large utf8);
 * NULL with a Python error set (the stream released) when it cannot be read or holds no strings. */
static struct ArrowArrayStream *string_stream(PyObject *capsule, char *format) {
    struct ArrowArrayStream *stream = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (!stream) return NULL;
    if (!stream->release) {
        PyErr_SetString(PyExc_ValueError, "the Arrow stream was already consumed");
        return NULL;
    }
    struct ArrowSchema schema;
    if (stream->get_schema(stream, &schema)) {
        stream->release(stream);
        PyErr_SetString(PyExc_RuntimeError, "cannot read the Arrow stream's schema");
        return NULL;
    }
    int supported = schema.format && (strcmp(schema.format, "vu") == 0 || strcmp(schema.format, "u") == 0 ||
                                      strcmp(schema.format, "U") == 0);
    *format = supported ? schema.format[0] : 0;
    if (schema.release) schema.release(&schema);
    if (!supported) {
        stream->release(stream);
        PyErr_SetString(PyExc_TypeError, "the column is not of strings");
        return NULL;
    }
    return stream;
}

/* Whether a row count given from Python is one (0 or more); else a Python error is set. */
static int rows_ok(Py_ssize_t n_rows) {
    if (n_rows >= 0) return 1;
    PyErr_SetString(PyExc_ValueError, "n_rows is negative");
    return 0;
}

/* What to do with one array of the stream, whose first row is row0 of the column: 0, or -1 when
 * out of memory. Runs without the GIL. */
typedef int (*Visit)(void *ctx, char format, const struct ArrowArray *a, size_t row0);

/* Visit each array of a stream of n_rows strings, then release the stream: 0, or -1 with a
 * Python error set. */
static int each_array(struct ArrowArrayStream *stream, char format, Py_ssize_t n_rows, Visit visit, void *ctx) {
    int failed = 0; /* 1: out of memory, 2: unreadable, 3: another length */
    size_t row = 0;
    while (!failed) {
        struct ArrowArray array;
        if (stream->get_next(stream, &array)) {
            failed = 2;
            break;
        }
        if (!array.release) break;
        if (row + (size_t)array.length > (size_t)n_rows) {
            failed = 3;
        } else {
            Py_BEGIN_ALLOW_THREADS failed = visit(ctx, format, &array, row) ? 1 : 0;
            Py_END_ALLOW_THREADS
        }
        row += (size_t)array.length;
        array.release(&array);
    }
    stream->release(stream);
    if (!failed && row != (size_t)n_rows) failed = 3;
    if (failed == 1) PyErr_NoMemory();
    else if (failed == 2) PyErr_SetString(PyExc_ValueError, "cannot read the Arrow stream");
    else if (failed) PyErr_SetString(PyExc_ValueError, "the column has another length");
    return failed ? -1 : 0;
}

typedef struct {
    uint32_t first; /* index of the first fragment in the scanner's fragment arrays */
    uint32_t n;     /* fragments */
} TokenPattern;

typedef struct {
    uint32_t item;
    uint32_t first; /* index of the first token pattern */
    uint32_t n;     /* token patterns */
} Term;

#define SIG_BITS 16 /* 8 KB: the filter stays in the L1 cache */

static inline uint32_t sig_bit(uint32_t four) { return (uint32_t)(four * 0x9E3779B1U) >> (32 - SIG_BITS); }

/* The first four bytes of the token at pos, spaces after its end (pos holds no space). */
static inline uint32_t first_four(const char *text, size_t len, size_t pos) {
    uint32_t v;
    if (len - pos >= 4) {
        memcpy(&v, text + pos, 4);
    } else { /* the end of the string: a short tail, spaces after it */
        char tail[4] = {' ', ' ', ' ', ' '};
        memcpy(tail, text + pos, len - pos);
        memcpy(&v, tail, 4);
    }
    uint32_t x = v ^ 0x20202020U; /* zero bytes where v has spaces */
    uint32_t zero = (x - 0x01010101U) & ~x & 0x80808080U; /* exact up to the first zero byte */
    if (zero) {
        uint32_t keep = (1U << (ctz32(zero) & ~7U)) - 1; /* the bytes before the first space */
        v = (v & keep) | (0x20202020U & ~keep);
    }
    return v;
}

typedef struct {
    uint32_t prefix, n_prefix; /* terms whose first token starts with this node's bytes */
    uint32_t exact, n_exact;   /* terms whose first token is this node's bytes */
} Node;

typedef struct {
    uint32_t n_items;
    uint32_t n_terms;
    Term *terms;
    TokenPattern *patterns;
    uint32_t *frag_off, *frag_len;
    char *pool;
    /* A byte trie of the terms' first tokens (the whole token, or its fragment before the first
     * `*`): nodes, and edges in an open-addressing table keyed by (node, byte). */
    Node *nodes;
    uint32_t n_nodes;
    uint64_t *edge_keys; /* node << 8 | byte, plus 1: 0 is an empty slot */
    uint32_t *edge_child;
    uint64_t edge_mask;
    uint32_t *cands; /* the terms of each node, in term order */
    /* Per term, a filter on its second token: its first four bytes (spaces after its end), under
     * mask2 (0 for a term of one token, or a second token that starts with `*`). */
    uint32_t *key2, *mask2;
    /* A filter on the first four bytes of a token (spaces after its end): bit sig_bit(bytes) is set
     * when some first token may start so; first fragments shorter than that use short_starts. */
    uint8_t sig[1 << (SIG_BITS - 3)];
    uint8_t short_starts[8192]; /* bit (b0 << 8 | b1) */
    int has_short;
} Scanner;

static inline uint64_t edge_slot(uint64_t key, uint64_t mask) { return (key * 0x9E3779B97F4A7C15ULL >> 17) & mask; }

static inline uint32_t child(const Scanner *sc, uint32_t node, unsigned char byte) {
    uint64_t key = ((uint64_t)node << 8 | byte) + 1;
    for (uint64_t i = edge_slot(key, sc->edge_mask);; i = (i + 1) & sc->edge_mask) {
        if (sc->edge_keys[i] == key) return sc->edge_child[i];
        if (!sc->edge_keys[i]) return 0; /* the root is nobody's child */
    }
}

static void set_bit(uint8_t *bits, uint32_t bit) { bits[bit >> 3] |= (uint8_t)(1 << (bit & 7)); }

static inline int has_bit(const uint8_t *bits, uint32_t bit) { return bits[bit >> 3] >> (bit & 7) & 1; }

/* Mark where a term's first token may start: its first four bytes, or its first two when its
 * first fragment (a prefix) is shorter than four. */
static void mark_start(Scanner *sc, const char *key, uint32_t len, int exact) {
    if (exact || len >= 4) {
        set_bit(sc->sig, sig_bit(first_four(key, len, 0)));
    } else if (len >= 2) {
        set_bit(sc->short_starts, (uint32_t)(unsigned char)key[0] << 8 | (unsigned char)key[1]);
        sc->has_short = 1;
    } else {
        for (uint32_t b1 = 0; b1 < 256; b1++) set_bit(sc->short_starts, (uint32_t)(unsigned char)key[0] << 8 | b1);
        sc->has_short = 1;
    }
}

static void scanner_free(Scanner *sc) {
    if (!sc) return;
    free(sc->terms);
    free(sc->patterns);
    free(sc->frag_off);
    free(sc->frag_len);
    free(sc->pool);
    free(sc->nodes);
    free(sc->edge_keys);
    free(sc->edge_child);
    free(sc->cands);
    free(sc->key2);
    free(sc->mask2);
    free(sc);
}

static void capsule_free(PyObject *capsule) { scanner_free(PyCapsule_GetPointer(capsule, "agenda.engine._scan.Scanner")); }

/* The trie of the terms' first tokens; node_of[i] is the node where term i's key ends. */
static int trie_build(Scanner *sc, uint32_t *node_of) {
    size_t max_nodes = 1;
    for (uint32_t i = 0; i < sc->n_terms; i++) max_nodes += sc->frag_len[sc->patterns[sc->terms[i].first].first];
    uint64_t size = 16;
    while (size < 2 * max_nodes) size <<= 1;
    sc->nodes = calloc(max_nodes, sizeof(Node));
    sc->edge_keys = calloc(size, sizeof(uint64_t));
    sc->edge_child = calloc(size, sizeof(uint32_t));
    sc->cands = malloc(sizeof(uint32_t) * (sc->n_terms ? sc->n_terms : 1));
    if (!sc->nodes || !sc->edge_keys || !sc->edge_child || !sc->cands) return -1;
    sc->edge_mask = size - 1;
    sc->n_nodes = 1;
    for (uint32_t i = 0; i < sc->n_terms; i++) {
        const TokenPattern *head = &sc->patterns[sc->terms[i].first];
        const unsigned char *key = (const unsigned char *)sc->pool + sc->frag_off[head->first];
        uint32_t len = sc->frag_len[head->first], node = 0;
        for (uint32_t b = 0; b < len; b++) {
            uint32_t next = child(sc, node, key[b]);
            if (!next) {
                uint64_t ek = ((uint64_t)node << 8 | key[b]) + 1, j = edge_slot(ek, sc->edge_mask);
                while (sc->edge_keys[j]) j = (j + 1) & sc->edge_mask;
                sc->edge_keys[j] = ek;
                sc->edge_child[j] = next = sc->n_nodes++;
            }
            node = next;
        }
        node_of[i] = node;
        if (head->n == 1) sc->nodes[node].n_exact++;
        else sc->nodes[node].n_prefix++;
        mark_start(sc, (const char *)key, len, head->n == 1);
    }
    uint32_t used = 0;
    for (uint32_t n = 0; n < sc->n_nodes; n++) {
        sc->nodes[n].prefix = used;
        used += sc->nodes[n].n_prefix;
        sc->nodes[n].exact = used;
        used += sc->nodes[n].n_exact;
        sc->nodes[n].n_prefix = sc->nodes[n].n_exact = 0; /* counted again as filled */
    }
    for (uint32_t i = 0; i < sc->n_terms; i++) {
        Node *node = &sc->nodes[node_of[i]];
        if (sc->patterns[sc->terms[i].first].n == 1) sc->cands[node->exact + node->n_exact++] = i;
        else sc->cands[node->prefix + node->n_prefix++] = i;
    }
    return 0;
}

/* key2 and mask2 of every term. */
static int second_filter(Scanner *sc) {
    sc->key2 = calloc(sc->n_terms ? sc->n_terms : 1, sizeof(uint32_t));
    sc->mask2 = calloc(sc->n_terms ? sc->n_terms : 1, sizeof(uint32_t));
    if (!sc->key2 || !sc->mask2) return -1;
    for (uint32_t i = 0; i < sc->n_terms; i++) {
        if (sc->terms[i].n < 2) continue;
        const TokenPattern *second = &sc->patterns[sc->terms[i].first + 1];
        uint32_t len = sc->frag_len[second->first];
        const char *key = sc->pool + sc->frag_off[second->first];
        if (second->n == 1) { /* the whole token */
            sc->key2[i] = first_four(key, len, 0);
            sc->mask2[i] = 0xFFFFFFFFU;
        } else if (len) { /* a token that starts with key: its first bytes, up to four */
            uint32_t n = len < 4 ? len : 4;
            memcpy(&sc->key2[i], key, n);
            sc->mask2[i] = n == 4 ? 0xFFFFFFFFU : (1U << (8 * n)) - 1;
        }
    }
    return 0;
}

static PyObject *scan_compile(PyObject *self, PyObject *args) {
    unsigned int n_items;
    PyObject *terms;
    if (!PyArg_ParseTuple(args, "IO!", &n_items, &PyList_Type, &terms)) return NULL;
    Py_ssize_t n_terms = PyList_GET_SIZE(terms);
    Scanner *sc = calloc(1, sizeof(Scanner));
    if (!sc) return PyErr_NoMemory();
    sc->n_items = n_items;
    sc->n_terms = (uint32_t)n_terms;
    /* First pass: sizes. Each term is (item, [[fragment bytes, ...], ...]). */
    Py_ssize_t n_patterns = 0, n_frags = 0, pool_size = 0;
    for (Py_ssize_t i = 0; i < n_terms; i++) {
        PyObject *term = PyList_GET_ITEM(terms, i);
        PyObject *pats;
        unsigned int item;
        if (!PyTuple_Check(term) || !PyArg_ParseTuple(term, "IO!", &item, &PyList_Type, &pats) || item >= n_items ||
            PyList_GET_SIZE(pats) == 0) {
            scanner_free(sc);
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "a term is (item, [[fragment, ...], ...])");
            return NULL;
        }
        n_patterns += PyList_GET_SIZE(pats);
        for (Py_ssize_t p = 0; p < PyList_GET_SIZE(pats); p++) {
            PyObject *frags = PyList_GET_ITEM(pats, p);
            if (!PyList_Check(frags) || PyList_GET_SIZE(frags) == 0) {
                scanner_free(sc);
                PyErr_SetString(PyExc_ValueError, "a token pattern is a non-empty list of fragments");
                return NULL;
            }
            n_frags += PyList_GET_SIZE(frags);
            for (Py_ssize_t f = 0; f < PyList_GET_SIZE(frags); f++) {
                PyObject *frag = PyList_GET_ITEM(frags, f);
                if (!PyBytes_Check(frag)) {
                    scanner_free(sc);
                    PyErr_SetString(PyExc_TypeError, "a fragment is bytes");
                    return NULL;
                }
                pool_size += PyBytes_GET_SIZE(frag);
            }
        }
    }
    if (pool_size >= UINT32_MAX || n_frags >= UINT32_MAX) {
        scanner_free(sc);
        PyErr_SetString(PyExc_ValueError, "too many terms");
        return NULL;
    }
    sc->terms = malloc(sizeof(Term) * (n_terms ? n_terms : 1));
    sc->patterns = malloc(sizeof(TokenPattern) * (n_patterns ? n_patterns : 1));
    sc->frag_off = malloc(sizeof(uint32_t) * (n_frags ? n_frags : 1));
    sc->frag_len = malloc(sizeof(uint32_t) * (n_frags ? n_frags : 1));
    sc->pool = malloc(pool_size ? pool_size : 1);
    uint32_t *node_of = malloc(sizeof(uint32_t) * (n_terms ? n_terms : 1));
    if (!sc->terms || !sc->patterns || !sc->frag_off || !sc->frag_len || !sc->pool || !node_of) {
        free(node_of);
        scanner_free(sc);
        return PyErr_NoMemory();
    }
    uint32_t pi = 0, fi = 0, pool_used = 0;
    for (Py_ssize_t i = 0; i < n_terms; i++) {
        PyObject *term = PyList_GET_ITEM(terms, i);
        PyObject *pats = PyTuple_GET_ITEM(term, 1);
        sc->terms[i].item = (uint32_t)PyLong_AsUnsignedLong(PyTuple_GET_ITEM(term, 0));
        sc->terms[i].first = pi;
        sc->terms[i].n = (uint32_t)PyList_GET_SIZE(pats);
        for (Py_ssize_t p = 0; p < PyList_GET_SIZE(pats); p++) {
            PyObject *frags = PyList_GET_ITEM(pats, p);
            sc->patterns[pi].first = fi;
            sc->patterns[pi].n = (uint32_t)PyList_GET_SIZE(frags);
            pi++;
            for (Py_ssize_t f = 0; f < PyList_GET_SIZE(frags); f++) {
                PyObject *frag = PyList_GET_ITEM(frags, f);
                uint32_t len = (uint32_t)PyBytes_GET_SIZE(frag);
                memcpy(sc->pool + pool_used, PyBytes_AS_STRING(frag), len);
                sc->frag_off[fi] = pool_used;
                sc->frag_len[fi] = len;
                pool_used += len;
                fi++;
            }
        }
        const TokenPattern *head = &sc->patterns[sc->terms[i].first];
        if (sc->frag_len[head->first] == 0) {
            free(node_of);
            scanner_free(sc);
            PyErr_SetString(PyExc_ValueError, "a term must start with a literal");
            return NULL;
        }
    }
    int failed = trie_build(sc, node_of) || second_filter(sc);
    free(node_of);
    if (failed) {
        scanner_free(sc);
        return PyErr_NoMemory();
    }
    PyObject *capsule = PyCapsule_New(sc, "agenda.engine._scan.Scanner", capsule_free);
    if (!capsule) scanner_free(sc);
    return capsule;
}

/* Whether token t (len bytes) matches a token pattern. */
static int pattern_matches(const Scanner *sc, const TokenPattern *p, const char *t, size_t len) {
    const char *pool = sc->pool;
    uint32_t f0 = p->first;
    if (p->n == 1) return sc->frag_len[f0] == len && memcmp(pool + sc->frag_off[f0], t, len) == 0;
    size_t head = sc->frag_len[f0], tail = sc->frag_len[f0 + p->n - 1];
    if (head + tail > len) return 0;
    if (memcmp(pool + sc->frag_off[f0], t, head) != 0) return 0;
    if (memcmp(pool + sc->frag_off[f0 + p->n - 1], t + len - tail, tail) != 0) return 0;
    /* Middle fragments in order, each at its leftmost place, within the bytes between. */
    size_t at = head, end = len - tail;
    for (uint32_t f = f0 + 1; f < f0 + p->n - 1; f++) {
        size_t flen = sc->frag_len[f];
        const char *frag = pool + sc->frag_off[f];
        size_t found = SIZE_MAX;
        for (size_t s = at; s + flen <= end; s++)
            if (memcmp(t + s, frag, flen) == 0) {
                found = s;
                break;
            }
        if (found == SIZE_MAX) return 0;
        at = found + flen;
    }
    return 1;
}

/* The batch's vocabulary: every token type seen, each resolved once to the terms (in term order)
 * whose first token pattern it matches. A token is then a hash lookup, however many terms there
 * are; the byte trie is walked once per type, not once per token. */
typedef struct {
    uint32_t hash; /* 0: an empty slot */
    uint32_t len;  /* the type's bytes, at off in the pool */
    uint32_t off;
    uint32_t cand; /* in the vocabulary's cands: how many terms, then the terms */
} TypeSlot;

typedef struct {
    TypeSlot *slots;
    size_t mask, used;
    char *pool;
    size_t pool_used, pool_cap;
    uint32_t *cands;
    size_t cands_used, cands_cap;
} Vocab;

typedef struct {
    uint32_t *cand;
    size_t cap_cand;
    size_t *next_free; /* per item: the byte offset a next match may start at */
    Vocab vocab;
} Scratch;

static void vocab_free(Vocab *v) {
    free(v->slots);
    free(v->pool);
    free(v->cands);
}

/* buf (of *cap elements of size bytes) with room for need elements: buf itself, or a grown copy
 * (*cap updated); NULL when out of memory (buf is then left as it was). need is at least 1. */
static void *grow(void *buf, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return buf;
    size_t cap2 = *cap ? *cap : 1024;
    while (cap2 < need) cap2 *= 2;
    void *grown = realloc(buf, cap2 * size);
    if (grown) *cap = cap2;
    return grown;
}

static int add_cands(Scratch *w, size_t *n, const uint32_t *cands, uint32_t count) {
    if (!count) return 0;
    uint32_t *cand = grow(w->cand, &w->cap_cand, *n + count, sizeof(uint32_t));
    if (!cand) return -1;
    w->cand = cand;
    memcpy(w->cand + *n, cands, sizeof(uint32_t) * count);
    *n += count;
    return 0;
}

static inline uint64_t load64(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Bit 7 of each byte set where the byte is not a space. */
static inline uint64_t non_space(uint64_t v) {
    const uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL;
    uint64_t x = v ^ 0x2020202020202020ULL;
    return (((x & low7) + low7) | x) & ~low7;
}

static inline size_t token_end(const char *text, size_t len, size_t at) {
    for (; at + 8 <= len; at += 8) {
        uint64_t spaces = ~non_space(load64(text + at)) & 0x8080808080808080ULL;
        if (spaces) return at + (ctz64(spaces) >> 3);
    }
    while (at < len && text[at] != ' ') at++;
    return at;
}

/* A hash of a token's bytes, never 0. */
static inline uint32_t token_hash(const char *s, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        h = (h ^ load64(s + i)) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
    }
    if (i < n) {
        uint64_t v = 0;
        memcpy(&v, s + i, n - i);
        h = (h ^ v) * 0xC4CEB9FE1A85EC53ULL;
    }
    h ^= h >> 29;
    return (uint32_t)(h >> 32) | 1;
}

/* The terms whose first token pattern token tok (tlen bytes) matches, in term order, into w->cand. */
static int resolve_type(const Scanner *sc, Scratch *w, const char *tok, size_t tlen, size_t *nc) {
    uint32_t node = 0;
    *nc = 0;
    for (size_t b = 0; b < tlen; b++) {
        node = child(sc, node, (unsigned char)tok[b]);
        if (!node) break;
        const Node *n = &sc->nodes[node];
        if (add_cands(w, nc, sc->cands + n->prefix, n->n_prefix)) return -1;
        if (b + 1 == tlen && add_cands(w, nc, sc->cands + n->exact, n->n_exact)) return -1;
    }
    size_t kept = 0;
    for (size_t c = 0; c < *nc; c++)
        if (pattern_matches(sc, &sc->patterns[sc->terms[w->cand[c]].first], tok, tlen)) w->cand[kept++] = w->cand[c];
    *nc = kept;
    for (size_t c = 1; c < kept; c++) /* a few candidates: insertion sort into term order */
        for (size_t d = c; d > 0 && w->cand[d - 1] > w->cand[d]; d--) {
            uint32_t t = w->cand[d];
            w->cand[d] = w->cand[d - 1];
            w->cand[d - 1] = t;
        }
    return 0;
}

static int vocab_rehash(Vocab *v) {
    size_t size = v->slots ? 2 * (v->mask + 1) : 1 << 14;
    TypeSlot *slots = calloc(size, sizeof(TypeSlot));
    if (!slots) return -1;
    if (v->slots)
        for (size_t i = 0; i <= v->mask; i++) {
            if (!v->slots[i].hash) continue;
            size_t j = v->slots[i].hash & (size - 1);
            while (slots[j].hash) j = (j + 1) & (size - 1);
            slots[j] = v->slots[i];
        }
    free(v->slots);
    v->slots = slots;
    v->mask = size - 1;
    return 0;
}

/* Whether a and b hold the same n bytes: most tokens are short, shorter than a call of memcmp. */
static inline int same_bytes(const char *a, const char *b, size_t n) {
    if (n > 16) return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* The terms whose first token pattern the token tok (tlen bytes) matches: how many, then the
 * terms, in term order; resolved on the token type's first sight. NULL when out of memory. */
static const uint32_t *type_cands(const Scanner *sc, Scratch *w, const char *tok, size_t tlen) {
    Vocab *v = &w->vocab;
    uint32_t h = token_hash(tok, tlen);
    size_t i = h & v->mask;
    for (;; i = (i + 1) & v->mask) {
        const TypeSlot *slot = &v->slots[i];
        if (!slot->hash) break;
        if (slot->hash == h && slot->len == tlen && same_bytes(v->pool + slot->off, tok, tlen))
            return v->cands + slot->cand;
    }
    size_t nc;
    if (tlen >= UINT32_MAX || resolve_type(sc, w, tok, tlen, &nc)) return NULL;
    if (v->pool_used + tlen >= UINT32_MAX || v->cands_used + nc + 1 >= UINT32_MAX) return NULL;
    char *pool = grow(v->pool, &v->pool_cap, v->pool_used + tlen, 1);
    if (!pool) return NULL;
    v->pool = pool;
    uint32_t *cands = grow(v->cands, &v->cands_cap, v->cands_used + nc + 1, sizeof(uint32_t));
    if (!cands) return NULL;
    v->cands = cands;
    if (2 * (v->used + 1) > v->mask + 1) {
        if (vocab_rehash(v)) return NULL;
        i = h & v->mask;
        while (v->slots[i].hash) i = (i + 1) & v->mask;
    }
    TypeSlot *slot = &v->slots[i];
    slot->hash = h;
    slot->len = (uint32_t)tlen;
    slot->off = (uint32_t)v->pool_used;
    slot->cand = (uint32_t)v->cands_used;
    memcpy(v->pool + v->pool_used, tok, tlen);
    v->cands[v->cands_used] = (uint32_t)nc;
    if (nc) memcpy(v->cands + v->cands_used + 1, w->cand, nc * sizeof(uint32_t));
    v->pool_used += tlen;
    v->cands_used += nc + 1;
    v->used++;
    return v->cands + slot->cand;
}

/* Count the terms that start at the token at pos; the item's next match starts after each. */
static int match_at(const Scanner *sc, Scratch *w, const char *text, size_t len, size_t pos, uint32_t *counts) {
    size_t end = token_end(text, len, pos);
    const uint32_t *cands = type_cands(sc, w, text + pos, end - pos);
    if (!cands) return -1;
    if (!cands[0]) return 0;
    size_t second = end;
    while (second < len && text[second] == ' ') second++;
    uint32_t four2 = second < len ? first_four(text, len, second) : 0x20202020U;
    for (uint32_t c = 1; c <= cands[0]; c++) {
        uint32_t t = cands[c];
        if ((four2 ^ sc->key2[t]) & sc->mask2[t]) continue;
        const Term *term = &sc->terms[t];
        if (w->next_free[term->item] > pos) continue;
        int ok = 1;
        size_t last = end;
        for (uint32_t p = 1; ok && p < term->n; p++) {
            size_t next = last;
            while (next < len && text[next] == ' ') next++;
            last = token_end(text, len, next);
            ok = next < len && pattern_matches(sc, &sc->patterns[term->first + p], text + next, last - next);
        }
        if (ok) {
            counts[term->item]++;
            w->next_free[term->item] = last;
        }
    }
    return 0;
}

/* Count the terms of every item in one token string; counts[item] += hits. Tokens are
 * found eight bytes at a time, and only those whose first bytes may start some term are looked up. */
static int scan_string(const Scanner *sc, Scratch *w, const char *text, size_t len, uint32_t *counts) {
    for (uint32_t it = 0; it < sc->n_items; it++) w->next_free[it] = 0;
    uint64_t before = 0; /* bit 7: the byte before this word is not a space */
    for (size_t base = 0; base < len; base += 8) {
        uint64_t v;
        if (base + 8 <= len) {
            v = load64(text + base);
        } else {
            char tail[8];
            memset(tail, ' ', 8);
            memcpy(tail, text + base, len - base);
            v = load64(tail);
        }
        uint64_t here = non_space(v);
        uint64_t starts = here & ~((here << 8) | before);
        before = here >> 56;
        while (starts) {
            size_t pos = base + (ctz64(starts) >> 3);
            starts &= starts - 1;
            if (!has_bit(sc->sig, sig_bit(first_four(text, len, pos))) &&
                !(sc->has_short && pos + 1 < len &&
                  has_bit(sc->short_starts, (uint32_t)(unsigned char)text[pos] << 8 | (unsigned char)text[pos + 1])))
                continue;
            if (match_at(sc, w, text, len, pos, counts)) return -1;
        }
    }
    return 0;
}

/* Rows of one Arrow array of strings: view, utf8 or large utf8. */
typedef struct {
    const Scanner *sc;
    Scratch w;
    uint32_t *counts;
    size_t n_rows;
} Counting;

static int count_array(void *ctx, char format, const struct ArrowArray *a, size_t row0) {
    Counting *c = ctx;
    for (int64_t r = 0; r < a->length; r++) {
        const char *s;
        size_t len;
        if (string_at(format, a, r, &s, &len) && scan_string(c->sc, &c->w, s, len, c->counts + (row0 + (size_t)r) * c->sc->n_items))
            return -1;
    }
    return 0;
}

static PyObject *scan_count(PyObject *self, PyObject *args) {
    PyObject *capsule, *stream_capsule;
    Py_ssize_t n_rows;
    if (!PyArg_ParseTuple(args, "OOn", &capsule, &stream_capsule, &n_rows) || !rows_ok(n_rows)) return NULL;
    Scanner *sc = PyCapsule_GetPointer(capsule, "agenda.engine._scan.Scanner");
    if (!sc) return NULL;
    char format;
    struct ArrowArrayStream *stream = string_stream(stream_capsule, &format);
    if (!stream) return NULL;
    size_t cells = (size_t)sc->n_items * (size_t)n_rows;
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(cells * sizeof(uint32_t)));
    Counting c = {sc, {0}, NULL, (size_t)n_rows};
    c.w.next_free = malloc(sizeof(size_t) * (sc->n_items ? sc->n_items : 1));
    if (!out || !c.w.next_free || vocab_rehash(&c.w.vocab)) {
        stream->release(stream);
        Py_XDECREF(out);
        free(c.w.next_free);
        vocab_free(&c.w.vocab);
        return out ? PyErr_NoMemory() : NULL;
    }
    c.counts = (uint32_t *)PyBytes_AS_STRING(out);
    memset(c.counts, 0, cells * sizeof(uint32_t));
    int failed = each_array(stream, format, n_rows, count_array, &c);
    free(c.w.cand);
    free(c.w.next_free);
    vocab_free(&c.w.vocab);
    if (failed) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

/* ---- Token strings and word counts of raw text (normalize.add_tokens, segment.n_words) ----
 *
 * For units made only of "simple" characters (a table from normalize: ASCII, separators, the
 * letters whose lower case needs no context, mapped punctuation), a token string is the text
 * with each character replaced by its mapping (or kept), padded with a space at each end; a
 * word is a whitespace-separated run holding a word character. Other units are flagged for the
 * general path. */

#define SIMPLE 1
#define SPACE 2
#define WORD 4
#define MAPPED 8
#define JOINS 16 /* kept in a word (as joined[cp]) between two word characters: tokens: {hyphens: join} */

typedef struct {
    uint8_t kind[0x10000];
    uint32_t rep_off[0x10000];
    uint8_t rep_len[0x10000];
    uint32_t max_out; /* the most bytes a character becomes: its mapping, or its own four at most */
    char *pool;       /* the mappings, with 16 bytes to spare after the last */
    char ascii_out[128][8]; /* what each ASCII character becomes (at most 8 bytes), and its length */
    uint8_t ascii_len[128];
    char joined[0x10000]; /* what a JOINS character is written as inside a word */
} Tokenizer;

static void tokenizer_capsule_free(PyObject *capsule) {
    Tokenizer *tk = PyCapsule_GetPointer(capsule, "agenda.engine._scan.Tokenizer");
    if (tk) free(tk->pool);
    free(tk);
}

static PyObject *tokenizer_compile(PyObject *self, PyObject *args) {
    Py_buffer kind;
    PyObject *map, *joined;
    if (!PyArg_ParseTuple(args, "y*O!O!", &kind, &PyDict_Type, &map, &PyDict_Type, &joined)) return NULL;
    if (kind.len != 0x10000) {
        PyBuffer_Release(&kind);
        PyErr_SetString(PyExc_ValueError, "kind holds one byte per code point below U+10000");
        return NULL;
    }
    Tokenizer *tk = calloc(1, sizeof(Tokenizer));
    Py_ssize_t pool_size = 0, pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(map, &pos, &key, &value)) pool_size += PyBytes_Check(value) ? PyBytes_GET_SIZE(value) : 0;
    if (tk) tk->pool = calloc(pool_size + 16, 1);
    if (!tk || !tk->pool) {
        PyBuffer_Release(&kind);
        if (tk) free(tk);
        return PyErr_NoMemory();
    }
    memcpy(tk->kind, kind.buf, 0x10000);
    PyBuffer_Release(&kind);
    tk->max_out = 4;
    uint32_t used = 0;
    pos = 0;
    while (PyDict_Next(map, &pos, &key, &value)) {
        long cp = PyLong_AsLong(key);
        if (cp < 0 || cp >= 0x10000 || !PyBytes_Check(value) || PyBytes_GET_SIZE(value) > 255) {
            free(tk->pool);
            free(tk);
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "map: code point below U+10000 to bytes");
            return NULL;
        }
        uint32_t len = (uint32_t)PyBytes_GET_SIZE(value);
        memcpy(tk->pool + used, PyBytes_AS_STRING(value), len);
        tk->rep_off[cp] = used;
        tk->rep_len[cp] = (uint8_t)len;
        tk->kind[cp] |= MAPPED;
        used += len;
        if (len > tk->max_out) tk->max_out = len;
    }
    pos = 0;
    while (PyDict_Next(joined, &pos, &key, &value)) {
        long cp = PyLong_AsLong(key);
        if (cp < 0 || cp >= 0x10000 || !PyBytes_Check(value) || PyBytes_GET_SIZE(value) != 1) {
            free(tk->pool);
            free(tk);
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "joined: code point below U+10000 to one byte");
            return NULL;
        }
        tk->kind[cp] |= JOINS;
        tk->joined[cp] = PyBytes_AS_STRING(value)[0];
    }
    for (uint32_t c = 0; c < 128; c++) {
        uint32_t len = tk->kind[c] & MAPPED ? tk->rep_len[c] : 1;
        if (len > 8) {
            free(tk->pool);
            free(tk);
            PyErr_SetString(PyExc_ValueError, "an ASCII character maps to more than 8 bytes");
            return NULL;
        }
        if (tk->kind[c] & MAPPED) memcpy(tk->ascii_out[c], tk->pool + tk->rep_off[c], len);
        else tk->ascii_out[c][0] = (char)c;
        tk->ascii_len[c] = (uint8_t)len;
    }
    PyObject *capsule = PyCapsule_New(tk, "agenda.engine._scan.Tokenizer", tokenizer_capsule_free);
    if (!capsule) {
        free(tk->pool);
        free(tk);
    }
    return capsule;
}

/* The code point at s[*i] (valid UTF-8, as Arrow strings are), and *i moved past it; NOT_A_CHAR
 * (not simple) where a sequence would run past the end of the len bytes. */
#define NOT_A_CHAR 0x110000U
static inline uint32_t next_code_point(const unsigned char *s, size_t len, size_t *i) {
    uint32_t c = s[*i];
    size_t left = len - *i;
    if (c < 0x80) {
        *i += 1;
    } else if (c < 0xE0 && left >= 2) {
        c = (c & 0x1F) << 6 | (s[*i + 1] & 0x3F);
        *i += 2;
    } else if (c >= 0xE0 && c < 0xF0 && left >= 3) {
        c = (c & 0x0F) << 12 | (s[*i + 1] & 0x3F) << 6 | (s[*i + 2] & 0x3F);
        *i += 3;
    } else if (c >= 0xF0 && left >= 4) {
        c = (c & 0x07) << 18 | (s[*i + 1] & 0x3F) << 12 | (s[*i + 2] & 0x3F) << 6 | (s[*i + 3] & 0x3F);
        *i += 4;
    } else {
        *i = len;
        c = NOT_A_CHAR;
    }
    return c;
}

static inline uint8_t kind_of(const Tokenizer *tk, uint32_t cp) { return cp < 0x10000 ? tk->kind[cp] : 0; }

/* A large-utf8 Arrow array built here: its buffers live in the private data. */
typedef struct {
    int64_t *offsets;
    char *data;
    const void *buffers[3];
} Built;

static void built_release(struct ArrowArray *a) {
    Built *b = a->private_data;
    free(b->offsets);
    free(b->data);
    free(b);
    a->release = NULL;
}

static void schema_release(struct ArrowSchema *s) { s->release = NULL; }

static void schema_capsule_free(PyObject *capsule) {
    struct ArrowSchema *s = PyCapsule_GetPointer(capsule, "arrow_schema");
    if (s && s->release) s->release(s);
    free(s);
}

static void array_capsule_free(PyObject *capsule) {
    struct ArrowArray *a = PyCapsule_GetPointer(capsule, "arrow_array");
    if (a && a->release) a->release(a);
    free(a);
}

typedef struct {
    const Tokenizer *tk;
    int tokens; /* 1: token strings, 0: word counts */
    uint8_t *not_simple;
    uint32_t *words;
    int64_t *offsets;
    char *data;
    size_t cap, used;
} Normalizing;

static int reserve(Normalizing *n, size_t more) {
    if (n->used + more <= n->cap) return 0;
    size_t cap = n->cap ? n->cap : 1 << 20;
    while (cap < n->used + more) cap *= 2;
    char *data = realloc(n->data, cap);
    if (!data) return -1;
    n->data = data;
    n->cap = cap;
    return 0;
}

static int normalize_array(void *ctx, char format, const struct ArrowArray *a, size_t row0) {
    Normalizing *n = ctx;
    const Tokenizer *tk = n->tk;
    for (int64_t r = 0; r < a->length; r++) {
        size_t row = row0 + (size_t)r;
        const char *str = NULL;
        size_t len = 0;
        int simple = string_at(format, a, r, &str, &len);
        const unsigned char *s = (const unsigned char *)str;
        if (n->tokens) {
            /* Mappings up to 16 bytes long are written 16 bytes at a time (8 for ASCII): room for
             * that past the end, as the pool has after its last mapping. Longer ones are copied
             * exactly. */
            if (simple && reserve(n, len * tk->max_out + 2 + 16)) return -1;
            size_t start = n->used;
            char *o = n->data + n->used;
            if (simple) *o++ = ' ';
            uint8_t before = 0; /* the kind of the character before */
            for (size_t i = 0; simple && i < len;) {
                uint32_t c = s[i];
                if (c < 0x80 && !(tk->kind[c] & JOINS)) {
                    before = tk->kind[c];
                    simple = before & SIMPLE;
                    memcpy(o, tk->ascii_out[c], 8);
                    o += tk->ascii_len[c];
                    i++;
                    continue;
                }
                size_t at = i;
                uint32_t cp = next_code_point(s, len, &i);
                uint8_t k = kind_of(tk, cp), after = 0;
                if (k & JOINS && before & WORD && i < len) {
                    size_t next = i;
                    after = kind_of(tk, next_code_point(s, len, &next));
                }
                before = k;
                if (!(k & SIMPLE)) {
                    simple = 0;
                } else if (after & WORD) {
                    *o++ = tk->joined[cp];
                } else if (k & MAPPED) {
                    uint32_t rep_len = tk->rep_len[cp];
                    memcpy(o, tk->pool + tk->rep_off[cp], rep_len <= 16 ? 16 : rep_len);
                    o += rep_len;
                } else {
                    for (size_t b = at; b < i; b++) *o++ = (char)s[b];
                }
            }
            if (simple) {
                *o++ = ' ';
                n->used = (size_t)(o - n->data);
            } else {
                n->used = start;
            }
            n->offsets[row + 1] = (int64_t)n->used;
        } else {
            uint32_t words = 0, in_run = 0; /* in_run: the run of non-spaces holds a word character */
            for (size_t i = 0; simple && i < len;) {
                uint32_t c = s[i];
                uint8_t k;
                if (c < 0x80) {
                    k = tk->kind[c];
                    i++;
                } else {
                    k = kind_of(tk, next_code_point(s, len, &i));
                }
                uint32_t word = k >> 2 & 1, space = k >> 1 & 1;
                simple = k & SIMPLE;
                words += word & (in_run ^ 1); /* the first word character of a run */
                in_run = (in_run | word) & (space ^ 1);
            }
            n->words[row] = simple ? words : 0;
        }
        n->not_simple[row] = !simple;
    }
    return 0;
}

/* tokens(tokenizer, stream, n_rows, tokens) -> (schema capsule, array capsule, not_simple) or (words, not_simple) */
static PyObject *tokenizer_run(PyObject *self, PyObject *args) {
    PyObject *capsule, *stream_capsule;
    Py_ssize_t n_rows;
    int tokens;
    if (!PyArg_ParseTuple(args, "OOnp", &capsule, &stream_capsule, &n_rows, &tokens) || !rows_ok(n_rows)) return NULL;
    Tokenizer *tk = PyCapsule_GetPointer(capsule, "agenda.engine._scan.Tokenizer");
    if (!tk) return NULL;
    char format;
    struct ArrowArrayStream *stream = string_stream(stream_capsule, &format);
    if (!stream) return NULL;
    PyObject *not_simple = PyBytes_FromStringAndSize(NULL, n_rows);
    PyObject *words = tokens ? NULL : PyBytes_FromStringAndSize(NULL, n_rows * (Py_ssize_t)sizeof(uint32_t));
    Normalizing n = {tk, tokens, NULL, NULL, NULL, NULL, 0, 0};
    int failed = !not_simple || (!tokens && !words);
    if (!failed) {
        n.not_simple = (uint8_t *)PyBytes_AS_STRING(not_simple);
        memset(n.not_simple, 1, (size_t)n_rows);
        if (words) n.words = (uint32_t *)PyBytes_AS_STRING(words);
        if (tokens) {
            n.offsets = calloc((size_t)n_rows + 1, sizeof(int64_t));
            failed = !n.offsets || reserve(&n, 1);
        }
    }
    if (failed) {
        stream->release(stream);
        if (!PyErr_Occurred()) PyErr_NoMemory();
    } else {
        failed = each_array(stream, format, n_rows, normalize_array, &n);
    }
    if (failed) {
        free(n.offsets);
        free(n.data);
        Py_XDECREF(not_simple);
        Py_XDECREF(words);
        return NULL;
    }
    if (!tokens) return Py_BuildValue("(NN)", words, not_simple);
    struct ArrowSchema *out_schema = calloc(1, sizeof(struct ArrowSchema));
    struct ArrowArray *out_array = calloc(1, sizeof(struct ArrowArray));
    Built *built = calloc(1, sizeof(Built));
    if (!out_schema || !out_array || !built) {
        free(out_schema);
        free(out_array);
        free(built);
        free(n.offsets);
        free(n.data);
        Py_DECREF(not_simple);
        return PyErr_NoMemory();
    }
    out_schema->format = "U";
    out_schema->name = "";
    out_schema->flags = 0;
    out_schema->release = schema_release;
    built->offsets = n.offsets;
    built->data = n.data;
    built->buffers[0] = NULL;
    built->buffers[1] = n.offsets;
    built->buffers[2] = n.data;
    out_array->length = n_rows;
    out_array->null_count = 0;
    out_array->n_buffers = 3;
    out_array->buffers = built->buffers;
    out_array->release = built_release;
    out_array->private_data = built;
    PyObject *schema_capsule = PyCapsule_New(out_schema, "arrow_schema", schema_capsule_free);
    if (!schema_capsule) {
        free(out_schema);
        built_release(out_array);
        free(out_array);
        Py_DECREF(not_simple);
        return NULL;
    }
    PyObject *array_capsule = PyCapsule_New(out_array, "arrow_array", array_capsule_free);
    if (!array_capsule) {
        Py_DECREF(schema_capsule);
        built_release(out_array);
        free(out_array);
        Py_DECREF(not_simple);
        return NULL;
    }
    return Py_BuildValue("(NNN)", schema_capsule, array_capsule, not_simple);
}

/* ---- Screens: which sets of literals occur in each token string (match.Trigger.screens) ----
 *
 * A screen holds in a unit when one of its literals (3 bytes or more) occurs anywhere in the
 * unit's token string. Each literal is found by an anchor: its rarest window of four bytes (by
 * a rough table of byte frequencies in English and Russian text), or its three bytes. Every
 * position is tested against a filter of the anchors; where it passes, the literals anchored
 * so are compared, and each found literal sets its screens' bits in the unit's row. */

#define LIT_FILTER_BITS 16

typedef struct {
    uint32_t n_lits, words; /* words: uint64 words of screen bits per row */
    uint32_t *off, *len, *at; /* at: where the literal's anchor starts in it */
    char *pool;
    uint64_t *masks; /* per literal, the screen bits it sets */
    uint8_t *slot_used;
    uint32_t *slot_key, *slot_first, *slot_n; /* anchors, open addressing */
    uint64_t slot_mask;
    uint32_t *order; /* literal ids grouped by anchor */
    uint8_t filter4[1 << (LIT_FILTER_BITS - 3)], filter3[1 << (LIT_FILTER_BITS - 3)];
    int has3; /* some literal is three bytes long: its anchor is those three */
} Screens;

static inline uint32_t lit_hash(uint32_t key) { return (key * 0x9E3779B1U) >> (32 - LIT_FILTER_BITS); }

static inline uint64_t lit_slot(uint32_t key, uint64_t mask) { return (uint64_t)(key * 0x85EBCA6BU) & mask; }

static void screens_free(Screens *sc) {
    if (!sc) return;
    free(sc->off);
    free(sc->len);
    free(sc->at);
    free(sc->pool);
    free(sc->masks);
    free(sc->slot_used);
    free(sc->slot_key);
    free(sc->slot_first);
    free(sc->slot_n);
    free(sc->order);
    free(sc);
}

static void screens_capsule_free(PyObject *capsule) {
    screens_free(PyCapsule_GetPointer(capsule, "agenda.engine._scan.Screens"));
}

static inline uint32_t load_key(const char *p, uint32_t n) {
    uint32_t key = 0;
    memcpy(&key, p, n);
    return key;
}

/* How common a byte is in news text, roughly: spaces, frequent Latin letters and the lead
 * bytes of Cyrillic most; the second byte of a Cyrillic letter by the letter's frequency in
 * Russian (in lower-cased text, 0xB0-0xBF are а-п and 0x80-0x8F р-я); digits and punctuation least. */
static int byte_commonness(unsigned char c) {
    static const char *latin = " etaoinsrhldcumfpgwybvkxjqz";
    static const unsigned char cyrillic[] = {0xBE, 0xB5, 0xB0, 0xB8, 0xBD, 0x82, 0x81, 0x80, 0xB2, 0xBB, 0xBA,
                                             0xBC, 0xB4, 0xBF, 0x83, 0x8F, 0x8B, 0x8C, 0xB3, 0xB7, 0xB1, 0x87,
                                             0xB9, 0x85, 0xB6, 0x88, 0x8E, 0x86, 0x89, 0x8D, 0x84, 0x8A};
    if (c == 0xD0 || c == 0xD1) return 40;
    if (c >= 0x80) {
        for (int i = 0; i < (int)sizeof cyrillic; i++)
            if (cyrillic[i] == c) return 30 - i;
        return 0;
    }
    const char *at = c ? strchr(latin, c) : NULL;
    return at ? 30 - (int)(at - latin) : 0;
}

static uint32_t anchor_of(const char *lit, uint32_t len) {
    if (len < 4) return 0;
    uint32_t best = 0;
    int best_score = 1 << 30;
    for (uint32_t o = 0; o + 4 <= len; o++) {
        int score = 0;
        for (int k = 0; k < 4; k++) score += byte_commonness((unsigned char)lit[o + k]);
        if (score < best_score) {
            best_score = score;
            best = o;
        }
    }
    return best;
}

static uint64_t find_slot(const Screens *sc, uint32_t key) {
    uint64_t j = lit_slot(key, sc->slot_mask);
    while (sc->slot_used[j] && sc->slot_key[j] != key) j = (j + 1) & sc->slot_mask;
    return j;
}

static PyObject *screens_compile(PyObject *self, PyObject *args) {
    unsigned int n_screens;
    PyObject *lits;
    if (!PyArg_ParseTuple(args, "IO!", &n_screens, &PyList_Type, &lits)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lits), pool_size = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *lit = PyList_GET_ITEM(lits, i), *bytes, *ids;
        if (!PyTuple_Check(lit) || !PyArg_ParseTuple(lit, "O!O!", &PyBytes_Type, &bytes, &PyList_Type, &ids) ||
            PyBytes_GET_SIZE(bytes) < 3) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "a literal is (bytes of 3 or more, [screen, ...])");
            return NULL;
        }
        pool_size += PyBytes_GET_SIZE(bytes);
    }
    if (pool_size >= UINT32_MAX || n >= UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "too many literals");
        return NULL;
    }
    Screens *sc = calloc(1, sizeof(Screens));
    if (!sc) return PyErr_NoMemory();
    sc->n_lits = (uint32_t)n;
    sc->words = (n_screens + 63) / 64;
    uint64_t size = 16;
    while (size < 2 * (uint64_t)(n ? n : 1)) size <<= 1;
    sc->slot_mask = size - 1;
    sc->off = malloc(sizeof(uint32_t) * (n ? n : 1));
    sc->len = malloc(sizeof(uint32_t) * (n ? n : 1));
    sc->at = malloc(sizeof(uint32_t) * (n ? n : 1));
    sc->pool = malloc(pool_size ? pool_size : 1);
    sc->masks = calloc((size_t)(n ? n : 1) * (sc->words ? sc->words : 1), sizeof(uint64_t));
    sc->slot_used = calloc(size, 1);
    sc->slot_key = calloc(size, sizeof(uint32_t));
    sc->slot_first = calloc(size, sizeof(uint32_t));
    sc->slot_n = calloc(size, sizeof(uint32_t));
    sc->order = malloc(sizeof(uint32_t) * (n ? n : 1));
    if (!sc->off || !sc->len || !sc->at || !sc->pool || !sc->masks || !sc->slot_used || !sc->slot_key ||
        !sc->slot_first || !sc->slot_n || !sc->order) {
        screens_free(sc);
        return PyErr_NoMemory();
    }
    uint32_t used = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *lit = PyList_GET_ITEM(lits, i);
        PyObject *bytes = PyTuple_GET_ITEM(lit, 0), *ids = PyTuple_GET_ITEM(lit, 1);
        sc->off[i] = used;
        sc->len[i] = (uint32_t)PyBytes_GET_SIZE(bytes);
        memcpy(sc->pool + used, PyBytes_AS_STRING(bytes), sc->len[i]);
        sc->at[i] = anchor_of(sc->pool + used, sc->len[i]);
        used += sc->len[i];
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(ids); j++) {
            long id = PyLong_AsLong(PyList_GET_ITEM(ids, j));
            if (id < 0 || id >= (long)n_screens) {
                screens_free(sc);
                if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "a screen id is out of range");
                return NULL;
            }
            sc->masks[(size_t)i * sc->words + (size_t)id / 64] |= 1ULL << (id % 64);
        }
    }
    /* Count the literals of each anchor, then place them, grouped, in literal order. A three-byte
     * anchor and a four-byte one never share a key: a four-byte window holds no zero byte. */
    for (uint32_t i = 0; i < sc->n_lits; i++) {
        uint32_t width = sc->len[i] < 4 ? 3 : 4, key = load_key(sc->pool + sc->off[i] + sc->at[i], width);
        uint64_t j = find_slot(sc, key);
        sc->slot_used[j] = 1;
        sc->slot_key[j] = key;
        sc->slot_n[j]++;
        uint32_t bit = lit_hash(key);
        uint8_t *filter = width == 4 ? sc->filter4 : sc->filter3;
        filter[bit >> 3] |= (uint8_t)(1 << (bit & 7));
        if (width == 3) sc->has3 = 1;
    }
    uint32_t first = 0;
    for (uint64_t j = 0; j <= sc->slot_mask; j++) {
        sc->slot_first[j] = first;
        first += sc->slot_n[j];
        sc->slot_n[j] = 0;
    }
    for (uint32_t i = 0; i < sc->n_lits; i++) {
        uint32_t width = sc->len[i] < 4 ? 3 : 4, key = load_key(sc->pool + sc->off[i] + sc->at[i], width);
        uint64_t j = find_slot(sc, key);
        sc->order[sc->slot_first[j] + sc->slot_n[j]++] = i;
    }
    PyObject *capsule = PyCapsule_New(sc, "agenda.engine._scan.Screens", screens_capsule_free);
    if (!capsule) screens_free(sc);
    return capsule;
}

/* The literals anchored by key at position i of s, compared whole. */
static void screen_anchor(const Screens *sc, const char *s, size_t len, size_t i, uint32_t key, uint64_t *bits) {
    uint64_t j = find_slot(sc, key);
    if (!sc->slot_used[j]) return;
    for (uint32_t k = 0; k < sc->slot_n[j]; k++) {
        uint32_t lit = sc->order[sc->slot_first[j] + k];
        size_t at = sc->at[lit], llen = sc->len[lit];
        if (i < at || i - at + llen > len || memcmp(s + i - at, sc->pool + sc->off[lit], llen) != 0) continue;
        const uint64_t *mask = sc->masks + (size_t)lit * sc->words;
        for (uint32_t w = 0; w < sc->words; w++) bits[w] |= mask[w];
    }
}

static inline void screen_at(const Screens *sc, const char *s, size_t len, size_t i, uint32_t key, int four,
                             uint64_t *bits) {
    uint32_t bit = lit_hash(key);
    if (four && sc->filter4[bit >> 3] >> (bit & 7) & 1) screen_anchor(sc, s, len, i, key, bits);
    if (sc->has3) {
        uint32_t key3 = key & 0xFFFFFFU;
        bit = lit_hash(key3);
        if (sc->filter3[bit >> 3] >> (bit & 7) & 1) screen_anchor(sc, s, len, i, key3, bits);
    }
}

static void screen_string(const Screens *sc, const char *s, size_t len, uint64_t *bits) {
    size_t i = 0;
    for (; i + 4 <= len; i++) {
        uint32_t key;
        memcpy(&key, s + i, 4);
        screen_at(sc, s, len, i, key, 1, bits);
    }
    if (i + 3 <= len) screen_at(sc, s, len, i, load_key(s + i, 3), 0, bits);
}

typedef struct {
    const Screens *sc;
    uint64_t *bits;
} Screening;

static int screen_array(void *ctx, char format, const struct ArrowArray *a, size_t row0) {
    Screening *g = ctx;
    for (int64_t r = 0; r < a->length; r++) {
        const char *str;
        size_t len;
        if (string_at(format, a, r, &str, &len)) screen_string(g->sc, str, len, g->bits + (row0 + r) * g->sc->words);
    }
    return 0;
}

/* screen(screens, arrow_stream_capsule, n_rows) -> bytes: per row, words uint64 of screen bits */
static PyObject *screens_run(PyObject *self, PyObject *args) {
    PyObject *capsule, *stream_capsule;
    Py_ssize_t n_rows;
    if (!PyArg_ParseTuple(args, "OOn", &capsule, &stream_capsule, &n_rows) || !rows_ok(n_rows)) return NULL;
    Screens *sc = PyCapsule_GetPointer(capsule, "agenda.engine._scan.Screens");
    if (!sc) return NULL;
    char format;
    struct ArrowArrayStream *stream = string_stream(stream_capsule, &format);
    if (!stream) return NULL;
    size_t cells = (size_t)n_rows * sc->words;
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(cells * sizeof(uint64_t)));
    if (!out) {
        stream->release(stream);
        return NULL;
    }
    Screening g = {sc, (uint64_t *)PyBytes_AS_STRING(out)};
    memset(g.bits, 0, cells * sizeof(uint64_t));
    if (each_array(stream, format, n_rows, screen_array, &g)) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

static PyMethodDef methods[] = {
    {"compile", scan_compile, METH_VARARGS,
     "compile(n_items, terms) -> scanner: terms in each item's order, as (item, [[fragment bytes, ...], ...])"},
    {"count", scan_count, METH_VARARGS,
     "count(scanner, arrow_stream_capsule, n_rows) -> bytes: uint32 counts, row by row, one per item"},
    {"tokenizer", tokenizer_compile, METH_VARARGS,
     "tokenizer(kind, map) -> tokenizer: kind[code point] flags (1 simple, 2 space, 4 word), map {code point: bytes}"},
    {"normalize", tokenizer_run, METH_VARARGS,
     "normalize(tokenizer, arrow_stream_capsule, n_rows, tokens) -> (schema, array, not_simple) or "
     "(words, not_simple)"},
    {"screens", screens_compile, METH_VARARGS,
     "screens(n_screens, literals) -> screens: literals as (bytes of 3 or more, [screen, ...])"},
    {"screen", screens_run, METH_VARARGS,
     "screen(screens, arrow_stream_capsule, n_rows) -> bytes: per row, uint64 words of the screens that hold"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_scan", "Native passes over columns of units.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__scan(void) {
    const uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    if (first != 1) { /* a big-endian machine whose compiler does not say so: polars alone (agenda.engine.scan) */
        PyErr_SetString(PyExc_ImportError, "agenda.engine._scan needs a little-endian machine");
        return NULL;
    }
    return PyModule_Create(&module);
}
