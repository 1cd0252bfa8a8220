/* yahoo_csv_bench.c -- reads a Yahoo! Answers CSV file with yahoo_csv and prints records, bytes and rate. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "yahoo_csv.h"

int main(int argc, char **argv) {
    if (argc != 2 || (argv[1][0] == '-' && argv[1][1])) {
        fprintf(stderr, "usage: yahoo_csv_bench FILE.csv   (reads every record, prints the rate)\n");
        return argc == 2 ? 0 : 2;
    }
    char err[256];
    yahoo_csv *r = yahoo_csv_open(argv[1], 0, err, sizeof(err));
    if (!r) {
        fprintf(stderr, "error: %s\n", err);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    yahoo_record rec;
    long bad = 0;
    unsigned long long chars = 0;
    int rc;
    while ((rc = yahoo_csv_next(r, &rec, err, sizeof(err))) != 0) {
        if (rc < 0) {
            if (bad++ < 5) fprintf(stderr, "malformed: %s\n", err);
            continue;
        }
        chars += rec.title_len + rec.content_len + rec.answer_len;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    long n = yahoo_csv_records(r);
    printf("records=%ld malformed=%ld text_bytes=%llu seconds=%.3f records_per_s=%.0f MB_per_s=%.1f\n",
           n, bad, chars, s, n / s, chars / s / 1e6);
    yahoo_csv_destroy(r);
    return 0;
}
