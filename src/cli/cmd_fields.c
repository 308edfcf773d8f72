/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_fields.c - `vigil fields`: lists every field conditions and outputs can
 * use, with its type, argument syntax and description (text or JSON).
 */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "output/alert.h"
#include "rules/fields.h"

static const char *arg_syntax(const struct field_def *f)
{
	if ((f->flags & FF_ARG_INDEX) && (f->flags & FF_ARG_KEY))
		return (f->flags & FF_ARG_REQUIRED) ? "[index|key]" : "[[index|key]]";
	if (f->flags & FF_ARG_INDEX)
		return (f->flags & FF_ARG_REQUIRED) ? "[index]" : "[[index]]";
	if (f->flags & FF_ARG_KEY)
		return (f->flags & FF_ARG_DOT) ? ((f->flags & FF_ARG_REQUIRED) ? "[key] or .key" : "[[key]]")
					       : ((f->flags & FF_ARG_REQUIRED) ? "[key]" : "[[key]]");
	return "";
}

int cmd_fields(int argc, char **argv)
{
	bool json = false;
	const char *prefix = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: vigil fields [--json] [PREFIX]\n\n"
			       "Lists every field (evt.*, proc.*, thread.*, user.*, group.*, fd.*, fs.path.*,\n"
			       "container.*, k8s.*) with its type, argument syntax and description.\n"
			       "PREFIX limits the list, e.g. 'vigil fields proc.'.\n");
			return 0;
		} else
			prefix = argv[i];
	}
	size_t n;
	const struct field_def *all = fields_all(&n);
	struct strbuf sb;
	strbuf_init(&sb);
	if (json)
		printf("[");
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		const struct field_def *f = &all[i];
		if ((f->flags & FF_HIDDEN) || (prefix && strncmp(f->name, prefix, strlen(prefix))))
			continue;
		if (json) {
			strbuf_reset(&sb);
			json_escape(&sb, f->desc, strlen(f->desc));
			printf("%s{\"name\":\"%s\",\"type\":\"%s\",\"arg\":\"%s\",\"deprecated\":%s,\"desc\":\"%s\"}",
			       first ? "" : ",", f->name, ev_param_type_name(f->type), arg_syntax(f),
			       (f->flags & FF_DEPRECATED) ? "true" : "false", sb.buf);
		} else {
			printf("%-44s %-9s %s%s\n", f->name, ev_param_type_name(f->type), f->desc,
			       (f->flags & FF_DEPRECATED) ? " (deprecated)" : "");
			if (*arg_syntax(f))
				printf("%-44s %-9s argument: %s\n", "", "", arg_syntax(f));
		}
		first = false;
	}
	if (json)
		printf("]\n");
	strbuf_fini(&sb);
	return 0;
}
