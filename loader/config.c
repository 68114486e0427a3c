// SPDX-License-Identifier: GPL-2.0
/* Reads oomkit.conf and its drop-ins with libinih, keeping where every key came from. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "policy.h"

/*
 * What libinih does not give: the line of each key, sections without keys,
 * and one error per bad line (it returns only the first). A reader of our
 * own sits between the file and the parser: it counts lines, takes
 * section headers itself, reports lines the parser would refuse, and hands
 * the parser only what it can take. Leading blanks are dropped, so an
 * indented line is a line of its own, not libinih's continuation of the
 * previous value (systemd's files have no such continuations either).
 */
struct reader {
	struct config *c;
	FILE *f;
	struct config_pos pos;	       /* the line being parsed */
	struct config_policy *section; /* NULL before the first [NAME] */
	bool skip;		       /* in a section whose name was refused */
	bool general;		       /* in [oomkit], oomkit's own settings */
	int err;		       /* -ENOMEM, which stops everything */
};

static size_t file_index(const struct config *c, const char *file)
{
	size_t i;

	for (i = 0; i < c->nr_files; i++)
		if (c->files[i] == file)
			break;
	return i;
}

static bool before(const struct config *c, const struct config_pos *a,
		   const struct config_pos *b)
{
	size_t fa = file_index(c, a->file), fb = file_index(c, b->file);

	return fa < fb || (fa == fb && a->line < b->line);
}

int config_error(struct config *c, const struct config_pos *pos,
		 const char *fmt, ...)
{
	struct config_error *errors;
	char msg[1024], *text;
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* line 0: about the file as a whole */
	if ((pos->line ?
		     asprintf(&text, "%s:%d: %s", pos->file, pos->line, msg) :
		     asprintf(&text, "%s: %s", pos->file, msg)) < 0)
		return -ENOMEM;
	errors = realloc(c->errors, (c->nr_errors + 1) * sizeof(*errors));
	if (!errors) {
		free(text);
		return -ENOMEM;
	}
	c->errors = errors;
	/* the checks after reading report out of order: keep the file's */
	for (i = c->nr_errors; i > 0 && before(c, pos, &errors[i - 1].pos); i--)
		errors[i] = errors[i - 1];
	errors[i].pos = *pos;
	errors[i].text = text;
	c->nr_errors++;
	return 0;
}

static struct config_policy *find_policy(struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nr_policies; i++)
		if (!strcmp(c->policies[i].name, name))
			return &c->policies[i];
	return NULL;
}

static int open_section(struct reader *r, const char *name)
{
	struct config *c = r->c;
	struct config_policy *p = find_policy(c, name), *v;

	if (!p) {
		v = realloc(c->policies, (c->nr_policies + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->policies = v;
		p = &v[c->nr_policies++];
		memset(p, 0, sizeof(*p));
		snprintf(p->name, sizeof(p->name), "%s", name);
		p->pos = r->pos;
		p->policy_pos = r->pos;
	}
	r->section = p;
	r->skip = false;
	r->general = false;
	return 0;
}

/* "[NAME]" with optional blanks and a comment after it. */
static int take_section(struct reader *r, char *line)
{
	char *end = strchr(line, ']'), *rest;

	if (!end)
		return config_error(
			r->c, &r->pos,
			"no ']' after '[': write a section as [NAME]");
	*end = '\0';
	rest = end + 1 + strspn(end + 1, " \t\r\n");
	if (*rest && *rest != '#' && *rest != ';')
		return config_error(
			r->c, &r->pos,
			"text after ']': write a section as [NAME]");
	if (!strcmp(line + 1, CONFIG_GENERAL)) {
		r->section = NULL;
		r->skip = false;
		r->general = true;
		return 0;
	}
	if (!policy_name_valid(line + 1)) {
		/* its keys are not checked: they belong to no policy */
		r->skip = true;
		return config_error(
			r->c, &r->pos,
			"bad section name '[%s]': an instance name (letters, digits, '_', '-')",
			line + 1);
	}
	return open_section(r, line + 1);
}

static char *read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	size_t n;
	char *s;

	for (;;) {
		if (r->err || !fgets(str, num, r->f))
			return NULL;
		r->pos.line++;
		n = strlen(str);
		if (n && str[n - 1] != '\n' && !feof(r->f)) {
			int ch;

			while ((ch = fgetc(r->f)) != EOF && ch != '\n')
				;
			r->err = config_error(
				r->c, &r->pos,
				"line longer than %d characters: shorten it (cgroup paths may be relative to the cgroup2 mount)",
				num - 2);
			continue;
		}
		s = str + strspn(str, " \t");
		if (*s == '[') {
			r->err = take_section(r, s);
			continue;
		}
		if (!*s || *s == '\n' || *s == '\r' || *s == '#' || *s == ';')
			continue;
		if (!strpbrk(s, "=:")) {
			r->err = config_error(
				r->c, &r->pos,
				"expected KEY=VALUE, [NAME] or a comment");
			continue;
		}
		if (r->skip)
			continue;
		if (!r->section && !r->general) {
			r->err = config_error(
				r->c, &r->pos,
				"a key before any section: start with [NAME], the instance's name");
			continue;
		}
		memmove(str, s, strlen(s) + 1);
		return str;
	}
}

static int add_set(struct config_policy *p, const char *value,
		   const struct config_pos *pos)
{
	struct config_pos *vp;
	char **v, *s;
	int i;

	if (!*value) {
		/* as in systemd: an empty assignment resets the list */
		for (i = 0; i < p->nr_sets; i++)
			free(p->sets[i]);
		p->nr_sets = 0;
		return 0;
	}
	s = strdup(value);
	v = realloc(p->sets, (p->nr_sets + 1) * sizeof(*v));
	if (v)
		p->sets = v;
	vp = realloc(p->set_pos, (p->nr_sets + 1) * sizeof(*vp));
	if (vp)
		p->set_pos = vp;
	if (!s || !v || !vp) {
		free(s);
		return -ENOMEM;
	}
	p->sets[p->nr_sets] = s;
	p->set_pos[p->nr_sets++] = *pos;
	return 0;
}

/* *@to = a copy of @value (NULL: none); 0 or -ENOMEM. */
static int set_string(char **to, const char *value)
{
	char *s = NULL;

	if (value && !(s = strdup(value)))
		return -ENOMEM;
	free(*to);
	*to = s;
	return 0;
}

static int on_key(void *user, const char *section, const char *key,
		  const char *value)
{
	struct reader *r = user;
	struct config_policy *p = r->section;

	(void)section; /* ours, from read_line(): libinih's is the same text */
	if (r->general) {
		if (strcmp(key, "OnStop"))
			r->err = config_error(
				r->c, &r->pos,
				"unknown key '%s' in [" CONFIG_GENERAL
				"] (keys: OnStop)",
				key);
		else if (!strcmp(value, "unload") || !strcmp(value, "keep"))
			r->c->keep_on_stop = !strcmp(value, "keep");
		else
			r->err = config_error(
				r->c, &r->pos,
				"OnStop=%s: write OnStop=unload (the default) or OnStop=keep",
				value);
		return 1;
	}
	if (!strcmp(key, "Policy")) {
		if (!*value) {
			r->err = config_error(
				r->c, &r->pos,
				"empty Policy=: give a built-in name, a drop-in name or a .bpf.o path");
			return 1;
		}
		r->err = set_string(&p->policy, value);
		p->policy_pos = r->pos;
	} else if (!strcmp(key, "Scope")) {
		/* empty: back to the whole system, as in systemd */
		r->err = set_string(&p->scope, *value ? value : NULL);
		p->scope_pos = r->pos;
	} else if (!strcmp(key, "Set")) {
		r->err = add_set(p, value, &r->pos);
	} else {
		r->err = config_error(
			r->c, &r->pos,
			"unknown key '%s' in [%s] (keys: Policy, Scope, Set)",
			key, p->name);
	}
	return 1;
}

/*
 * The config decides what runs as root: the rule of drop-in policies
 * (StrictModes). 1 if the file is refused (the error is recorded).
 */
static int refused(struct config *c, const struct config_pos *pos, int fd)
{
	struct stat st;
	int err;

	if (fstat(fd, &st))
		err = config_error(c, pos, "can't stat: %s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		err = config_error(c, pos, "not a regular file");
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		err = config_error(c, pos,
				   "owned by uid %u: it must be owned by root",
				   (unsigned int)st.st_uid);
	else if (st.st_mode & 022)
		err = config_error(
			c, pos,
			"writable by group or others (mode %04o): chmod go-w it",
			(unsigned int)(st.st_mode & 07777));
	else
		return 0;
	return err ?: 1;
}

static int read_file(struct config *c, const char *path)
{
	struct reader r = { .c = c };
	char *name, **files;
	int fd, ret;

	name = strdup(path);
	files = realloc(c->files, (c->nr_files + 1) * sizeof(*files));
	if (files)
		c->files = files;
	if (!name || !files) {
		free(name);
		return -ENOMEM;
	}
	c->files[c->nr_files++] = name;
	r.pos.file = name;

	/* O_NOFOLLOW|O_NONBLOCK: no planted link, no FIFO to hang on */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			return config_error(
				c, &r.pos,
				"a symbolic link: name the file itself (links are not followed)");
		return config_error(c, &r.pos, "can't open: %s",
				    strerror(errno));
	}
	ret = refused(c, &r.pos, fd);
	if (ret) {
		close(fd);
		return ret < 0 ? ret : 0;
	}
	r.f = fdopen(fd, "r");
	if (!r.f) {
		close(fd);
		return -ENOMEM;
	}
	ret = ini_parse_stream(read_line, &r, on_key, &r);
	fclose(r.f);
	if (r.err)
		return r.err;
	/* read_line() passes on only lines the parser takes */
	if (ret > 0) {
		r.pos.line = ret;
		return config_error(c, &r.pos, "can't parse this line");
	}
	return ret < 0 ? -ENOMEM : 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int conf_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 &&
	       !strcmp(d->d_name + n - 5, ".conf");
}

int config_read(const char *path, struct config *c)
{
	struct dirent **ents = NULL;
	char dir[PATH_MAX + 3], file[2 * PATH_MAX];
	int i, n, err;

	memset(c, 0, sizeof(*c));
	err = read_file(c, path);
	if (err)
		return err;
	if (snprintf(dir, sizeof(dir), "%s.d", path) >= (int)sizeof(dir))
		return 0;
	n = scandir(dir, &ents, conf_file, by_name);
	if (n < 0)
		return 0; /* no drop-ins */
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%s/%s", dir, ents[i]->d_name);
		if (!err)
			err = read_file(c, file);
		free(ents[i]);
	}
	free(ents);
	return err;
}

void config_free(struct config *c)
{
	size_t i;
	int j;

	for (i = 0; i < c->nr_policies; i++) {
		struct config_policy *p = &c->policies[i];

		free(p->policy);
		free(p->scope);
		for (j = 0; j < p->nr_sets; j++)
			free(p->sets[j]);
		free(p->sets);
		free(p->set_pos);
	}
	free(c->policies);
	for (i = 0; i < c->nr_errors; i++)
		free(c->errors[i].text);
	free(c->errors);
	for (i = 0; i < c->nr_files; i++)
		free(c->files[i]);
	free(c->files);
	memset(c, 0, sizeof(*c));
}
