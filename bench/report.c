// SPDX-License-Identifier: GPL-2.0
/* oomkit-bench results: the figures, printed as one table and written as JSON. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "bench.h"

#define MAX_FIGURES 256
#define MAX_NOTES   64

static const char *const part_titles[] = {
	"1. Decision cost per OOM", "2. Reaction time", "3. Loader cost",
	"4. Record latency",	    "5. Memory",
};

static struct figure figures[MAX_FIGURES];
static int nr_figures;

struct note {
	int part;
	bool error;
	char text[240];
};
static struct note notes[MAX_NOTES];
static int nr_notes;

struct figure *fig_add(int part, const char *key, const char *unit,
		       const char *fmt, ...)
{
	static struct figure spare;
	struct figure *f;
	va_list ap;

	if (nr_figures == MAX_FIGURES) {
		msg("too many figures");
		return memset(&spare, 0, sizeof(spare));
	}
	f = &figures[nr_figures++];
	f->part = part;
	snprintf(f->key, sizeof(f->key), "%s", key);
	f->unit = unit;
	f->value = NAN;
	va_start(ap, fmt);
	vsnprintf(f->name, sizeof(f->name), fmt, ap);
	va_end(ap);
	return f;
}

void fig_target(struct figure *f, enum target_kind kind, double target)
{
	f->kind = kind;
	f->target = target;
}

void fig_samples(struct figure *f, const double *v, int n)
{
	memcpy(f->samples, v, n * sizeof(*v));
	f->nr_samples = n;
	f->value = median(v, n);
}

void fig_detail(struct figure *f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(f->detail);
	f->detail = s;
}

static void add_note(int part, bool error, const char *fmt, va_list ap)
{
	if (nr_notes == MAX_NOTES)
		return;
	notes[nr_notes].part = part;
	notes[nr_notes].error = error;
	vsnprintf(notes[nr_notes].text, sizeof(notes[nr_notes].text), fmt, ap);
	nr_notes++;
}

void part_note(int part, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_note(part, false, fmt, ap);
	va_end(ap);
}

void part_error(int part, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_note(part, true, fmt, ap);
	va_end(ap);
}

/* 1 met, 0 not met, -1 no target or no value */
static int verdict(const struct figure *f)
{
	if (f->kind == TARGET_NONE || isnan(f->value))
		return -1;
	return f->kind == TARGET_MAX ? f->value <= f->target :
				       f->value >= f->target;
}

static void format_value(char *buf, size_t len, double v, const char *unit)
{
	if (isnan(v))
		snprintf(buf, len, "n/a");
	else if (!strcmp(unit, "x"))
		snprintf(buf, len, "%.2fx", v);
	else if (!unit[0])
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.*f %s", v < 10 ? 3 : 1, v, unit);
}

static void format_target(char *buf, size_t len, const struct figure *f)
{
	char v[24];

	if (f->kind == TARGET_NONE) {
		buf[0] = '\0';
		return;
	}
	format_value(v, sizeof(v), f->target, f->unit);
	snprintf(buf, len, "%s %s", f->kind == TARGET_MAX ? "<=" : ">=", v);
}

static const char *clocksource(void)
{
	static char buf[64];
	FILE *f = fopen(
		"/sys/devices/system/clocksource/clocksource0/current_clocksource",
		"r");

	snprintf(buf, sizeof(buf), "?");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	return buf;
}

void report_print(void)
{
	char value[32], target[40];
	struct utsname u;
	int p, i, met = 0, missed = 0;

	uname(&u);
	printf("\noomkit bench: kernel %s, clocksource %s, %ld CPUs, %lld MiB RAM; "
	       "ratios matter, absolute times are under emulation\n",
	       u.release, clocksource(), sysconf(_SC_NPROCESSORS_ONLN),
	       meminfo_kb("MemTotal") / 1024);
	for (p = 1; p <= NR_PARTS; p++) {
		if (!(opts.parts & (1u << (p - 1))))
			continue;
		printf("\n%s\n", part_titles[p - 1]);
		for (i = 0; i < nr_notes; i++)
			if (notes[i].part == p)
				printf("  %s%s\n",
				       notes[i].error ? "ERROR: " : "",
				       notes[i].text);
		printf("  %-66s %12s %10s  %s\n", "figure", "value", "target",
		       "result");
		for (i = 0; i < nr_figures; i++) {
			const struct figure *f = &figures[i];
			int v = verdict(f);

			if (f->part != p)
				continue;
			/* part 1's per-cell medians are in the matrices above */
			if (p == 1 && f->kind == TARGET_NONE &&
			    !strstr(f->key, "exponent"))
				continue;
			format_value(value, sizeof(value), f->value, f->unit);
			format_target(target, sizeof(target), f);
			printf("  %-66s %12s %10s  %s\n", f->name, value,
			       target,
			       v < 0 ? "" :
			       v     ? "met" :
				       "NOT met");
			met += v == 1;
			missed += v == 0;
		}
	}
	printf("\ntargets: %d met, %d NOT met\n", met, missed);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_number(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "null");
	else
		fprintf(f, "%.6g", v);
}

int report_json(const char *path)
{
	struct utsname u;
	char tmp[600];
	FILE *f;
	int p, i, j, first;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	uname(&u);
	fprintf(f, "{\n  \"kernel\": ");
	json_string(f, u.release);
	fprintf(f, ",\n  \"clocksource\": ");
	json_string(f, clocksource());
	fprintf(f,
		",\n  \"cpus\": %ld,\n  \"mem_mib\": %lld,\n  \"repeat\": %d,\n  \"parts\": [",
		sysconf(_SC_NPROCESSORS_ONLN), meminfo_kb("MemTotal") / 1024,
		opts.repeat);
	for (p = 1, first = 1; p <= NR_PARTS; p++) {
		if (!(opts.parts & (1u << (p - 1))))
			continue;
		fprintf(f, "%s\n    {\n      \"title\": ", first ? "" : ",");
		first = 0;
		json_string(f, part_titles[p - 1]);
		fprintf(f, ",\n      \"notes\": [");
		for (i = 0, j = 0; i < nr_notes; i++) {
			if (notes[i].part != p || notes[i].error)
				continue;
			fprintf(f, "%s\n        ", j++ ? "," : "");
			json_string(f, notes[i].text);
		}
		fprintf(f, "\n      ],\n      \"errors\": [");
		for (i = 0, j = 0; i < nr_notes; i++) {
			if (notes[i].part != p || !notes[i].error)
				continue;
			fprintf(f, "%s\n        ", j++ ? "," : "");
			json_string(f, notes[i].text);
		}
		fprintf(f, "\n      ],\n      \"figures\": [");
		for (i = 0, j = 0; i < nr_figures; i++) {
			const struct figure *g = &figures[i];
			int k, v = verdict(g);

			if (g->part != p)
				continue;
			fprintf(f, "%s\n        {\"key\": ", j++ ? "," : "");
			json_string(f, g->key);
			fprintf(f, ", \"name\": ");
			json_string(f, g->name);
			fprintf(f, ", \"value\": ");
			json_number(f, g->value);
			fprintf(f, ", \"unit\": ");
			json_string(f, g->unit);
			if (g->nr_samples) {
				fprintf(f, ", \"samples\": [");
				for (k = 0; k < g->nr_samples; k++) {
					fprintf(f, "%s", k ? ", " : "");
					json_number(f, g->samples[k]);
				}
				fprintf(f, "]");
			}
			if (g->detail)
				fprintf(f, ", \"detail\": %s", g->detail);
			if (g->kind != TARGET_NONE) {
				fprintf(f, ", \"target\": {\"%s\": ",
					g->kind == TARGET_MAX ? "max" : "min");
				json_number(f, g->target);
				fprintf(f, "}, \"met\": %s",
					v < 0 ? "null" :
					v     ? "true" :
						"false");
			}
			fprintf(f, "}");
		}
		fprintf(f, "\n      ]\n    }");
	}
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}
