/* Drives libffi's interface through whichever libffi.so.8 the dynamic linker picked:
   tests/ffi_abi.rs runs it against the system's libffi and against libjitcall_ffi.so.
   Compiled against the system's ffi.h: its layouts are the interface. */
#define _GNU_SOURCE
#include <errno.h>
#include <ffi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>

static int add(int a, int b) { return a + b; }
static signed char neg(signed char x) { return (signed char)-x; }
static unsigned char uc(unsigned char x) { return (unsigned char)(x + 1); }
static short sh(short x) { return (short)(x * 2); }
static unsigned u32(unsigned x) { return x | 0x80000000u; }
static double mix(int a, double b, float c, long d) { return a + b + c + d; }
static long double ld(long double a, long double b) { return a * b; }

struct big { long a, b, c; };            /* 24 bytes: MEMORY */
static struct big twice(struct big x) { struct big r = {2 * x.a, 2 * x.b, 2 * x.c}; return r; }
struct pt { float x; int y; };          /* 8 bytes: one eightbyte, INTEGER */
static struct pt swap(struct pt p) { struct pt r = {(float)p.y, (int)p.x}; return r; }

struct ii2 { int a, b; };                /* the same ffi_type object, changed in place */
struct id2 { int a; double b; };
struct ff2 { float a, b; };
static double sum_ii(struct ii2 s) { return s.a + s.b; }
static double sum_id(struct id2 s) { return s.a + s.b; }
static double sum_ff(struct ff2 s) { return s.a + s.b; }

static void closure_add(ffi_cif *cif, void *ret, void **args, void *user) {
  (void)cif;
  *(ffi_arg *)ret = *(int *)args[0] + *(int *)args[1] + *(int *)user;
}
static void closure_errno(ffi_cif *cif, void *ret, void **args, void *user) {
  (void)cif; (void)user;
  errno = *(int *)args[0];
  *(ffi_arg *)ret = 0;
}
static int compare(const void *a, const void *b) { (void)a; (void)b; return 0; }
static void closure_cmp(ffi_cif *cif, void *ret, void **args, void *user) {
  (void)cif; (void)user;
  int a = **(int **)args[0], b = **(int **)args[1];
  *(ffi_arg *)ret = (ffi_sarg)(a > b) - (a < b);
}

int main(int argc, char **argv) {
  ffi_cif cif;
  ffi_type *ii[2] = {&ffi_type_sint32, &ffi_type_sint32};
  printf("sizes cif=%zu type=%zu closure=%zu arg=%zu\n", sizeof(ffi_cif), sizeof(ffi_type),
         sizeof(ffi_closure), sizeof(ffi_arg));

  /* int add(int, int); the cif's public fields. */
  int s = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_sint32, ii);
  printf("prep=%d abi=%d nargs=%u types=%d rtype=%d\n", s, (int)cif.abi, cif.nargs,
         cif.arg_types == ii, cif.rtype == &ffi_type_sint32);
  int x = 40, y = 2; void *av[2] = {&x, &y}; ffi_arg r = 0;
  ffi_call(&cif, FFI_FN(add), &r, av);
  printf("add=%ld\n", (long)r);

  /* Narrow results widen to a whole ffi_arg. */
  signed char c = 5; void *a1[1] = {&c}; ffi_type *t1[1] = {&ffi_type_sint8};
  ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_sint8, t1);
  r = 0x5555555555555555ul; ffi_call(&cif, FFI_FN(neg), &r, a1);
  printf("neg=%#lx\n", (unsigned long)r);
  unsigned char u = 0xfe; a1[0] = &u; t1[0] = &ffi_type_uint8;
  ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_uint8, t1);
  r = 0x5555555555555555ul; ffi_call(&cif, FFI_FN(uc), &r, a1);
  printf("uc=%#lx\n", (unsigned long)r);
  short h = -300; a1[0] = &h; t1[0] = &ffi_type_sint16;
  ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_sint16, t1);
  r = 0x5555555555555555ul; ffi_call(&cif, FFI_FN(sh), &r, a1);
  printf("sh=%#lx\n", (unsigned long)r);
  unsigned w = 7; a1[0] = &w; t1[0] = &ffi_type_uint32;
  ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_uint32, t1);
  r = 0x5555555555555555ul; ffi_call(&cif, FFI_FN(u32), &r, a1);
  printf("u32=%#lx\n", (unsigned long)r);

  /* Integer arguments fill the whole register, as libffi loads them: ctypes calls
     labs(-5) with an int. */
  int m5 = -5; long lr5 = 0; void *a5[1] = {&m5}; ffi_type *t5[1] = {&ffi_type_sint32};
  ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_slong, t5);
  ffi_call(&cif, FFI_FN(labs), &lr5, a5);
  printf("labs(int -5)=%ld\n", lr5);

  /* Mixed classes; long double. */
  ffi_type *m4[4] = {&ffi_type_sint32, &ffi_type_double, &ffi_type_float, &ffi_type_slong};
  int mi = 1; double md = 2.5; float mf = 0.25f; long ml = 10; void *ma[4] = {&mi, &md, &mf, &ml};
  double dr = 0;
  ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 4, &ffi_type_double, m4);
  ffi_call(&cif, FFI_FN(mix), &dr, ma);
  printf("mix=%g\n", dr);
  ffi_type *l2[2] = {&ffi_type_longdouble, &ffi_type_longdouble};
  long double la = 1.5L, lb = 4.0L, lr = 0; void *lav[2] = {&la, &lb};
  ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_longdouble, l2);
  ffi_call(&cif, FFI_FN(ld), &lr, lav);
  printf("ld=%Lg\n", lr);

  /* Struct types are laid out on first use; offsets on request. */
  ffi_type *pt_el[3] = {&ffi_type_float, &ffi_type_sint32, NULL};
  ffi_type pt_t = {0, 0, FFI_TYPE_STRUCT, pt_el};
  ffi_type *pt1[1] = {&pt_t};
  s = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &pt_t, pt1);
  printf("pt prep=%d size=%zu align=%u\n", s, pt_t.size, pt_t.alignment);
  struct pt p = {3.0f, 4}, pr = {0, 0}; void *pa[1] = {&p};
  ffi_call(&cif, FFI_FN(swap), &pr, pa);
  printf("swap={%g,%d}\n", pr.x, pr.y);
  ffi_type *off_el[4] = {&ffi_type_uint8, &ffi_type_double, &ffi_type_uint16, NULL};
  ffi_type off_t = {0, 0, FFI_TYPE_STRUCT, off_el};
  size_t offs[3] = {99, 99, 99};
  s = ffi_get_struct_offsets(FFI_DEFAULT_ABI, &off_t, offs);
  printf("offsets=%d {%zu,%zu,%zu} size=%zu align=%u\n", s, offs[0], offs[1], offs[2],
         off_t.size, off_t.alignment);

  /* A struct over 16 bytes, twice through the same avalue array: the array must come
     back unchanged (Debian's libffi 3.4.4 rewrites it to a stack copy). */
  ffi_type *big_el[4] = {&ffi_type_slong, &ffi_type_slong, &ffi_type_slong, NULL};
  ffi_type big_t = {0, 0, FFI_TYPE_STRUCT, big_el};
  ffi_type *b1[1] = {&big_t};
  ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &big_t, b1);
  struct big b = {1, 2, 3}, br; void *ba[1] = {&b};
  ffi_call(&cif, FFI_FN(twice), &br, ba);
  printf("twice={%ld,%ld,%ld}\n", br.a, br.b, br.c);
  printf("avalue %s\n", ba[0] == &b ? "unchanged" : "rewritten");
  if (ba[0] == &b) {
    b.a = 10;
    ffi_call(&cif, FFI_FN(twice), &br, ba);
    printf("twice again={%ld,%ld,%ld}\n", br.a, br.b, br.c);
  }

  /* Variadic: snprintf(buf, n, fmt, int, double). */
  char buf[64]; char *bp = buf; size_t n = sizeof buf; const char *fmt = "%d|%.2f";
  int vi = 7; double vd = 1.25; int sr = 0;
  ffi_type *vt[5] = {&ffi_type_pointer, &ffi_type_uint64, &ffi_type_pointer, &ffi_type_sint32, &ffi_type_double};
  void *va[5] = {&bp, &n, &fmt, &vi, &vd};
  s = ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 3, 5, &ffi_type_sint32, vt);
  ffi_arg vr = 0; ffi_call(&cif, FFI_FN(snprintf), &vr, va); sr = (int)vr;
  printf("var prep=%d ret=%d buf=%s\n", s, sr, buf);

  /* One struct type object prepared, then changed in place and prepared again (as a
     caller reusing its ffi_type storage does): each preparation must describe the type
     as it is now, whatever an earlier one at the same addresses found. */
  ffi_type *m_el[3] = {&ffi_type_sint32, &ffi_type_sint32, NULL};
  ffi_type m_t = {0, 0, FFI_TYPE_STRUCT, m_el};
  ffi_type *m1[1] = {&m_t};
  double cr[3];
  struct ii2 sii = {3, 4}; struct id2 sid = {3, 4.5}; struct ff2 sff = {1.25f, 1.25f};
  void *ca[1] = {&sii};
  for (int round = 0; round < 2; round++) {
    m_el[0] = &ffi_type_sint32; m_el[1] = &ffi_type_sint32; m_t.size = 0; m_t.alignment = 0;
    ca[0] = &sii;
    s = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_double, m1);
    ffi_call(&cif, FFI_FN(sum_ii), &cr[0], ca);
    /* A member changed and the size reset: laid out again, 16 bytes. */
    m_el[1] = &ffi_type_double; m_t.size = 0; m_t.alignment = 0;
    ca[0] = &sid;
    s |= ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_double, m1);
    ffi_call(&cif, FFI_FN(sum_id), &cr[1], ca);
    /* Both members changed, size and alignment left as they were (8, 4): SSE now. */
    m_el[0] = &ffi_type_sint32; m_el[1] = &ffi_type_sint32; m_t.size = 0; m_t.alignment = 0;
    ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_double, m1);
    m_el[0] = &ffi_type_float; m_el[1] = &ffi_type_float;
    ca[0] = &sff;
    s |= ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_double, m1);
    ffi_call(&cif, FFI_FN(sum_ff), &cr[2], ca);
    printf("changed in place, round %d: prep=%d %.2f %.2f %.2f size=%zu\n", round, s, cr[0],
           cr[1], cr[2], m_t.size);
  }

  /* Bad input is a status, never a crash. */
  printf("bad abi: %d %d\n", ffi_prep_cif(&cif, 0, 2, &ffi_type_sint32, ii),
         ffi_prep_cif(&cif, FFI_LAST_ABI, 2, &ffi_type_sint32, ii));
  ffi_type *none[1] = {NULL};
  ffi_type empty = {0, 0, FFI_TYPE_STRUCT, none};
  printf("bad typedef: %d\n", ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &empty, ii));
  ffi_type *vf[2] = {&ffi_type_pointer, &ffi_type_float};
  ffi_type *vc[2] = {&ffi_type_pointer, &ffi_type_uint8};
  printf("bad argtype: %d %d\n", ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_sint32, vf),
         ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_sint32, vc));

  /* Closures. */
  void *code = NULL;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  int bias = 100;
  ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_sint32, ii);
  s = ffi_prep_closure_loc(cl, &cif, closure_add, &bias, code);
  printf("closure prep=%d result=%d\n", s, ((int (*)(int, int))code)(20, 3));
  bias = 1000;
  printf("closure user_data read per call=%d\n", ((int (*)(int, int))code)(20, 3));
  ffi_closure_free(cl);
  ffi_cif qcif; ffi_type *pp[2] = {&ffi_type_pointer, &ffi_type_pointer};
  ffi_prep_cif(&qcif, FFI_DEFAULT_ABI, 2, &ffi_type_sint32, pp);
  cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  ffi_prep_closure_loc(cl, &qcif, closure_cmp, NULL, code);
  int xs[6] = {5, -3, 12, 0, 7, 1};
  qsort(xs, 6, sizeof(int), code ? (int (*)(const void *, const void *))code : compare);
  printf("qsort={%d,%d,%d,%d,%d,%d}\n", xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]);
  ffi_closure_free(cl);

  /* The errno a closure's function leaves reaches the closure's caller. */
  ffi_cif ecif; ffi_type *one[1] = {&ffi_type_sint32};
  ffi_prep_cif(&ecif, FFI_DEFAULT_ABI, 1, &ffi_type_sint32, one);
  cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  ffi_prep_closure_loc(cl, &ecif, closure_errno, NULL, code);
  errno = 0;
  ((int (*)(int))code)(ERANGE);
  int closure_errno_seen = errno;
  printf("closure errno=%d\n", closure_errno_seen);
  ffi_closure_free(cl);

  /* Which objects provide libffi (for the test, not compared). */
  if (argc > 1 && strcmp(argv[1], "--maps") == 0) {
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    while (maps && fgets(line, sizeof line, maps))
      if (strstr(line, "libffi") || strstr(line, "jitcall"))
        printf("map %s", strchr(line, '/') ? strchr(line, '/') : line);
    if (maps) fclose(maps);
  }
  return 0;
}
