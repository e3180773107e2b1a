/* The write loop of perftools.common.write_loop in C: the floor below Python's.
   Usage: write_loop ROOT FILES SIZE; prints the seconds the loop took. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
    const char *root = argv[1]; int n = atoi(argv[2]), size = atoi(argv[3]);
    char *buf = malloc(size), path[4096]; memset(buf, 'x', size);
    struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
    for (int d = 0; d < 10; d++) {
        snprintf(path, sizeof path, "%s/section-%d", root, d);
        mkdir(path, 0777);
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/section-%d/page-%05d.html", root, i % 10, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0 || write(fd, buf, size) != size) return 1;
        close(fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.6f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
