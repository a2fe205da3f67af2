__extension__ long long h(long x) __asm__("h_v2");
