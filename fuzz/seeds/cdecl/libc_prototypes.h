#include <stdio.h>
/* a comment */ // and another
char *strcpy(char *restrict dst, const char *restrict src);
int qsort_r(void *base, size_t n, size_t size,
            int (*cmp)(const void *, const void *, void *), void *arg);
void (*signal(int sig, void (*handler)(int)))(int);
unsigned char *bytes(signed char *s, unsigned char u[], int a[10][20], char **argv);
int fprintf(FILE *stream, const char *format, ...) __attribute__((nonnull(1)));
extern inline __attribute__((always_inline)) int g(int f(double));
_Noreturn void die(void) __attribute__((noreturn));
