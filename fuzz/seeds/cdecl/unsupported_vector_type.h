typedef int v4si __attribute__((vector_size(16))); v4si f(v4si);
