struct __attribute__((packed)) p { char c; int i; }; int f(struct p v);
