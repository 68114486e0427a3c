// SPDX-License-Identifier: GPL-2.0
/* A tiny streaming JSON writer for the oomkit CLI's -j/--json output. */
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "text.h"

#define JSONW_MAX_DEPTH 32

struct json_writer {
	FILE *out;
	unsigned int depth;
	bool pretty;
	bool after_name;	     /* a value completes "name": */
	bool first[JSONW_MAX_DEPTH]; /* no element yet at this depth */
};

json_writer_t *jsonw_new(FILE *f)
{
	json_writer_t *self = calloc(1, sizeof(*self));

	if (!self)
		return NULL;
	self->out = f;
	self->first[0] = true;
	return self;
}

void jsonw_destroy(json_writer_t **self_p)
{
	json_writer_t *self = *self_p;

	if (!self)
		return;
	fflush(self->out);
	free(self);
	*self_p = NULL;
}

void jsonw_pretty(json_writer_t *self, bool on)
{
	self->pretty = on;
}

static void jsonw_indent(json_writer_t *self)
{
	unsigned int i;

	if (!self->pretty)
		return;
	fputc('\n', self->out);
	for (i = 0; i < self->depth; i++)
		fputs("    ", self->out);
}

/* Separator and indentation owed before any new element. */
static void jsonw_eor(json_writer_t *self)
{
	if (self->after_name) {
		self->after_name = false;
		return;
	}
	if (!self->first[self->depth])
		fputc(',', self->out);
	self->first[self->depth] = false;
	if (self->depth)
		jsonw_indent(self);
}

static void jsonw_puts(json_writer_t *self, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', self->out);
	for (; *s; s++) {
		switch (*s) {
		case '"':
			fputs("\\\"", self->out);
			break;
		case '\\':
			fputs("\\\\", self->out);
			break;
		case '\n':
			fputs("\\n", self->out);
			break;
		case '\t':
			fputs("\\t", self->out);
			break;
		case '\r':
			fputs("\\r", self->out);
			break;
		default:
			if (*s < 0x20) {
				fprintf(self->out, "\\u%04x", *s);
			} else if (*s < 0x80) {
				fputc(*s, self->out);
			} else {
				size_t n = utf8_len(s);

				/* names, comm and paths are bytes: keep the output JSON */
				if (n) {
					fwrite(s, 1, n, self->out);
					s += n - 1;
				} else {
					fputs("\\ufffd", self->out);
				}
			}
		}
	}
	fputc('"', self->out);
}

static void jsonw_begin(json_writer_t *self, char c)
{
	jsonw_eor(self);
	fputc(c, self->out);
	if (self->depth + 1 < JSONW_MAX_DEPTH)
		self->depth++;
	self->first[self->depth] = true;
}

static void jsonw_end(json_writer_t *self, char c)
{
	bool empty = self->first[self->depth];

	if (self->depth)
		self->depth--;
	if (!empty)
		jsonw_indent(self);
	fputc(c, self->out);
	if (self->depth == 0) {
		/*
		 * A top-level value ends its line, so an event stream is one
		 * JSON document per line.
		 */
		self->first[0] = true;
		fputc('\n', self->out);
		fflush(self->out);
	}
}

void jsonw_start_object(json_writer_t *self)
{
	jsonw_begin(self, '{');
}

void jsonw_end_object(json_writer_t *self)
{
	jsonw_end(self, '}');
}

void jsonw_start_array(json_writer_t *self)
{
	jsonw_begin(self, '[');
}

void jsonw_end_array(json_writer_t *self)
{
	jsonw_end(self, ']');
}

void jsonw_name(json_writer_t *self, const char *name)
{
	jsonw_eor(self);
	jsonw_puts(self, name);
	fputs(self->pretty ? ": " : ":", self->out);
	self->after_name = true;
}

static void jsonw_scalar_done(json_writer_t *self)
{
	if (self->depth == 0) {
		self->first[0] = true;
		fputc('\n', self->out);
		fflush(self->out);
	}
}

void jsonw_string(json_writer_t *self, const char *value)
{
	jsonw_eor(self);
	jsonw_puts(self, value ? value : "");
	jsonw_scalar_done(self);
}

void jsonw_uint(json_writer_t *self, uint64_t value)
{
	jsonw_eor(self);
	fprintf(self->out, "%llu", (unsigned long long)value);
	jsonw_scalar_done(self);
}

void jsonw_int(json_writer_t *self, int64_t value)
{
	jsonw_eor(self);
	fprintf(self->out, "%lld", (long long)value);
	jsonw_scalar_done(self);
}

void jsonw_bool(json_writer_t *self, bool value)
{
	jsonw_eor(self);
	fputs(value ? "true" : "false", self->out);
	jsonw_scalar_done(self);
}

void jsonw_null(json_writer_t *self)
{
	jsonw_eor(self);
	fputs("null", self->out);
	jsonw_scalar_done(self);
}

void jsonw_string_field(json_writer_t *self, const char *name,
			const char *value)
{
	jsonw_name(self, name);
	jsonw_string(self, value);
}

void jsonw_uint_field(json_writer_t *self, const char *name, uint64_t value)
{
	jsonw_name(self, name);
	jsonw_uint(self, value);
}

void jsonw_int_field(json_writer_t *self, const char *name, int64_t value)
{
	jsonw_name(self, name);
	jsonw_int(self, value);
}

void jsonw_bool_field(json_writer_t *self, const char *name, bool value)
{
	jsonw_name(self, name);
	jsonw_bool(self, value);
}

void jsonw_null_field(json_writer_t *self, const char *name)
{
	jsonw_name(self, name);
	jsonw_null(self);
}
