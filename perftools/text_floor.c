/* The whole plain text of each page, as pipeline/pagetext.py makes it, in C: the floor
   below Python's string primitives for the same work.

   Usage: text_floor PAGES OUT
   PAGES holds the pages' HTML, UTF-8, separated by NUL bytes. Writes each page's text to
   OUT, in the same order and separated the same way, and prints the milliseconds the
   conversion took (reading and writing the files excluded).

   What it covers, for the pages perftools.text_floor compares: tags dropped (a "<" with
   no ">" after it is text), heading tags as white space (the text is joined from the
   stretches between them), the references &quot; &amp; &lt; &gt; and &#33; to &#126;
   decoded, white space collapsed to one space, none at either end; other UTF-8 bytes
   as they are. No script or style element, no other reference, no white space beyond
   ASCII's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int is_space(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int is_heading_tag(const char *tag, size_t n) { /* tag: from "<" to ">" */
    size_t i = 1;
    if (i < n && tag[i] == '/') i++;
    if (i + 1 >= n || (tag[i] != 'h' && tag[i] != 'H') || tag[i + 1] < '1' || tag[i + 1] > '6')
        return 0;
    char after = tag[i + 2];
    return after == '>' || is_space(after) || after == '/';
}

/* Decodes the reference at s (its "&"); the number of bytes it takes, 0 if none. */
static size_t reference(const char *s, size_t n, char *c) {
    static const struct { const char *name; char c; } named[] = {
        {"&quot;", '"'}, {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}};
    for (size_t k = 0; k < 4; k++) {
        size_t len = strlen(named[k].name);
        if (len <= n && !memcmp(s, named[k].name, len)) {
            *c = named[k].c;
            return len;
        }
    }
    if (n > 3 && s[1] == '#') {
        size_t i = 2;
        int value = 0;
        while (i < n && i < 5 && s[i] >= '0' && s[i] <= '9') value = value * 10 + s[i++] - '0';
        if (i > 2 && i < n && s[i] == ';' && value > 32 && value < 127) {
            *c = (char)value;
            return i + 1;
        }
    }
    return 0;
}

static size_t plain(const char *s, size_t n, char *out) {
    size_t o = 0, last_gt = n;
    for (size_t k = n; k-- > 0;)
        if (s[k] == '>') {
            last_gt = k;
            break;
        }
    int space = 1; /* at the start, or after a space written */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '<' && last_gt < n && i < last_gt) {
            const char *end = memchr(s + i, '>', n - i);
            size_t len = (size_t)(end - (s + i)) + 1;
            if (is_heading_tag(s + i, len) && !space) {
                out[o++] = ' ';
                space = 1;
            }
            i += len - 1;
            continue;
        }
        if (is_space(c)) {
            if (!space) {
                out[o++] = ' ';
                space = 1;
            }
            continue;
        }
        if (c == '&') {
            size_t len = reference(s + i, n - i, &c);
            if (len) i += len - 1;
        }
        out[o++] = c;
        space = 0;
    }
    if (o && out[o - 1] == ' ') o--;
    return o;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: text_floor PAGES OUT\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) return 1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *html = malloc(n + 1), *text = malloc(n + 1);
    if (!html || !text || fread(html, 1, n, f) != (size_t)n) return 1;
    fclose(f);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    size_t o = 0;
    for (char *page = html, *stop = html + n; page <= stop;) {
        char *nul = memchr(page, 0, stop - page);
        if (!nul) nul = stop;
        o += plain(page, nul - page, text + o);
        if (nul < stop) text[o++] = 0;
        page = nul + 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    FILE *out = fopen(argv[2], "wb");
    if (!out || fwrite(text, 1, o, out) != o) return 1;
    fclose(out);
    printf("%.3f\n", (end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6);
    return 0;
}
