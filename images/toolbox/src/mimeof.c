/*
 * mimeof: print the media type of each FILE from its extension, using /etc/mime.types
 * (or $MIME_TYPES). Unknown extensions print application/octet-stream.
 *   mimeof hiker.c data.json   ->  text/x-csrc
 *                                  application/json
 * Exit status: 0, or 2 when the mime.types file cannot be read.
 */
#define _POSIX_C_SOURCE 200809L /* strtok_r, strcasecmp under strict -std=c11/c17 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *extension(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return (dot && dot != base && dot[1]) ? dot + 1 : NULL;
}

/* Find ext in the mime.types file; on success copy the type into out. */
static int lookup(FILE *db, const char *ext, char *out, size_t outlen)
{
    char line[1024];
    rewind(db);
    while (fgets(line, sizeof line, db)) {
        if (line[0] == '#' || isspace((unsigned char)line[0]))
            continue;
        char *save = NULL;
        char *type = strtok_r(line, " \t\r\n", &save);
        if (!type)
            continue;
        for (char *e; (e = strtok_r(NULL, " \t\r\n", &save));) {
            if (strcasecmp(e, ext) == 0) {
                snprintf(out, outlen, "%s", type);
                return 1;
            }
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: mimeof FILE...\n");
        return argc < 2 ? 2 : 0;
    }
    const char *path = getenv("MIME_TYPES");
    if (!path || !*path)
        path = "/etc/mime.types";
    FILE *db = fopen(path, "r");
    if (!db) {
        perror(path);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        char type[256] = "application/octet-stream";
        const char *ext = extension(argv[i]);
        if (ext)
            lookup(db, ext, type, sizeof type);
        puts(type);
    }
    fclose(db);
    return 0;
}
