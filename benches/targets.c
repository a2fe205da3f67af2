/* Callees for benches/calls.rs, compiled with gcc -O2 into a shared library by the
 * bench itself. The shapes are the ones docs/PERFORMANCE.md reports. */
typedef struct { double x, y; } vec2;
typedef struct { long a, b, c; } big3;

int add2(int a, int b) { return a + b; }

double mix4(int a, double b, float c, long d) { return a + b + c + d; }

vec2 vadd(vec2 p, vec2 q) { vec2 r = { p.x + q.x, p.y + q.y }; return r; }

long sum12(long a, long b, long c, long d, long e, long f,
           long g, long h, long i, long j, long k, long l) {
    return a + b + c + d + e + f + g + h + i + j + k + l;
}

big3 bigmk(long k, big3 s) { big3 r = { s.a + k, s.b + k, s.c + k }; return r; }

/* A 32-byte vector in ymm registers: the callee is compiled for AVX2 (the bench
 * skips it on a CPU without). */
typedef double v4d __attribute__((vector_size(32)));
v4d avx_add(v4d a, v4d b) __attribute__((target("avx2")));
v4d avx_add(v4d a, v4d b) { return a + b; }

/* _Float16 in xmm registers. */
_Float16 hmul(_Float16 a, _Float16 b) { return a * b; }
