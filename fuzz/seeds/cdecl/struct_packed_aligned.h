struct __attribute__((packed)) p { char c; int i; };
struct q { char c; int i; } __attribute__((__packed__, aligned(8)));
struct r { char c; _Alignas(16) int i; int j __attribute__((aligned)); };
struct t { char c; _Alignas(double) char d; _Alignas(0) char e; };
struct q f(struct p, struct r, struct t);
