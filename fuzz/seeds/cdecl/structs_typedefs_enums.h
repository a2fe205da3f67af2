struct point { int x, y; };
typedef struct point point_t;
typedef struct { double re, im; } cplx;
typedef int (*cmp_fn)(const void *, const void *);
typedef int handler_fn(int);
typedef char name_t[16];
enum color { RED, GREEN = 5, BLUE };
struct shape {
    enum color color;
    struct point corners[4];
    union { int i; float f; } tag;
    char *names[2];
    int *(*table)[3];
    cmp_fn cmp;
    name_t name;
    struct { short a; } ;
};
handler_fn on_signal;
point_t move(point_t p, cplx by, struct shape *s);
